"""The operator acts for a caller in a real browser: a caller nobody matches is registered
on the spot and booked in the same call, the booking's time is changed and then cancelled
with a reason, and the audit log shows each step; the day field reads what operators type;
an offer whose time moved says so; the screen is axe-clean in Japanese and English."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.web.conftest import (
    TOKYO,
    Live,
    check_axe,
    choose_lang,
    home_to_first_hospital,
    screenshots,
    wait_until,
)
from tests.web.test_operator import login

pytestmark = pytest.mark.browser

NEW_PHONE = "09077120934"
NEW_NAME = "鹿島 花子"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def service_day(live: Live) -> str:
    """The service day of the shared server (its shifts are on that day)."""
    return live.clock.start.astimezone(TOKYO).date().isoformat()


def test_operator_registers_books_changes_and_cancels_for_a_new_caller(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """Search finds nobody → register (approved at once under Kamisu's rule) → book → change
    the time with a reason → cancel with a reason; every step is in the audit log."""
    page = new_page("desktop")
    login(page, live)
    page.keyboard.press("Alt+1")
    page.wait_for_selector("#q:focus")
    page.keyboard.type(NEW_PHONE)
    page.keyboard.press("Enter")
    page.wait_for_selector("#reg-open:focus")
    assert "該当する会員がいません" in page.inner_text("#results")
    check_axe(page, "operator: nobody found")
    page.keyboard.press("Enter")
    page.wait_for_selector("#nr-name:focus")
    assert page.input_value("#nr-phone") == NEW_PHONE  # the digits searched for
    # a mobile is told by SMS unless the caller asks otherwise
    assert page.is_checked("#nr-ch-sms") and not page.is_checked("#nr-ch-voice")
    assert "すぐに承認" in page.inner_text("#nr-title + .hint")  # the city's rule, said
    page.keyboard.type(NEW_NAME)
    page.fill("#nr-kana", "かしま はなこ")
    page.fill("#nr-birth_date", "1950-05-06")
    page.fill("#nr-address", "神栖市大野原")
    page.click("#nr-locate")
    page.wait_for_selector("#nr-home-status:has-text('大野原')")
    page.check("#nr-walking_aid")
    page.fill("#nr-notes", "電話は夕方に")
    # without the caller's consent: refused next to the field, listed above the form
    page.click("#nr-submit")
    page.wait_for_selector("#nr-consent-error:not([hidden])")
    assert "nr-consent-error" in (page.get_attribute("#nr-consent", "aria-describedby") or "")
    assert page.evaluate("document.activeElement.id") == "nr-summary"
    check_axe(page, "operator: registration with an error")
    screenshots(page, "operator-call-register", ("desktop",))
    page.check("#nr-consent")
    page.click("#nr-submit")
    page.wait_for_selector(".member #ns-result")
    assert NEW_NAME in page.inner_text(".member")
    assert "登録しました" in page.inner_text("#ns-result")
    (member,) = [m for m in live.api("GET", f"/api/v1/members?q={NEW_PHONE}") if m["phone"]]
    assert member["status"] == "approved" and member["channel"] == "phone"
    assert member["walking_aid"] is True
    prefs = live.api("GET", f"/api/v1/members/{member['id']}/notifications")
    assert prefs["channels"] == ["sms"] and prefs["effective"] == ["sms"]

    # book in the same call: home → a hospital, today 11:00, two riding (one a carer)
    home_to_first_hospital(page)
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.wait_for_selector("#time:focus")
    assert page.input_value("#date") == service_day(live)
    page.keyboard.type("1100")
    page.fill("#party", "2")
    page.fill("#carers", "1")
    page.fill("#notes", "玄関前に段差があります")
    page.click("#quote-btn")
    page.wait_for_selector("#confirm:focus", timeout=60000)
    offer = page.inner_text(".offer")
    assert "300円" in offer and "介助者1名は無料" in offer, offer
    page.keyboard.press("Enter")
    page.wait_for_selector(".booked")
    (booking,) = live.api("GET", f"/api/v1/bookings?member_id={member['id']}")
    assert booking["fare_yen"] == 300 and booking["party_size"] == 2
    assert booking["notes"] == "玄関前に段差があります" and booking["channel"] == "phone"

    # the card lists the ride with its booked fare and the fare rules that priced it
    page.wait_for_selector(f".upcoming li[data-id='{booking['id']}'] .up-change")
    fare = page.inner_text(f".upcoming li[data-id='{booking['id']}'] .up-fare")
    assert booking["fare_rules"] and "運賃 300円" in fare, fare
    assert f"#{booking['fare_rules'].split('#')[1]}" in fare, fare
    # change its time with a reason
    check_axe(page, "operator: member card with an upcoming ride")
    page.click(f".upcoming li[data-id='{booking['id']}'] .up-change")
    page.wait_for_selector("#mod-title")
    assert page.input_value("#time") == re.sub(":", "", _hm(booking["pickup_window_start"]))
    page.fill("#time", "1330")
    page.click("#quote-btn")
    page.wait_for_selector("#offer .notice, #confirm", timeout=60000)
    assert page.locator("#confirm").count() == 1, page.inner_text("#offer")
    assert "変更を確定" in page.inner_text("#confirm")
    page.click("#confirm")  # no reason yet: said next to the reason field
    page.wait_for_selector("#mod-reason-error:not([hidden])")
    assert page.get_attribute("#mod-reason", "aria-invalid") == "true"
    check_axe(page, "operator: change without a reason")
    screenshots(page, "operator-call-change", ("desktop",))
    page.fill("#mod-reason", "通院の時間が変わった")
    page.click("#confirm")
    page.wait_for_selector(".booked:has-text('予約を変更しました')")
    rides = live.api("GET", f"/api/v1/bookings?member_id={member['id']}&upcoming=true")
    (changed,) = rides
    assert changed["id"] != booking["id"] and _hm(changed["pickup_window_start"]) >= "13:00"

    # cancel it: a confirm step with the reason
    row = f".upcoming li[data-id='{changed['id']}']"
    page.wait_for_selector(f"{row} .up-cancel")
    page.click(f"{row} .up-cancel")
    page.wait_for_selector(f"{row} .cancel-form input:focus")
    page.keyboard.press("Enter")  # empty reason: refused next to the field
    page.wait_for_selector(f"{row} .field-error:not([hidden])")
    check_axe(page, "operator: cancel confirm step")
    screenshots(page, "operator-call-cancel", ("desktop",))
    page.keyboard.type("入院のため")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ns-result:has-text('取り消しました')")
    assert live.api("GET", f"/api/v1/bookings?member_id={member['id']}&upcoming=true") == []
    assert "なし" in page.inner_text(".upcoming")

    # the audit log has each step, with the reasons
    log = live.api("GET", "/api/v1/audit?limit=1000")
    mine = [a for a in log if a["entity_id"] in {member["id"], booking["id"], changed["id"]}]
    actions = [a["action"] for a in reversed(mine)]
    assert actions == [
        "member.register",
        "member.approve",
        "booking.confirm",
        "booking.modify",
        "booking.cancel",
    ], actions
    by = {a["action"]: a for a in mine}
    assert by["booking.modify"]["after"]["reason"] == "通院の時間が変わった"
    assert by["booking.cancel"]["after"]["reason"] == "入院のため"

    # English: the whole screen, its card included
    choose_lang(page, "en")
    page.wait_for_selector("#view-call h1:text('Phone booking')")
    page.wait_for_selector(".member h3:text('Upcoming rides')")
    texts = page.locator(
        "#view-call label, #view-call .hint, #view-call h1, #view-call h3, #view-call button, "
        "#view-call summary, #view-call dt"
    ).all_inner_texts()
    leftovers = [x for x in texts if JAPANESE.search(x)]
    assert not leftovers, leftovers
    check_axe(page, "operator: call screen in English")
    screenshots(page, "operator-call-english", ("desktop",))
    choose_lang(page, "ja")


def _hm(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(TOKYO).strftime("%H:%M")


CASES = {
    "12/3": "2026-12-03",
    "12月3日": "2026-12-03",
    "１２月３日": "2026-12-03",
    "１２／３": "2026-12-03",
    "明日": "2026-12-02",
    "あした": "2026-12-02",
    "あさって": "2026-12-03",
    "0": "2026-12-01",
    "2026/12/03": "2026-12-03",
    "2026-12-03": "2026-12-03",
    "２０２６－１２－０３": "2026-12-03",
    "2026年12月3日": "2026-12-03",
    "3日": "2026-12-03",
    "1/5": "2027-01-05",
    "+7": "2026-12-08",
    "11/30": "past",
    "2025-12-03": "past",
    "2/30": "nonexistent",
    "13/1": "bad",
    "らいしゅう": "bad",
    "": "empty",
}


def test_the_day_field_reads_what_operators_type(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """parseDay (the call screen's reader) on a fixed today, then the field itself: the day
    with its weekday beside it, nonsense refused next to the field."""
    page = new_page("desktop")
    login(page, live)
    got = page.evaluate(
        """async (cases) => {
            const { parseDay } = await import('/static/operator/dates.js');
            return Object.fromEntries(cases.map((c) => {
                const r = parseDay(c, '2026-12-01');
                return [c, r.date || r.error];
            }));
        }""",
        list(CASES),
    )
    assert got == CASES
    page.wait_for_selector("#date")
    page.fill("#date", "")
    page.type("#date", "明日")
    tomorrow = live.clock.start.astimezone(TOKYO).date() + timedelta(days=1)
    label = page.inner_text("#date-parsed")
    assert f"{tomorrow.month}月{tomorrow.day}日" in label, label
    assert re.search(r"[(（][月火水木金土日][)）]", label), label  # with its weekday
    page.keyboard.press("Enter")
    assert page.input_value("#date") == tomorrow.isoformat()
    page.fill("#date", "")
    page.type("#date", "2/30")
    page.wait_for_selector("#date-error:not([hidden])")
    assert "2月は28日まで" in page.inner_text("#date-error") or "29日まで" in page.inner_text(
        "#date-error"
    )
    assert page.get_attribute("#date", "aria-invalid") == "true"
    assert "date-error" in (page.get_attribute("#date", "aria-describedby") or "")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "date"  # stays until it reads
    check_axe(page, "operator: a day that does not exist")
    page.fill("#date", "")
    page.type("#date", "ほげ")
    assert "読めません" in page.inner_text("#date-error")
    choose_lang(page, "en")
    page.wait_for_selector("#date")
    page.fill("#date", "")
    page.type("#date", f"{tomorrow.month}/{tomorrow.day}")
    month = tomorrow.strftime("%B")
    wait_until(page, f"document.querySelector('#date-parsed').textContent.includes({month!r})")
    check_axe(page, "operator: day field in English")
    choose_lang(page, "ja")


def test_an_offer_whose_time_moved_says_so(new_page: Any, live: Live, fleet: list[str]) -> None:
    """13:00 asked, 13:26–13:30 offered: the offer says the time moved from the request.

    The engine's answer is moved by the test (the real quote, its times shifted) so that the
    test does not depend on how full the shared fleet is.
    """
    from tests.web.seed import approved_member

    person = approved_member(
        live, name="波崎 次郎", kana="はさき じろう", phone="09077120935",
        password="jiro-2026x", birth_date="1944-03-03",
    )  # fmt: skip
    day = service_day(live)

    def moved(route: Any) -> None:
        res = route.fetch()
        body = res.json()
        if res.status == 200:
            body["offer"]["pickup_window_start"] = f"{day}T04:26:00+00:00"
            body["offer"]["pickup_window_end"] = f"{day}T04:30:00+00:00"
        route.fulfill(response=res, body=json.dumps(body))

    page = new_page("desktop")
    login(page, live)
    page.route("**/api/v1/quotes", moved)
    page.keyboard.press("Alt+1")
    page.keyboard.type(person["phone"].replace("-", "")[-4:])
    page.keyboard.press("Enter")
    home_to_first_hospital(page)
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.keyboard.type("1300")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm:focus", timeout=60000)
    note = page.inner_text(".offer .moved")
    assert "13:00" in note and "13:26" in note and "13:30" in note, note
    check_axe(page, "operator: an offer that moved")
    screenshots(page, "operator-call-moved", ("desktop",))
