"""The service calendar, weekly shift templates, overrides, copy-week and capacity through the
API, on the real engine; a rider books tomorrow and next week on the demo's set-up, and a
quote on a closed day says why."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from booking_api.db import AuditRow
from booking_api.demo import plan_shifts
from booking_api.settings import Settings
from dispatch.bus import InProcessBus
from dispatch.engine import DispatchEngine
from dispatch.sim.live import seed_fleet
from dispatch.sim.scenario import load_scenario
from tests.booking_api.conftest import Api, quote_body
from tests.booking_api.fakes import FixedClock

TODAY = date(2026, 12, 1)  # Tuesday (the clock fixture: 09:00 in Kamisu)
WEEK = {
    "mon": {"start": "08:00", "end": "17:00"},
    "tue": {"start": "08:00", "end": "17:00"},
    "wed": {
        "start": "08:00",
        "end": "17:00",
        "break_window": {"earliest": "11:30", "latest": "13:30", "duration_min": 45},
    },
    "thu": {"start": "08:00", "end": "17:00"},
    "fri": {"start": "09:00", "end": "12:00"},
}


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """The real engine with the demo's first two vehicles and no shifts yet."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    seed_fleet(engine, load_scenario("kamisu-weekday"), vehicles=2, day=date(2026, 11, 2))
    return engine


def _shifts(api: Api, staff: dict[str, str], day: str) -> dict[str, str]:
    r = api.client.get("/api/v1/shifts", params={"date": day}, headers=staff)
    assert r.status_code == 200, r.text
    return {s["vehicle_id"]: s["start"] for s in r.json()}


def _book(api: Api, headers: dict[str, str], day: str, time: str = "10:00") -> dict[str, Any]:
    r = api.client.post("/api/v1/quotes", json=quote_body(date=day, time=time), headers=headers)
    assert r.status_code == 200, r.text
    r = api.client.post(
        "/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]}, headers=headers
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["booking"])


def test_the_calendar_says_which_days_run_and_why(api: Api) -> None:
    staff = api.staff()
    r = api.client.get(
        "/api/v1/service-calendar",
        params={"from": "2026-11-23", "to": "2027-01-04"},
        headers=staff,
    )
    assert r.status_code == 200, r.text
    days = {d["date"]: d for d in r.json()}
    assert len(days) == 43
    assert days["2026-11-23"]["kind"] == "holiday"
    assert days["2026-11-23"]["reason_ja"] == "勤労感謝の日"
    assert days["2026-11-24"]["service"] is True
    assert days["2026-11-28"]["kind"] == "weekday"
    assert days["2026-12-30"]["reason_en"] == "year-end closure"
    assert days["2027-01-04"]["service"] is True
    _, resident = api.member(staff)
    r = api.client.get(
        "/api/v1/service-calendar",
        params={"from": "2026-12-01", "to": "2026-12-02"},
        headers=resident,
    )
    assert r.status_code == 403
    for params in (
        {"from": "2026-12-05", "to": "2026-12-01"},
        {"from": "2026-12-01", "to": "2028-01-01"},
        {"from": "2000-01-01", "to": "2000-01-02"},
    ):
        r = api.client.get("/api/v1/service-calendar", params=params, headers=staff)
        assert r.status_code == 422, params
        assert r.json()["detail"]["message_ja"] and r.json()["detail"]["message_en"]


def test_a_closed_day_is_refused_at_quote_time_with_the_reason(api: Api) -> None:
    _, resident = api.member()
    r = api.client.post("/api/v1/quotes", json=quote_body(date="2026-12-30"), headers=resident)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "closed_day"
    assert detail["message_ja"] == "12月30日（水）は運休日です（年末年始）。"
    assert detail["message_en"] == (
        "The service does not run on Wednesday 30 December (year-end closure)."
    )
    r = api.client.post("/api/v1/quotes", json=quote_body(date="2026-12-05"), headers=resident)
    assert r.json()["detail"]["message_ja"] == "12月5日（土）は運休日です（土曜日）。"


