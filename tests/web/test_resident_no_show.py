"""Residents with no-shows see the warning (in their language) before they start booking."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import DRIVER_PASSWORD, TOKYO, Live

pytestmark = pytest.mark.browser

PHONE = "09044441234"
PASSWORD = "no-show-1"


def _driver_token(live: Live, vehicle: str) -> str:
    res = httpx.post(
        live.url + "/api/v1/auth/login",
        json={"login": f"driver-{vehicle.lower()}", "password": DRIVER_PASSWORD},
        timeout=30,
    )
    res.raise_for_status()
    return str(res.json()["token"])


def test_two_no_shows_show_a_warning_on_the_booking_page(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """After two rides marked no-show by the driver, the first booking step warns the rider."""
    body = {
        "name": "日川 四郎",
        "kana": "にっかわ しろう",
        "birth_date": "1947-07-07",
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
    day = live.clock.start.astimezone(TOKYO).date().isoformat()
    for hhmm in ("14:00", "15:30"):
        quote = live.api(
            "POST",
            "/api/v1/quotes",
            json={
                "member_id": member["id"],
                "from": {"home": True},
                "to": {"lat": 35.890028, "lon": 140.664461, "label": "神栖市役所"},
                "date": day,
                "time": hhmm,
                "time_mode": "depart_at",
                "party_size": 1,
            },
        )
        ride = live.api("POST", "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]})[
            "booking"
        ]
        driver = _driver_token(live, ride["vehicle_id"])
        for tap in ("arrived", "no_show"):
            live.api(
                "POST",
                "/api/v1/driver/taps",
                token=driver,
                json={"ride_id": ride["id"], "tap": tap, "tap_id": f"{ride['id']}-{tap}"},
            )
    page = new_page("phone")
    page.goto(live.url + "/#/login")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    notice = page.locator("#book-step [data-no-show=warned]")
    notice.wait_for(timeout=20000)
    assert "2回" in notice.inner_text() and notice.get_attribute("role") == "alert"
    assert page.locator(".place-btn").count() >= 1  # warned members can still book
