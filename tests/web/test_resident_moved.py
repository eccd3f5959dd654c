"""The resident offer says when the offered time moved from the one asked (15:00 asked,
15:26–15:30 offered), as the call screen does; axe-clean in Japanese and English. A change
made in the app keeps the booking's carers (介助者)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.web.conftest import TOKYO, Live, check_axe, choose_lang, screenshots
from tests.web.seed import approved_member

pytestmark = pytest.mark.browser

PHONE = "09077153614"
PASSWORD = "moved-pass-26"


def test_the_resident_offer_says_the_time_moved(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """The engine's real answer is moved by the test (so it does not depend on how full
    the shared fleet is); an offer near the asked time says nothing."""
    approved_member(
        live, name="移動 春子", kana="いどう はるこ", phone=PHONE,
        password=PASSWORD, birth_date="1947-04-04",
    )  # fmt: skip
    day = live.clock.now().astimezone(TOKYO).date().isoformat()
    window = {"start": "06:26", "end": "06:30"}  # UTC: 15:26–15:30 in Kamisu

    def moved(route: Any) -> None:
        res = route.fetch()
        body = res.json()
        if res.status == 200:
            body["offer"]["pickup_window_start"] = f"{day}T{window['start']}:00+00:00"
            body["offer"]["pickup_window_end"] = f"{day}T{window['end']}:00+00:00"
        route.fulfill(response=res, body=json.dumps(body))

    page = new_page("phone")
    page.route("**/api/v1/quotes", moved)
    page.goto(live.url + "/#/login")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-book:not([hidden]) .place-btn")
    page.locator(".place-btn").first.click()  # from home
    page.locator(".cat[data-cat=medical]").click()
    page.locator("#cat-results .place-btn").first.click()
    page.wait_for_selector("#b-time")
    page.locator(".day").first.click()  # today; the service's clock is past 09:00
    page.fill("#b-time", "15:00")
    page.click("#book-step .next")
    page.wait_for_selector("#p-plus")
    page.click("#book-step .next")
    note = page.locator(".offer .moved")
    note.wait_for(timeout=60000)
    text = note.inner_text()
    assert "15:00" in text and "15:26" in text and "15:30" in text, text
    assert "変わっています" in text, text
    check_axe(page, "resident: an offer that moved")
    screenshots(page, "resident-offer-moved", ("phone",))
    choose_lang(page, "en")
    page.wait_for_selector(".offer .moved")
    assert "moved from the 15:00" in page.inner_text(".offer .moved")
    check_axe(page, "resident: an offer that moved (English)")
    choose_lang(page, "ja")

    # An offer starting within 10 minutes of the asked time says nothing.
    window.update(start="06:04", end="06:08")
    page.click("#book-step [data-go=who]")
    page.click("#book-step .next")
    page.wait_for_selector(".offer-big:has-text('15:04')", timeout=60000)
    assert page.locator(".offer .moved").count() == 0


def test_a_change_in_the_app_keeps_the_carers(new_page: Any, live: Live, fleet: list[str]) -> None:
    """A ride booked with a carer (by the office) changed by the resident in the app keeps
    the carer: the new booking still says one carer and costs the member's fare only."""
    phone, password = "09077153615", "carer-pass-26"
    member = approved_member(
        live, name="介助 夏子", kana="かいじょ なつこ", phone=phone,
        password=password, birth_date="1946-05-05",
    )  # fmt: skip
    day = live.clock.now().astimezone(TOKYO).date().isoformat()
    quote = live.api(
        "POST", "/api/v1/quotes",
        json={"member_id": member["id"], "from": {"home": True}, "to": {"place_id": "D0001"},
              "date": day, "time": "11:00", "time_mode": "depart_at", "party_size": 2,
              "carers": 1},
    )  # fmt: skip
    old = live.api("POST", "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]})
    old = old["booking"]
    assert (old["carers"], old["fare_yen"]) == (1, 300)
    page = new_page("phone")
    page.goto(live.url + "/#/login")
    page.fill("#login-id", phone)
    page.fill("#login-pw", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-book:not([hidden]) .place-btn")
    # Where the 変更 button is when the list is first drawn: the ride's socket fills the
    # card's live line a moment later, and the button must not move under the finger
    # then (it moved 53 px down, and a tap in between landed on the text above it).
    page.evaluate(
        """() => { window.changeAt = null; new MutationObserver(() => {
            const b = document.querySelector('#my-upcoming .change');
            if (b && window.changeAt === null) window.changeAt = b.getBoundingClientRect().top;
        }).observe(document.body, { subtree: true, childList: true }); }"""
    )
    page.goto(live.url + "/#/bookings")
    card = page.locator(f"#my-upcoming .booking[data-id='{old['id']}']")
    card.locator(".live").wait_for(state="visible")  # the socket's first message
    first, now = page.evaluate("window.changeAt"), card.locator(".change").bounding_box()
    assert first is not None and now is not None and abs(now["y"] - first) < 1, (first, now)
    card.locator(".change").click()
    page.wait_for_selector(".change-of")
    page.fill("#b-time", "14:00")
    page.click("#book-step .next")
    page.click("#book-step .next")
    page.wait_for_selector(".offer-big", timeout=60000)
    assert "300" in page.inner_text(".offer"), page.inner_text(".offer")
    page.click("#book-step .confirm")
    page.wait_for_selector(".notice.done")
    mine = live.api("GET", f"/api/v1/bookings?member_id={member['id']}&upcoming=true")
    assert [(b["carers"], b["fare_yen"]) for b in mine] == [(1, 300)]