def test_a_template_gives_shifts_for_the_horizon_and_is_audited(api: Api, db: Engine) -> None:
    admin, operator = api.staff("admin"), api.staff()
    url = "/api/v1/vehicles/V01/shift-template"
    assert api.client.put(url, json=WEEK, headers=operator).status_code == 403
    r = api.client.put(url, json=WEEK, headers=admin)
    assert r.status_code == 200, r.text
    # today (it had none) to the end of the 7-day horizon: Tue-Fri and Mon-Tue
    assert r.json()["shifts"]["created"] == 6
    got = api.client.get(url, headers=operator).json()
    assert got["wed"]["break_window"] == WEEK["wed"]["break_window"]
    assert got["sat"] is None and got["fri"]["end"] == "12:00"
    assert _shifts(api, operator, "2026-12-04") == {"V01": "2026-12-04T00:00:00Z"}  # 09:00 JST
    assert _shifts(api, operator, "2026-12-05") == {}
    again = api.client.put(url, json=WEEK, headers=admin).json()["shifts"]
    assert (again["created"], again["updated"], again["removed"]) == (0, 0, 0)
    with Session(db) as s:
        actions = [a.action for a in s.scalars(select(AuditRow))]
    assert actions.count("shift_template.save") == 2
    bad = {"mon": {"start": "17:00", "end": "08:00"}}
    r = api.client.put(url, json=bad, headers=admin)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "bad_shift"
    r = api.client.put(url, json={"mon": {"start": "25:00", "end": "26:00"}}, headers=admin)
    assert r.status_code == 422
    r = api.client.put("/api/v1/vehicles/V99/shift-template", json=WEEK, headers=admin)
    assert r.status_code == 404


def test_overrides_copy_week_and_capacity(api: Api, db: Engine) -> None:
    admin, operator = api.staff("admin"), api.staff()
    for vid in ("V01", "V02"):
        r = api.client.put(f"/api/v1/vehicles/{vid}/shift-template", json=WEEK, headers=admin)
        assert r.status_code == 200, r.text
    off = "/api/v1/shift-overrides/V02/2026-12-08"
    r = api.client.put(off, json={"off": True, "note": "車検"}, headers=admin)
    assert r.status_code == 200, r.text
    assert _shifts(api, operator, "2026-12-08").keys() == {"V01"}
    r = api.client.put(off, json={"off": True, "hours": WEEK["mon"]}, headers=admin)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "bad_override"
    # a shift with a ride is not taken away: 409 and nothing changed
    _, resident = api.member()
    ride = _book(api, resident, "2026-12-03")
    vid = ride["vehicle_id"]
    r = api.client.put(
        f"/api/v1/shift-overrides/{vid}/2026-12-03", json={"off": True}, headers=admin
    )
    assert r.status_code == 409 and r.json()["detail"]["code"] == "shift_in_use"
    assert vid in _shifts(api, operator, "2026-12-03")
    # capacity: Tuesday the 8th has V01 only (9 h, 4 seats)
    r = api.client.get(
        "/api/v1/capacity", params={"from": "2026-12-07", "to": "2026-12-08"}, headers=operator
    )
    assert r.status_code == 200, r.text
    mon, tue = r.json()
    assert (mon["vehicles"], tue["vehicles"], tue["vehicle_min"]) == (2, 1, 540)
    assert tue["seats"] == 4
    # copy this week to the week after next (beyond the horizon); the override is gone after
    r = api.client.post(
        "/api/v1/shifts/copy-week",
        json={"source": "2026-11-30", "target": "2026-12-14"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert _shifts(api, operator, "2026-12-16").keys() == {"V01", "V02"}
    r = api.client.post(
        "/api/v1/shifts/copy-week",
        json={"source": "2026-12-01", "target": "2026-12-14"},
        headers=admin,
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "bad_week"
    assert api.client.delete(off, headers=operator).status_code == 403
    r = api.client.delete(off, headers=admin)
    assert r.status_code == 200 and r.json()["created"] == 1
    assert _shifts(api, operator, "2026-12-08").keys() == {"V01", "V02"}
    assert api.client.delete(off, headers=admin).status_code == 404
    with Session(db) as s:
        actions = {a.action for a in s.scalars(select(AuditRow))}
    assert {"shift_override.set", "shift_override.delete", "shifts.copy_week"} <= actions


def test_the_demo_set_up_lets_a_rider_book_tomorrow_and_next_week(api: Api) -> None:
    state = api.client.app.state.noriai  # type: ignore[attr-defined]
    report = plan_shifts(state, load_scenario("kamisu-weekday"), ["V01", "V02"])
    assert report.created == 2 * 6  # today and the 5 service days of the horizon
    _, resident = api.member()
    tomorrow = _book(api, resident, "2026-12-02")
    next_week = _book(api, resident, "2026-12-08", "14:00")
    assert tomorrow["status"] == next_week["status"] == "assigned"
