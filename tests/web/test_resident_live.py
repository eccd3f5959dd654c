"""On the day, "my bookings" follows the ride over its socket: minutes away and status, live."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.web.conftest import TOKYO, Live
from tests.web.seed import approved_member, book_to_city_hall, driver_tap

pytestmark = pytest.mark.browser

PHONE = "09081815252"  # no other browser test uses it
PASSWORD = "live-ride-1"


def test_my_bookings_shows_minutes_away_and_a_drivers_tap_without_reload(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """The card says how many minutes away the car is, and 'arrived' shows within seconds."""
    member = approved_member(
        live, name="息栖 五郎", kana="いきす ごろう", phone=PHONE, password=PASSWORD,
        birth_date="1949-05-05",
    )
    when = (live.clock.now() + timedelta(minutes=45)).astimezone(TOKYO)
    ride = book_to_city_hall(live, member["id"], when.date().isoformat(), when.strftime("%H:%M"))
    page = new_page("phone")
    page.goto(live.url + "/#/login")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"#/book"))
    with page.expect_websocket(lambda ws: f"/ws/ride/{ride['id']}" in ws.url):
        page.goto(live.url + "/#/bookings")
    card = page.locator(f"#my-upcoming .booking[data-id='{ride['id']}']")
    live_line = card.locator(".live")
    live_line.wait_for(state="visible", timeout=10000)
    found = re.search(r"お迎えまであと約(\d+)分", live_line.inner_text())
    assert found, live_line.inner_text()
    minutes = int(found.group(1))
    assert 1 < minutes <= 60
    driver_tap(live, ride, "arrived")
    # Polling would take 15 s; the socket brings it at once.
    page.wait_for_function(
        "id => document.querySelector(`#my-upcoming .booking[data-id='${id}'] .status`)"
        "?.textContent === '車が到着しました'",
        arg=ride["id"],
        timeout=5000,
    )
    assert live_line.is_hidden()
    assert card.locator(".cancel").count() == 0
