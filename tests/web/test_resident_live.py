"""On the day, "my bookings" follows the ride over its socket: minutes away and status, live."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.web.conftest import DRIVER_PASSWORD, TOKYO, Live

pytestmark = pytest.mark.browser

PHONE = "09081815252"  # no other browser test uses it
PASSWORD = "live-ride-1"


def test_my_bookings_shows_minutes_away_and_a_drivers_tap_without_reload(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """The card says how many minutes away the car is, and 'arrived' shows within seconds."""
    body = {
        "name": "息栖 五郎",
        "kana": "いきす ごろう",
        "birth_date": "1949-05-05",
        "phone": PHONE,
        "address": "神栖市大野原七丁目",
        "home_lat": 35.888975,
        "home_lon": 140.643843,
        "consent_terms": True,
        "consent_privacy": True,
        "password": PASSWORD,
        "channel": "counter",
        "approve": True,
    }
    member = live.api("POST", "/api/v1/members", json=body)
    when = (live.clock.now() + timedelta(minutes=45)).astimezone(TOKYO)
    quote = live.api(
        "POST",
        "/api/v1/quotes",
        json={
            "member_id": member["id"],
            "from": {"home": True},
            "to": {"lat": 35.890028, "lon": 140.664461, "label": "神栖市役所"},
            "date": when.date().isoformat(),
            "time": when.strftime("%H:%M"),
            "time_mode": "depart_at",
            "party_size": 1,
        },
    )
    ride = live.api("POST", "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]})[
        "booking"
    ]
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
    res = httpx.post(
        live.url + "/api/v1/auth/login",
        json={"login": f"driver-{ride['vehicle_id'].lower()}", "password": DRIVER_PASSWORD},
        timeout=30,
    )
    res.raise_for_status()
    live.api(
        "POST",
        "/api/v1/driver/taps",
        token=res.json()["token"],
        json={"ride_id": ride["id"], "tap": "arrived", "tap_id": f"{ride['id']}-live"},
    )
    # Polling would take 15 s; the socket brings it at once.
    page.wait_for_function(
        "id => document.querySelector(`#my-upcoming .booking[data-id='${id}'] .status`)"
        "?.textContent === '車が到着しました'",
        arg=ride["id"],
        timeout=5000,
    )
    assert live_line.is_hidden()
    assert card.locator(".cancel").count() == 0
