"""Drivers' tablet: 出庫 and 帰庫 (sign-on and sign-off) are one tap each, and the subsidy report
counts the vehicle's hours from them (issue 13 §5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.web.conftest import DRIVER_PASSWORD, Live, check_axe, wait_until
from tests.web.test_driver import tablet

pytestmark = pytest.mark.browser

VEHICLE = "V21"  # its own car: a sign-off takes a car out of the plan, not others' V01/V02


def _basis(live: Live, day: str) -> str:
    sub = live.api("GET", f"/api/v1/reports/subsidy?from={day}&to={day}&group=day")
    (mine,) = [v for v in sub["vehicle_days"] if v["vehicle_id"] == VEHICLE]
    return str(mine["basis"])


def test_the_driver_signs_on_and_off_and_the_report_counts_the_hours_operated(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """Not signed on, the tablet asks for 出庫; one tap signs on (the report's hours start
    then: actual_start), 帰庫 asks first and signs off (actual); the car is then retired."""
    from dispatch.domain import LatLon
    from tests.web.seed import staff_account

    engine = live.app.state.noriai.engine
    start = live.clock.start
    day = (start + timedelta(hours=9)).date()
    engine.add_vehicle(VEHICLE, depot=LatLon(35.890028, 140.664461), name="神栖21号", seats=4)
    engine.set_shift(VEHICLE, day, start - timedelta(hours=1), start + timedelta(hours=8))
    staff_account(live, f"driver-{VEHICLE.lower()}", DRIVER_PASSWORD, "driver",
                  vehicle_id=VEHICLE)  # fmt: skip
    try:
        page = tablet(new_page, live, VEHICLE)
        page.wait_for_selector("#shift-start:not([hidden])")
        assert "勤務開始の前です" in page.inner_text("#shift-bar")
        assert page.locator("#shift-end").is_hidden()
        assert _basis(live, day.isoformat()) == "scheduled"
        check_axe(page, "driver: before signing on")

        page.click("#shift-start")
        page.wait_for_selector("#shift-end:not([hidden])")
        assert page.locator("#shift-bar").is_hidden()
        wait_until(page, "!localStorage.getItem('noriai.driver.queue')"
                   " || localStorage.getItem('noriai.driver.queue') === '[]'")  # fmt: skip
        assert _basis(live, day.isoformat()) == "actual_start"

        page.click("#shift-end")
        page.wait_for_selector("#shift-dialog[open]")
        page.click("#shift-dialog button[value=yes]")
        page.wait_for_selector("#shift-start:not([hidden])")
        wait_until(page, "localStorage.getItem('noriai.driver.queue') === '[]'")
        assert "勤務終了を記録しました" in page.inner_text("#shift-bar")
        assert _basis(live, day.isoformat()) == "actual"
    finally:
        live.api("POST", f"/api/v1/vehicles/{VEHICLE}/retire", json={"reason": "test car"})
