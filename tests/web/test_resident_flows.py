"""Residents' remaining flows in a real browser: change a booking, destinations by search
and group, the reservation centre's number, refusals at their own step, the party
limit, the tab bar at 200 % zoom; axe in Japanese and English."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import (
    TOKYO,
    Live,
    assert_reflows,
    check_axe,
    choose_lang,
    screenshots,
    wait_until,
)

pytestmark = pytest.mark.browser

PHONE = "0299-77-4411"
PASSWORD = "flows-pass-42"
HOME = (35.888975, 140.643843)  # 溝口, near the city hall
FAR_PLACE = "別所郵便局"  # in the Hasaki areas, not a cross-area destination


@pytest.fixture(scope="module")
def member(live: Live, fleet: list[str]) -> dict[str, Any]:
    """An approved member with a password (registered at the counter), once per module."""
    body = {
        "name": "変更 花子", "kana": "へんこう はなこ", "birth_date": "1949-09-09",
        "phone": PHONE, "address": "神栖市溝口", "home_lat": HOME[0], "home_lon": HOME[1],
        "consent_terms": True, "consent_privacy": True, "password": PASSWORD,
        "channel": "counter", "approve": True,
    }  # fmt: skip
    created: dict[str, Any] = live.api("POST", "/api/v1/members", json=body)
    return created


def resident_token(live: Live) -> str:
    res = httpx.post(
        live.url + "/api/v1/auth/login", json={"login": PHONE, "password": PASSWORD}, timeout=30
    )
    res.raise_for_status()
    return str(res.json()["token"])


def log_in(page: Any, live: Live) -> None:
    page.goto(live.url + "/#/login")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-book:not([hidden]) .place-btn")


def test_the_reservation_phone_is_shown_where_the_app_says_call(new_page: Any, live: Live) -> None:
    """The city file's number appears as a tel: link on the welcome and login pages."""
    tel = live.api("GET", "/api/v1/rules")["reservation_phone"]
    page = new_page("phone")
    page.goto(live.url + "/#/")
    link = page.locator("#view-welcome .call-us a")
    link.wait_for()
    assert link.inner_text() == tel and link.get_attribute("href", timeout=1000).startswith("tel:")
    page.goto(live.url + "/#/login")
    assert tel in page.inner_text("#view-login")


