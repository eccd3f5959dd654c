"""On the day, "my bookings" follows the ride over its socket: minutes away and status, live."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.web.conftest import TOKYO, Live
from tests.web.seed import approved_member, book_to_city_hall, driver_tap

pytestmark = pytest.mark.browser

PHONE = "09081815252"  # no other browser test uses it
PASSWORD = "live-ride-1"


def _arrived_shows(page: Any, ride_id: str) -> None:
    """Wait (5 s at most: polling would take 15 s) for the card to say the car arrived."""
    page.wait_for_function(
        "id => document.querySelector(`#my-upcoming .booking[data-id='${id}'] .status`)"
        "?.textContent === '車が到着しました'",
        arg=ride_id,
        timeout=5000,
    )


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
    found = re.search(r"お迎えまであと約(?:(\d+)時間)?(\d+)分", live_line.inner_text())
    assert found, live_line.inner_text()
    minutes = int(found.group(1) or 0) * 60 + int(found.group(2))
    # the car's estimated arrival as the server has it now (the shared server's other
    # rides may have put this pickup later than the 45 minutes asked)
    booking = live.api("GET", f"/api/v1/bookings/{ride['id']}")
    eta = datetime.fromisoformat(booking["estimated_pickup"])
    expected = (eta - live.clock.now()).total_seconds() / 60
    assert minutes > 1 and abs(minutes - expected) <= 2, (minutes, expected)
    driver_tap(live, ride, "arrived")
    # Polling would take 15 s; the socket brings it at once.
    _arrived_shows(page, ride["id"])
    assert live_line.is_hidden()
    assert card.locator(".cancel").count() == 0


RECONNECT_PHONE = "09081816363"  # no other browser test uses it


def test_my_bookings_reconnects_after_the_ride_socket_drops(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """The socket drops (a weak mobile signal): the page reconnects by itself and a
    driver's tap made after that still shows within seconds, without a reload."""
    member = approved_member(
        live, name="溝口 六郎", kana="みぞぐち ろくろう", phone=RECONNECT_PHONE,
        password=PASSWORD, birth_date="1948-06-06",
    )
    when = (live.clock.now() + timedelta(minutes=50)).astimezone(TOKYO)
    ride = book_to_city_hall(live, member["id"], when.date().isoformat(), when.strftime("%H:%M"))
    page = new_page("phone")
    sockets: list[Any] = []

    def through(ws: Any) -> None:
        ws.connect_to_server()  # a plain proxy: messages pass both ways
        sockets.append(ws)

    page.route_web_socket(re.compile(r".*/ws/ride/.*"), through)
    page.goto(live.url + "/#/login")
    page.fill("#login-id", RECONNECT_PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"#/book"))
    page.goto(live.url + "/#/bookings")
    card = page.locator(f"#my-upcoming .booking[data-id='{ride['id']}']")
    card.locator(".live").wait_for(state="visible", timeout=10000)
    assert len(sockets) == 1
    sockets[0].close(code=1011, reason="network lost")
    # the page retries after a 2 s backoff, well before its 15 s poll would notice
    for _ in range(25):  # up to 5 s
        if len(sockets) >= 2:
            break
        page.wait_for_timeout(200)
    assert len(sockets) == 2, "the page did not reconnect its ride socket"
    driver_tap(live, ride, "arrived")
    # polling would take 15 s; the new socket brings it at once
    _arrived_shows(page, ride["id"])
