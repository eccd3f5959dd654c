"""Residents book a round trip in one flow and cancel a ride with one confirmation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Live, check_axe, screenshots

pytestmark = pytest.mark.browser

PHONE = "09077778888"
PASSWORD = "round-trip-1"


@pytest.fixture
def member(live: Live, fleet: list[str]) -> dict[str, Any]:
    """An approved member with a password (registered at the counter)."""
    body = {
        "name": "波崎 次郎",
        "kana": "はさき じろう",
        "birth_date": "1950-05-05",
        "phone": PHONE,
        "address": "神栖市溝口",
        "home_lat": 35.888975,
        "home_lon": 140.643843,
        "wheelchair": False,
        "walking_aid": False,
        "needs_help_boarding": False,
        "companion_allowed": True,
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "consent_terms": True,
        "consent_privacy": True,
        "password": PASSWORD,
        "channel": "counter",
        "approve": True,
    }
    created: dict[str, Any] = live.api("POST", "/api/v1/members", json=body)
    return created


def test_round_trip_then_cancel_the_return(
    new_page: Any, live: Live, member: dict[str, Any]
) -> None:
    """One flow books there and back; cancelling asks once, then the ride shows as cancelled."""
    page = new_page("phone")
    page.goto(live.url + "/#/login")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.locator(".place-btn").first.click()
    page.locator(".cat[data-cat=shopping]").click()
    page.locator("#cat-results .place-btn").first.click()
    page.locator(".day").first.click()
    page.fill("#b-time", "11:00")
    page.check("#b-rt")
    page.fill("#b-rtime", "13:00")
    page.click("#book-step .next")
    page.click("#book-step .next")
    page.wait_for_selector(".offer-big", timeout=60000)
    assert page.locator(".offer").count() == 2
    assert "帰り" in page.inner_text("#book-step")
    page.click("#book-step .confirm")
    page.wait_for_selector(".notice.done")
    # The destination can be kept for next time; it then appears among the places to start from.
    page.click(".save-place")
    page.wait_for_selector("#toast:not([hidden])")
    page.click(".again")
    page.wait_for_selector(".place-btn >> nth=1")
    assert page.locator(".place-btn").count() == 2
    mine = live.api("GET", f"/api/v1/bookings?member_id={member['id']}")
    assert len(mine) == 2

    page.goto(live.url + "/#/bookings")
    cards = page.locator("#my-upcoming .booking")
    cards.nth(1).wait_for()
    assert cards.count() == 2
    ret = cards.nth(1)
    ret_id = ret.get_attribute("data-id")
    ret.locator(".cancel").click()
    dialog = page.locator("#confirm-dialog")
    assert dialog.is_visible()
    assert "取り消しますか" in page.inner_text("#confirm-text")
    check_axe(page, "cancel confirmation")
    screenshots(page, "resident-cancel-confirm", ("phone",))
    page.click("#confirm-yes")
    # A ride cancelled before its day is listed as cancelled, not under これまでの乗車.
    page.locator(f"#my-cancelled .booking[data-id='{ret_id}']").wait_for()
    assert "取り消し" in page.inner_text(f"#my-cancelled .booking[data-id='{ret_id}']")
    assert live.api("GET", f"/api/v1/bookings/{ret_id}")["status"] == "cancelled"
    assert page.locator("#my-upcoming .booking").count() == 1
