"""Shifts from weekly templates: generation over the horizon, overrides, copy a week, capacity."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from dispatch.calendar import ClosedPeriod, ServiceCalendar
from dispatch.config import EngineConfig
from dispatch.domain import ShiftInUse
from dispatch.rota import (
    DayHours,
    Override,
    capacity,
    copy_week,
    generate,
    roll_forward,
    save_override,
    save_template,
    template_of,
)
from tests.dispatch.helpers import DAY, JST, at, book, make_engine, trip

# Tuesday 1 December 2026; the service runs Monday to Friday, closed 12/29-1/3.
CALENDAR = ServiceCalendar(
    operating_weekdays=frozenset(range(5)),
    national_holidays="jp",
    closed_periods=(ClosedPeriod("12-29", "01-03", "年末年始", "year-end closure"),),
)
WEEKDAYS = DayHours(8 * 60, 17 * 60, 11 * 60 + 30, 13 * 60 + 30, 45 * 60)
SHORT = DayHours(9 * 60, 12 * 60)


def _engine(db: Engine) -> object:
    engine, clock, _ = make_engine(db, vehicles=2)
    save_template(db, "V1", dict.fromkeys(range(5), WEEKDAYS), clock.now())
    save_template(db, "V2", {0: SHORT, 2: SHORT}, clock.now())
    return engine


def _shifts(engine: object, first: date, days: int) -> dict[tuple[str, date], str]:
    out = {}
    for i in range(days):
        day = first + timedelta(days=i)
        for s in engine.list_shifts(day):  # type: ignore[attr-defined]
            out[(s.vehicle_id, day)] = (
                f"{s.start.astimezone(JST):%H:%M}-{s.end.astimezone(JST):%H:%M}"
            )
    return out


def test_generation_follows_the_templates_and_calendar_and_is_idempotent(db: Engine) -> None:
    engine = _engine(db)
    assert template_of(db, "V2") == {0: SHORT, 2: SHORT}
    last = DAY + timedelta(days=7)
    report = generate(db, engine, CALENDAR, JST, DAY, last, today=DAY)  # type: ignore[arg-type]
    shifts = _shifts(engine, DAY, 8)
    # V1 Monday to Friday (today's hand-set shift kept), none at the weekend; V2 Mon and Wed
    assert sorted(d.isoformat() for v, d in shifts if v == "V1") == [
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
        "2026-12-07",
        "2026-12-08",
    ]
    assert sorted(d.isoformat() for v, d in shifts if v == "V2") == [
        "2026-12-01",
        "2026-12-02",
        "2026-12-07",
    ]
    assert shifts[("V2", date(2026, 12, 2))] == "09:00-12:00"
    brk = next(s for s in engine.list_shifts(date(2026, 12, 2)) if s.vehicle_id == "V1")  # type: ignore[attr-defined]
    assert brk.origin == "template" and brk.break_duration_s == 45 * 60
    assert brk.break_earliest == at(11, 30) + timedelta(days=1)
    assert report.created == 7
    # today's shifts were set by hand, unlike the templates (no break; V2 not on Tuesdays)
    assert [(u.vehicle_id, u.day, u.reason) for u in report.unchanged] == [
        ("V1", DAY, "set_by_hand"),
        ("V2", DAY, "set_by_hand"),
    ]
    again = generate(db, engine, CALENDAR, JST, DAY, last, today=DAY)  # type: ignore[arg-type]
    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    assert _shifts(engine, DAY, 8) == shifts


def test_no_shifts_on_holidays_and_closed_days(db: Engine) -> None:
    engine = _engine(db)
    first, last = date(2026, 11, 23), date(2027, 1, 5)
    generate(db, engine, CALENDAR, JST, first, last, today=first)  # type: ignore[arg-type]
    days = {d for _, d in _shifts(engine, first, 44)}
    assert date(2026, 11, 23) not in days  # 勤労感謝の日 (a Monday)
    assert date(2026, 11, 24) in days
    assert not days & {date(2026, 12, 29), date(2026, 12, 30), date(2027, 1, 1)}
    assert date(2027, 1, 4) in days


def test_an_override_is_kept_and_a_day_with_rides_is_not_overwritten(db: Engine) -> None:
    engine = _engine(db)
    wed, thu = date(2026, 12, 2), date(2026, 12, 3)
    generate(db, engine, CALENDAR, JST, DAY, DAY + timedelta(days=7), today=DAY)  # type: ignore[arg-type]
    # V1 in the garage on Wednesday, short hours on Thursday
    save_override(db, Override("V1", wed, None, "車検"), at(9))
    save_override(db, Override("V1", thu, SHORT), at(9))
    ride = book(engine, trip((2, 2), (5, 5), at(10) + timedelta(days=2)))  # type: ignore[arg-type]
    assert ride.vehicle_id == "V1"  # Thursday: only V1 runs, 08:00-17:00 still
    report = generate(db, engine, CALENDAR, JST, DAY, DAY + timedelta(days=7), today=DAY)  # type: ignore[arg-type]
    shifts = _shifts(engine, DAY, 8)
    assert ("V1", wed) not in shifts and report.removed == 1
    assert shifts[("V1", thu)] == "08:00-17:00"  # the ride keeps its car's day as it was
    assert [(u.vehicle_id, u.day, u.reason) for u in report.unchanged if u.day == thu] == [
        ("V1", thu, "has_rides")
    ]
    # a template change redoes later days but not the override, nor the day with a ride
    save_template(db, "V1", dict.fromkeys(range(5), SHORT), at(9))
    generate(db, engine, CALENDAR, JST, DAY, DAY + timedelta(days=7), today=DAY)  # type: ignore[arg-type]
    shifts = _shifts(engine, DAY, 8)
    assert shifts[("V1", date(2026, 12, 4))] == "09:00-12:00"
    assert ("V1", wed) not in shifts and shifts[("V1", thu)] == "08:00-17:00"
    assert shifts[("V1", DAY)] == "08:00-17:00"  # today is never redone by a template
    with pytest.raises(ShiftInUse):
        engine.remove_shift("V1", thu)  # type: ignore[attr-defined]


def test_copy_a_week_and_capacity(db: Engine) -> None:
    engine = _engine(db)
    generate(db, engine, CALENDAR, JST, DAY, DAY + timedelta(days=7), today=DAY)  # type: ignore[arg-type]
    monday = date(2026, 11, 30)
    report = copy_week(engine, CALENDAR, JST, monday, monday + timedelta(days=7))  # type: ignore[arg-type]
    shifts = _shifts(engine, monday, 14)
    week2 = {
        (v, (d - timedelta(days=7)).isoformat()): h
        for (v, d), h in shifts.items()
        if d >= monday + timedelta(days=7)
    }
    week1 = {
        (v, d.isoformat()): h for (v, d), h in shifts.items() if d < monday + timedelta(days=7)
    }
    assert week2 == week1 and report.created >= 4
    assert engine.list_shifts(date(2026, 12, 9))[0].origin == "copied"  # type: ignore[attr-defined]
    rows = capacity(engine, CALENDAR, date(2026, 12, 2), date(2026, 12, 6))  # type: ignore[arg-type]
    wed = rows[0]
    # V1 9 h less a 45 min break, V2 3 h; 4 seats each
    assert (wed.vehicles, wed.vehicle_min, wed.seats, wed.seat_min) == (2, 495 + 180, 8, 4 * 675)
    assert rows[4].service is False and rows[4].vehicles == 0


def test_the_leader_rolls_the_horizon_forward_once_a_day(db: Engine) -> None:
    config = EngineConfig(calendar=CALENDAR, booking_horizon_days=7)
    engine, clock, _ = make_engine(db, vehicles=1)
    object.__setattr__(engine, "config", config)
    save_template(db, "V1", dict.fromkeys(range(5), WEEKDAYS), clock.now())
    engine.tick()
    assert len(_shifts(engine, DAY, 8)) == 6  # today, Wed-Fri, Mon, Tue
    assert roll_forward(engine, DAY) is None  # done today
    clock.set(at(7) + timedelta(days=1))
    engine.tick()
    assert ("V1", date(2026, 12, 9)) in _shifts(engine, DAY, 9)
