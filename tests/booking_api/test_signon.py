"""The driver's sign-on and sign-off from the tablet (POST /driver/shift) over HTTP on the real
engine, and the subsidy report's hours as operated (issue 13 §5): the tablet's times count
where recorded, the scheduled shift where not, and the report says which each vehicle-day used.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select

from booking_api.db import AuditRow
from booking_api.settings import Settings
from dispatch.engine import DispatchEngine
from dispatch.store.tables import ShiftRow
from tests.booking_api.conftest import Api, quote_body, two_car_fare_day
from tests.booking_api.fakes import FixedClock, jst

DAY = date(2026, 12, 2)
Q = "from=2026-12-02&to=2026-12-03"


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """V1 scheduled 08:00-17:00 on 2 December with a 45-minute break; V2 09:00-11:00 on the
    3rd (its tablet never signs on: the scheduled 2 h count)."""
    return two_car_fare_day(settings, db, clock, city_map)


def _at(clock: FixedClock, hh: int, mm: int) -> None:
    clock.advance((jst(2026, 12, 2, hh, mm) - clock.now()).total_seconds())


def _shift(api: Api, driver: dict[str, str], action: str, event_id: str) -> Any:
    return api.client.post(
        "/api/v1/driver/shift", json={"action": action, "event_id": event_id}, headers=driver
    )


def _days(api: Api, staff: dict[str, str]) -> list[tuple[str, str, int]]:
    r = api.client.get(f"/api/v1/reports/subsidy?{Q}&group=day", headers=staff)
    assert r.status_code == 200, r.text
    return [(v["vehicle_id"], v["basis"], v["service_s"]) for v in r.json()["vehicle_days"]]


def test_the_tablets_sign_on_and_off_are_the_hours_the_subsidy_counts(
    api: Api, engine: DispatchEngine, clock: FixedClock, db: Engine
) -> None:
    """V1 signs on at 08:10 and off at 16:40 (8.5 h - 45 min = 7.75 h), V2's tablet records
    nothing (2 h as scheduled): 9.75 h at 3,800 yen = 37,050 yen, not the 10.25 h of the
    schedule; the JSON, both CSVs and the audit log say which figure each vehicle-day used."""
    _at(clock, 7, 55)
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    before = api.client.get("/api/v1/driver/shift", headers=driver)
    assert before.status_code == 200, before.text
    assert (before.json()["status"], before.json()["started_at"]) == ("off_shift", None)
    assert _days(api, staff) == [("V1", "scheduled", 29700), ("V2", "scheduled", 7200)]

    _at(clock, 8, 10)
    r = _shift(api, driver, "start", "ev-1")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "available"
    assert r.json()["started_at"] == "2026-12-01T23:10:00Z"  # UTC: 08:10 in Kamisu
    assert _days(api, staff)[0] == ("V1", "actual_start", 8 * 3600 + 5 * 60)  # to 17:00
    _at(clock, 8, 20)
    again = _shift(api, driver, "start", "ev-1")  # the tablet resends: nothing changes
    assert again.status_code == 200 and again.json()["started_at"] == "2026-12-01T23:10:00Z"
    twice = _shift(api, driver, "start", "ev-2")  # a second sign-on while on shift
    assert twice.status_code == 409, twice.text
    assert twice.json()["detail"]["message_ja"]

    _at(clock, 16, 40)
    r = _shift(api, driver, "end", "ev-3")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["ended_at"]) == ("off_shift", "2026-12-02T07:40:00Z")
    assert _days(api, staff) == [("V1", "actual", 27900), ("V2", "scheduled", 7200)]

    body = api.client.get(f"/api/v1/reports/subsidy?{Q}", headers=staff).json()
    total = body["total"]
    assert (total["vehicle_s"], total["cost_yen"]) == (35100, 37050)
    assert (total["vehicle_days"], total["vehicle_days_actual"],
            total["vehicle_days_scheduled"]) == (2, 1, 1)  # fmt: skip
    v1 = body["vehicle_days"][0]
    assert (v1["start_at"], v1["end_at"], v1["break_s"], v1["scheduled_s"]) == (
        "2026-12-01T23:10:00Z", "2026-12-02T07:40:00Z", 2700, 29700
    )  # fmt: skip

    text = api.client.get(f"/api/v1/reports/subsidy-vehicle-days.csv?{Q}", headers=staff).text
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["service_date", "vehicle_id", "basis"]
    assert rows[1] == ["2026-12-02", "V1", "actual", "2026-12-02T08:10:00+09:00",
                       "2026-12-02T16:40:00+09:00", "2700", "27900", "7.75", "29700"]  # fmt: skip
    assert rows[2][:3] == ["2026-12-03", "V2", "scheduled"]
    text = api.client.get(f"/api/v1/reports/subsidy.csv?{Q}", headers=staff).text
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[1][1] == "9.75" and rows[1][10:13] == ["2", "1", "1"]

    with db.connect() as c:
        lines = c.execute(
            select(AuditRow.actor, AuditRow.action, AuditRow.after)
            .where(AuditRow.entity == "vehicle", AuditRow.entity_id == "V1")
            .order_by(AuditRow.id)
        ).all()
    assert [(a, x["event_id"]) for _, a, x in lines] == [
        ("driver.shift_start", "ev-1"),
        ("driver.shift_end", "ev-3"),
    ]
    assert lines[0][0] == driver_account_id(api, driver)


def driver_account_id(api: Api, driver: dict[str, str]) -> str:
    return str(api.client.get("/api/v1/auth/me", headers=driver).json()["account_id"])


def test_sign_off_is_refused_with_rides_to_serve_and_sign_on_again_is_planned_again(
    api: Api, engine: DispatchEngine, clock: FixedClock, db: Engine
) -> None:
    """A sign-off with a ride still assigned is refused (409, nothing stored); signed off
    and on again, the shift is planned again (its end cleared) and keeps the first sign-on."""
    _at(clock, 8, 0)
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    assert _shift(api, driver, "start", "a").status_code == 200
    member, _ = api.member(staff)
    r = api.client.post("/api/v1/quotes", json=quote_body(member_id=member["id"], time="10:00"),
                        headers=staff)  # fmt: skip
    assert r.status_code == 200, r.text
    r = api.client.post(
        "/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]}, headers=staff
    )
    assert r.status_code == 201, r.text
    ride = r.json()["booking"]
    assert ride["vehicle_id"] == "V1"
    _at(clock, 9, 0)
    refused = _shift(api, driver, "end", "b")
    assert refused.status_code == 409, refused.text
    assert "1" in refused.json()["detail"]["message_en"]
    assert api.client.get("/api/v1/driver/shift", headers=driver).json()["ended_at"] is None

    r = api.client.post(f"/api/v1/bookings/{ride['id']}/cancel", json={"reason": "電話で取消"},
                        headers=staff)  # fmt: skip
    assert r.status_code == 200, r.text
    assert _shift(api, driver, "end", "c").status_code == 200
    _at(clock, 9, 30)
    back = _shift(api, driver, "start", "d")
    assert back.status_code == 200, back.text
    assert (back.json()["started_at"], back.json()["ended_at"]) == ("2026-12-01T23:00:00Z", None)
    with db.connect() as c:
        ended = c.execute(select(ShiftRow.ended_at).where(ShiftRow.vehicle_id == "V1")).scalar()
    assert ended is None  # planned again: the engine plans only shifts not ended


def test_no_shift_today_and_a_bad_event_are_refused(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """V2 has no shift on 2 December: its sign-on is a 409 in both languages; an unknown
    action is a 422; a sign-off while off shift is a 409."""
    _at(clock, 8, 0)
    staff = api.staff()
    v2 = api.staff("driver", vehicle_id="V2")
    r = _shift(api, v2, "start", "x")
    assert r.status_code == 409, r.text
    assert r.json()["detail"]["code"] == "no_shift"
    assert "勤務予定" in r.json()["detail"]["message_ja"]
    v1 = api.staff("driver", vehicle_id="V1")
    assert _shift(api, v1, "begin", "y").status_code == 422
    off = _shift(api, v1, "end", "z")
    assert off.status_code == 409, off.text
    resident = api.member(staff)[1]
    assert _shift(api, resident, "start", "w").status_code == 403
