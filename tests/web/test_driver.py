"""Drivers' tablet: a ride booked while the tablet is open arrives live, highlighted, chiming."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import DRIVER_PASSWORD, TOKYO, Live, check_axe, screenshots

pytestmark = pytest.mark.browser


@pytest.fixture
def rider(live: Live, fleet: list[str]) -> dict[str, Any]:
    """An approved member in a wheelchair, with a note for the driver."""
    body = {
        "name": "知手 三郎",
        "kana": "しって さぶろう",
        "birth_date": "1938-08-08",
        "phone": "09055556666",
        "address": "神栖市知手",
        "home_lat": 35.888975,
        "home_lon": 140.643843,
        "wheelchair": True,
        "walking_aid": False,
        "needs_help_boarding": True,
        "companion_allowed": False,
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "consent_terms": True,
        "consent_privacy": True,
        "password": "saburo-2026",
        "channel": "phone",
        "approve": True,
    }
    created: dict[str, Any] = live.api("POST", "/api/v1/members", json=body)
    return created


def tablet(new_page: Any, live: Live, vehicle: str, device_off_s: float = 0) -> Any:
    """A tablet logged in for one vehicle."""
    page = new_page("tablet", device_off_s=device_off_s)
    page.goto(live.url + "/driver")
    page.fill("#dr-user", f"driver-{vehicle.lower()}")
    page.fill("#dr-pw", DRIVER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-run:not([hidden])")
    page.wait_for_selector("#dr-map.leaflet-container")
    return page


def test_new_booking_arrives_live_with_highlight_and_chime(
    new_page: Any, live: Live, fleet: list[str], rider: dict[str, Any]
) -> None:
    """With both tablets open, the one whose vehicle gets the ride highlights it and chimes."""
    pages = {vid: tablet(new_page, live, vid) for vid in fleet}
    before = {vid: p.evaluate("window.noriaiChimes || 0") for vid, p in pages.items()}
    quote = live.api(
        "POST",
        "/api/v1/quotes",
        json={
            "member_id": rider["id"],
            "from": {"home": True},
            "to": {"lat": 35.890028, "lon": 140.664461, "label": "神栖市役所"},
            "date": live.clock.start.astimezone(TOKYO).date().isoformat(),
            "time": "15:30",
            "time_mode": "depart_at",
            "party_size": 1,
            "wheelchair": True,
            "notes": "スロープを使います",
        },
    )
    booked = live.api("POST", "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]})[
        "booking"
    ]
    page = pages[booked["vehicle_id"]]
    item = page.locator(".flash", has_text="知手 三郎").first
    item.wait_for(timeout=20000)
    assert "車いす" in item.inner_text()
    assert page.evaluate("window.noriaiChimes") > before[booked["vehicle_id"]]
    check_axe(page, "driver tablet with a new ride")
    screenshots(page, "driver-live-change", ("tablet",))
    # 不在 (no-show) asks first; "いいえ" changes nothing and queues nothing.
    card = page.locator("#next")
    if "知手 三郎" in card.inner_text():
        # a 15:30 pickup seen at 09:00: the car is not on its way yet, the card says when to go
        assert "までに出発" in card.inner_text()
        assert "お迎えに向かっています" not in card.inner_text()
        page.click("#next .tap[data-tap=arrived]")
        page.locator("#next .tap[data-tap=no_show]").click()
        assert page.locator("#noshow-dialog").is_visible()
        assert "不在でよろしいですか" in page.inner_text("#noshow-text")
        screenshots(page, "driver-noshow-confirm", ("tablet",))
        page.click("#noshow-dialog button[value=no]")
        page.wait_for_function(
            "JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]').length===0"
        )
        assert "知手 三郎" in card.inner_text()
        assert page.locator("#next .tap[data-tap=boarded]").is_visible()
        # Finish the ride so the vehicle is free for the other tests.
        page.click("#next .tap[data-tap=boarded]")
        page.locator("#next .tap[data-tap=dropped_off]").click()
        page.wait_for_function(
            "JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]').length===0"
        )
        assert live.api("GET", f"/api/v1/bookings/{booked['id']}")["status"] == "completed"


def test_tablet_reports_its_gps_position(new_page: Any, live: Live, fleet: list[str]) -> None:
    """The tablet sends the car's GPS fix up its socket at once, and again when it moves."""
    import time

    from dispatch.domain import LatLon
    from tests.web.seed import staff_account

    # a vehicle of its own (no shift: it takes none of the other tests' rides)
    engine = live.app.state.noriai.engine
    engine.add_vehicle("V09", depot=LatLon(35.899980, 140.623187), name="神栖9号", seats=4)
    staff_account(live, "driver-v09", DRIVER_PASSWORD, "driver", vehicle_id="V09")
    here = {"latitude": 35.890028, "longitude": 140.664461}
    page = new_page("tablet", geolocation=here, permissions=["geolocation"])
    page.goto(live.url + "/driver")
    page.fill("#dr-user", "driver-v09")
    page.fill("#dr-pw", DRIVER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-run:not([hidden])")

    def position() -> tuple[float, float] | None:
        v = next(x for x in live.api("GET", "/api/v1/vehicles") if x["id"] == "V09")
        return (v["lat"], v["lon"]) if v["lat"] is not None else None

    def wait_for(lat: float, lon: float) -> None:
        for _ in range(50):  # up to 10 s
            got = position()
            if got and abs(got[0] - lat) < 1e-6 and abs(got[1] - lon) < 1e-6:
                return
            time.sleep(0.2)
        pytest.fail(f"the engine has V09 at {position()}, not at {(lat, lon)}")

    wait_for(here["latitude"], here["longitude"])
    moved = {"latitude": 35.893, "longitude": 140.664461}  # about 330 m north
    page.context.set_geolocation(moved)
    wait_for(moved["latitude"], moved["longitude"])


def test_tablet_runs_on_the_service_clock(new_page: Any, live: Live, fleet: list[str]) -> None:
    """A tablet whose own clock is a day and hours off shows the service's time and day."""
    from datetime import timedelta

    page = tablet(new_page, live, fleet[0], device_off_s=-29 * 3600)
    shown = page.inner_text("#clock")
    expected = {
        (live.clock.now() + timedelta(minutes=m)).astimezone(TOKYO).strftime("%H:%M")
        for m in (-1, 0, 1)
    }
    assert shown in expected, f"tablet shows {shown}, service time is {sorted(expected)}"
    day = page.evaluate("import('/static/common/api.js').then((m) => m.ymd(m.now()))")
    assert day == live.clock.now().astimezone(TOKYO).date().isoformat()