def test_destinations_refusals_and_party_limit(
    new_page: Any, live: Live, member: dict[str, Any]
) -> None:
    """Search comes first, groups split clinics from dentists and pharmacies with addresses;
    a trip to an unlinked area is refused when the destination is picked, naming both
    areas on a map; a past time is refused at the date step; the stepper stops at 4."""
    page = new_page("phone")
    log_in(page, live)
    page.locator(".place-btn").first.click()  # from home
    page.wait_for_selector("#to-q")
    order = page.evaluate(
        "[...document.querySelectorAll('#to-q, .cat-grid')].map(e => e.id || e.className)"
    )
    assert order == ["to-q", "cat-grid"]
    groups = page.eval_on_selector_all(".cat", "els => els.map(e => e.dataset.cat)")
    assert {"medical", "dentist", "pharmacy", "shopping", "bank_post", "city_office"} <= set(groups)
    page.locator(".cat[data-cat=medical]").click()
    page.wait_for_selector("#cat-results .place-btn")
    names = page.eval_on_selector_all("#cat-results .pl-name", "els => els.map(e => e.textContent)")
    subs = page.eval_on_selector_all("#cat-results .pl-sub", "els => els.map(e => e.textContent)")
    assert names and not any("歯科" in n for n in names)
    assert len(subs) == len(names) and all("km" in s for s in subs)
    page.locator(".cat[data-cat=shopping]").click()
    wait_until(page, "document.querySelector('.cat[data-cat=shopping]').ariaPressed === 'true'")
    page.wait_for_selector("#cat-results .place-btn")
    shown = page.eval_on_selector_all(
        "#cat-results .place-btn", "els => els.map(e => e.innerText)"
    )
    assert len(shown) == len(set(shown))  # no two buttons alike
    check_axe(page, "resident: destinations by group")
    screenshots(page, "resident-destinations", ("phone",))

    # A destination in an area this home does not connect to: refused at once, on a map.
    far = live.api("GET", f"/api/v1/places?q={FAR_PLACE}")[0]
    check = live.api(
        "GET",
        f"/api/v1/areas/check?from_lat={HOME[0]}&from_lon={HOME[1]}"
        f"&to_lat={far['lat']}&to_lon={far['lon']}&to_place_id={far['id']}",
    )
    assert check["ok"] is False
    page.fill("#to-q", FAR_PLACE)
    page.click("#to-q-form button[type=submit]")
    page.locator(f"#to-q-results .place-btn[data-label='{far['name']}']").click()
    refusal = page.locator(".areas-refused")
    refusal.wait_for()
    text = refusal.inner_text()
    assert check["from_area"]["name"] in text and check["to_area"]["name"] in text
    # the two areas named on the map (over the basemap, or Leaflet's tooltips without WebGL)
    page.wait_for_selector("#areas-map .area-tag, #areas-map .leaflet-tooltip")
    assert page.locator("#view-book h2").inner_text() == "どこへ行きますか"
    check_axe(page, "resident: areas not connected")
    screenshots(page, "resident-areas-refused", ("phone",))
    choose_lang(page, "en")
    page.click("#book-step [data-go=from]")
    page.locator(".place-btn").first.click()
    page.fill("#to-q", FAR_PLACE)
    page.click("#to-q-form button[type=submit]")
    page.locator(f"#to-q-results .place-btn[data-label='{far['name']}']").click()
    page.locator(".areas-refused").wait_for()
    assert "does not run" in page.inner_text(".areas-refused")
    check_axe(page, "resident: areas not connected (English)")
    choose_lang(page, "ja")

    # A reachable destination, then a time that has passed: said at the date step.
    page.click("#book-step [data-go=from]")
    page.locator(".place-btn").first.click()
    page.locator(".cat[data-cat=medical]").click()
    page.locator("#cat-results .place-btn").first.click()
    page.wait_for_selector("#b-time")
    page.locator(".day").first.click()  # today; the service's clock is past 09:00
    page.fill("#b-time", "08:00")
    page.click("#book-step .next")
    err = page.locator("#b-when-error .notice")
    err.wait_for()
    assert "過ぎています" in err.inner_text()
    assert page.locator("#b-time").get_attribute("aria-invalid") == "true"
    check_axe(page, "resident: past time refused")
    screenshots(page, "resident-time-passed", ("phone",))

    page.fill("#b-time", "15:00")
    page.click("#book-step .next")
    page.wait_for_selector("#p-plus")
    for _ in range(6):
        if page.locator("#p-plus").is_enabled():
            page.click("#p-plus")
    assert page.inner_text("#p-count") == "4"
    assert page.locator("#p-plus").is_disabled()
    assert "4" in page.inner_text("#party-hint")


def test_change_a_booking_and_cancelled_rides_are_not_past(
    new_page: Any, live: Live, member: dict[str, Any]
) -> None:
    """A booked ride is changed from the app (modify + confirm); the replaced ride is listed
    as cancelled, never under これまでの乗車; the tab bar wraps at 200 % zoom."""
    token = resident_token(live)
    day = live.clock.now().astimezone(TOKYO).date().isoformat()
    quote = live.api(
        "POST", "/api/v1/quotes", token,
        json={"from": {"home": True}, "to": {"place_id": "D0001"}, "date": day,
              "time": "11:00", "time_mode": "depart_at", "party_size": 1},
    )  # fmt: skip
    res = httpx.post(
        live.url + "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"flows-{day}"},
        timeout=30,
    )  # fmt: skip
    res.raise_for_status()
    old = res.json()["booking"]
    page = new_page("phone")
    log_in(page, live)
    page.goto(live.url + "/#/bookings")
    card = page.locator(f"#my-upcoming .booking[data-id='{old['id']}']")
    card.locator(".change").click()
    page.wait_for_selector(".change-of")
    assert page.locator("#view-book h2").inner_text() == "いつ乗りますか"
    assert page.input_value("#b-time").startswith("11:")
    check_axe(page, "resident: change a booking")
    screenshots(page, "resident-change", ("phone",))
    page.fill("#b-time", "14:00")
    page.click("#book-step .next")
    page.click("#book-step .next")
    page.wait_for_selector(".offer-big", timeout=60000)
    page.click("#book-step .confirm")
    page.wait_for_selector(".notice.done")
    assert "変更しました" in page.inner_text(".notice.done")
    assert live.api("GET", f"/api/v1/bookings/{old['id']}")["status"] == "cancelled"

    page.goto(live.url + "/#/bookings")
    page.locator(f"#my-cancelled .booking[data-id='{old['id']}']").wait_for()
    assert page.locator(f"#my-past .booking[data-id='{old['id']}']").count() == 0
    assert page.locator("#my-upcoming .booking").count() >= 1
    check_axe(page, "resident: my bookings with a cancelled one")
    choose_lang(page, "en")
    page.locator("#my-cancelled .booking").first.wait_for()
    check_axe(page, "resident: my bookings (English)")
    assert_reflows(page, "my bookings")
    page.set_viewport_size({"width": 195, "height": 422})
    page.wait_for_timeout(100)
    for tab in ("#tab-book", "#tab-bookings", "#logout"):
        box = page.locator(tab).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 196, tab
    screenshots(page, "resident-bookings-zoom", ("phone",))
    choose_lang(page, "ja")


def test_registration_errors_sit_next_to_their_fields(new_page: Any, live: Live) -> None:
    """Romaji ふりがな is refused next to the field (aria-describedby), a full-width phone
    number is kept, and no field path such as body.kana is ever shown."""
    page = new_page("phone")
    page.goto(live.url + "/#/register")
    page.fill("#reg-name", "佐藤 和子")
    page.fill("#reg-kana", "Sato Kazuko")
    page.fill("#reg-birth", "1947-07-07")
    page.fill("#reg-phone", "０２９９ー７７ー４４９９")
    # a landline is told by an automated call; an email address given adds email
    assert page.is_checked("#reg-ch-voice") and not page.is_checked("#reg-ch-sms")
    page.fill("#reg-email", "kazuko@example.jp")
    assert page.is_checked("#reg-ch-email")
    page.fill("#reg-address", "神栖市溝口")
    page.click("#reg-locate")
    wait_until(page, "document.querySelector('#reg-home-status').textContent.length > 0")
    page.fill("#reg-pw", "kazuko-2026")
    page.check("input[name=consent_terms]")
    page.check("input[name=consent_privacy]")
    page.click("#reg-form button[type=submit]")
    slot = page.locator("#reg-kana-error")
    slot.wait_for()
    assert "ひらがな" in slot.inner_text()
    assert "reg-kana-error" in (page.get_attribute("#reg-kana", "aria-describedby") or "")
    assert page.get_attribute("#reg-kana", "aria-invalid") == "true"
    assert "body." not in page.inner_text("#view-register")
    assert page.locator("#reg-phone-error").is_hidden()  # the full-width number was fine
    check_axe(page, "registration: field errors")
    screenshots(page, "resident-register-errors", ("phone",))
    page.fill("#reg-kana", "サトウ カズコ")
    page.click("#reg-form button[type=submit]")
    page.wait_for_selector("#view-registered:not([hidden])")
    found = live.api("GET", "/api/v1/members?q=ｻﾄｳ ｶｽﾞｺ")
    assert [(m["kana"], m["phone"]) for m in found] == [("さとう かずこ", "0299-77-4499")]
    prefs = live.api("GET", f"/api/v1/members/{found[0]['id']}/notifications")
    assert (prefs["channels"], prefs["email"]) == (["voice", "email"], "kazuko@example.jp")
