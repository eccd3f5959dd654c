"""The service calendar and the shifts it gives: weekly templates, day overrides, copy a week,
capacity. Admins write (audited), operators read.

The days come from the city file (``CityRules.calendar``, ``dispatch.calendar``);
the concrete shifts are made by ``dispatch.rota`` through the engine, which the
leader also does once a day for the whole booking horizon.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from booking_api import dates, trips
from booking_api.db import audit
from booking_api.deps import Admin, Db, Engine, Staff, State
from booking_api.errors import ApiError, not_found
from booking_api.openapi import answers
from booking_api.rules import tz
from booking_api.schemas.calendar import (
    WEEKDAY_KEYS,
    CalendarDayOut,
    CapacityDayOut,
    CopyWeekIn,
    DayHoursIn,
    GenerationOut,
    OverrideDayOut,
    OverrideIn,
    OverrideOut,
    TemplateSaved,
    UnchangedOut,
    WeekTemplateIn,
    WeekTemplateOut,
)
from booking_api.schemas.types import Day
from booking_api.state import AppState
from dispatch import rota
from dispatch.vehicles import VehicleRetired

router = APIRouter(tags=["calendar"])
MAX_RANGE_DAYS = 366


def _today(state: AppState) -> date:
    return trips.local_date(state, state.now())


def _range(state: AppState, first: date, last: date) -> None:
    """Refuse a range outside the shifts' dates, reversed, or longer than a year."""
    today = _today(state)
    dates.shift_day("query.from", first, today)
    dates.shift_day("query.to", last, today)
    if last < first or (last - first).days >= MAX_RANGE_DAYS:
        raise ApiError(
            422,
            "bad_range",
            f"Give a range of 1 to {MAX_RANGE_DAYS} days, 'to' not before 'from'.",
            f"期間は1日から{MAX_RANGE_DAYS}日まで（終了日は開始日以降）で指定してください。",
        )


def _fleet(engine: Any) -> rota.ShiftFleet:
    if not all(hasattr(engine, m) for m in ("list_vehicles", "list_shifts", "remove_shift")):
        raise ApiError(
            503, "unavailable", "The fleet cannot be changed now.", "現在、車両の設定はできません。"
        )
    return engine  # type: ignore[no-any-return]


def _vehicle(fleet: rota.ShiftFleet, vehicle_id: str) -> None:
    if vehicle_id not in {v.vehicle_id for v in fleet.list_vehicles()}:
        raise not_found("vehicle", "車両")


def _in_service(fleet: rota.ShiftFleet, vehicle_id: str) -> None:
    """Refuse (409) hours for a retired vehicle: they would give it no shift."""
    try:
        rota.check_in_service(fleet, vehicle_id)
    except VehicleRetired as exc:
        raise ApiError(409, exc.code, exc.message_en, exc.message_ja) from exc


def _hhmm(text: str) -> int:
    hour, minute = text.split(":")
    return int(hour) * 60 + int(minute)


def _text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _hours(body: DayHoursIn) -> rota.DayHours:
    """Return the engine's hours, or a 422 ``bad_shift`` that says what is wrong."""
    brk = body.break_window
    try:
        return rota.DayHours(
            _hhmm(body.start),
            _hhmm(body.end),
            _hhmm(brk.earliest) if brk else None,
            _hhmm(brk.latest) if brk else None,
            brk.duration_min * 60 if brk else 0,
        )
    except ValueError as exc:
        raise ApiError(
            422,
            "bad_shift",
            f"These hours are not possible: {exc}.",
            "勤務時間が正しくありません（終了は開始より後、休憩は勤務時間内にしてください）。",
        ) from exc


def _hours_out(h: rota.DayHours | None) -> DayHoursIn | None:
    if h is None:
        return None
    brk = None
    if h.break_earliest_min is not None and h.break_latest_min is not None:
        brk = {
            "earliest": _text(h.break_earliest_min),
            "latest": _text(h.break_latest_min),
            "duration_min": h.break_duration_s // 60,
        }
    return DayHoursIn.model_validate(
        {"start": _text(h.start_min), "end": _text(h.end_min), "break_window": brk}
    )


def _report(report: rota.Report) -> GenerationOut:
    return GenerationOut(
        created=report.created,
        updated=report.updated,
        removed=report.removed,
        unchanged=[
            UnchangedOut(
                vehicle_id=u.vehicle_id,
                date=u.day,
                reason=u.reason,
                message_ja=u.message_ja,
                message_en=u.message_en,
            )
            for u in report.unchanged
        ],
    )


def _template_out(vehicle_id: str, week: dict[int, rota.DayHours]) -> WeekTemplateOut:
    days = {WEEKDAY_KEYS[d]: _hours_out(h) for d, h in week.items()}
    return WeekTemplateOut(vehicle_id=vehicle_id, **days)


@router.get("/service-calendar", responses=answers(422))
def service_calendar(
    staff: Staff,
    state: State,
    first: Annotated[Day, Query(alias="from")],
    last: Annotated[Day, Query(alias="to")],
) -> list[CalendarDayOut]:
    """Whether the service runs on each date of a range (at most a year), and if not why:
    the weekday, a national holiday by name, or one of the city's closed days."""
    _range(state, first, last)
    return [
        CalendarDayOut(
            date=s.day,
            weekday=s.day.weekday(),
            service=s.service,
            kind=s.kind.value,
            reason_ja=s.reason_ja,
            reason_en=s.reason_en,
        )
        for s in state.rules.calendar.days(first, last)
    ]


@router.get("/vehicles/{vehicle_id}/shift-template", responses=answers(404, 503))
def get_template(vehicle_id: str, staff: Staff, state: State, engine: Engine) -> WeekTemplateOut:
    """A vehicle's weekly shift template (weekdays without hours have no shift)."""
    _vehicle(_fleet(engine), vehicle_id)
    return _template_out(vehicle_id, rota.template_of(state.db, vehicle_id))


@router.put("/vehicles/{vehicle_id}/shift-template", responses=answers(404, 409, 422, 503))
def put_template(
    vehicle_id: str, body: WeekTemplateIn, admin: Admin, db: Db, state: State, engine: Engine
) -> TemplateSaved:
    """Replace a vehicle's weekly template and redo its shifts to the end of the booking horizon
    (today's only if it has none); days whose shift has rides, or was set by hand, are reported,
    not changed. A retired vehicle is refused (409): it gets no shifts."""
    fleet = _fleet(engine)
    _vehicle(fleet, vehicle_id)
    _in_service(fleet, vehicle_id)
    week = {
        i: _hours(hours)
        for i, key in enumerate(WEEKDAY_KEYS)
        if (hours := getattr(body, key)) is not None
    }
    before = _template_out(vehicle_id, rota.template_of(state.db, vehicle_id))
    trips.release(db)
    rota.save_template(state.db, vehicle_id, week, state.now())
    today = _today(state)
    first, last = rota.horizon(today, state.rules.booking_horizon_days)
    report = rota.generate(
        state.db, fleet, state.rules.calendar, tz(state.rules), first, last,
        today=today, vehicle_ids=[vehicle_id],
    )  # fmt: skip
    out = _template_out(vehicle_id, week)
    audit(
        db, admin.id, "shift_template.save", "vehicle", vehicle_id,
        before.model_dump(mode="json"), out.model_dump(mode="json"), state.now(),
    )  # fmt: skip
    db.commit()
    return TemplateSaved(template=out, shifts=_report(report))


def _override_day(state: AppState, service_date: date) -> None:
    dates.check_within(
        "path.service_date",
        service_date,
        _today(state),
        _today(state) + timedelta(days=dates.SHIFT_AHEAD_DAYS),
    )


@router.get("/shift-overrides", responses=answers(422))
def list_overrides(
    staff: Staff,
    state: State,
    first: Annotated[Day, Query(alias="from")],
    last: Annotated[Day, Query(alias="to")],
    vehicle_id: Annotated[str | None, Query(max_length=40)] = None,
) -> list[OverrideDayOut]:
    """The per-day overrides of a range (at most a year), by date and vehicle: a car in the
    garage (``off``) or other hours, with the note that says why."""
    _range(state, first, last)
    return [
        OverrideDayOut(
            vehicle_id=o.vehicle_id,
            date=o.day,
            off=o.hours is None,
            hours=_hours_out(o.hours),
            note=o.note,
        )
        for o in rota.overrides(state.db, first, last, vehicle_id)
    ]


@router.put("/shift-overrides/{vehicle_id}/{service_date}", responses=answers(404, 409, 422, 503))
def put_override(
    vehicle_id: str,
    service_date: Day,
    body: OverrideIn,
    admin: Admin,
    db: Db,
    state: State,
    engine: Engine,
) -> OverrideOut:
    """Set one day's hours of a vehicle instead of its template (``off``: no shift that day),
    from today to two years ahead. Refused (409, nothing changed) while the vehicle has rides
    that day, and for a retired vehicle (it gets no shifts)."""
    fleet = _fleet(engine)
    _override_day(state, service_date)
    _vehicle(fleet, vehicle_id)
    _in_service(fleet, vehicle_id)
    if body.off == (body.hours is not None):
        raise ApiError(
            422,
            "bad_override",
            "Give either off (no shift that day) or hours.",
            "「運休（off）」か「勤務時間（hours）」のどちらか一方を指定してください。",
        )
    hours = _hours(body.hours) if body.hours is not None else None
    previous = rota.overrides(state.db, service_date, service_date, vehicle_id)
    trips.release(db)
    rota.save_override(
        state.db, rota.Override(vehicle_id, service_date, hours, body.note), state.now()
    )
    report = rota.generate(
        state.db, fleet, state.rules.calendar, tz(state.rules), service_date, service_date,
        today=_today(state), vehicle_ids=[vehicle_id],
    )  # fmt: skip
    busy = [u for u in report.unchanged if u.reason == "has_rides"]
    if busy:  # put back what was there: the override must not stand unapplied
        if previous:
            rota.save_override(state.db, previous[0], state.now())
        else:
            rota.delete_override(state.db, vehicle_id, service_date)
        raise ApiError(409, "shift_in_use", busy[0].message_en, busy[0].message_ja)
    out = OverrideOut(
        vehicle_id=vehicle_id,
        date=service_date,
        off=hours is None,
        hours=_hours_out(hours),
        note=body.note,
        shifts=_report(report),
    )
    audit(
        db, admin.id, "shift_override.set", "vehicle", vehicle_id,
        None, out.model_dump(mode="json"), state.now(),
    )  # fmt: skip
    db.commit()
    return out


@router.delete("/shift-overrides/{vehicle_id}/{service_date}", responses=answers(404, 422, 503))
def delete_override(
    vehicle_id: str, service_date: Day, admin: Admin, db: Db, state: State, engine: Engine
) -> GenerationOut:
    """Remove one day's override: the day follows the template again (a shift with rides
    is reported, not changed)."""
    fleet = _fleet(engine)
    _override_day(state, service_date)
    trips.release(db)
    if not rota.delete_override(state.db, vehicle_id, service_date):
        raise not_found("override", "変更")
    report = rota.generate(
        state.db, fleet, state.rules.calendar, tz(state.rules), service_date, service_date,
        today=_today(state), vehicle_ids=[vehicle_id],
    )  # fmt: skip
    audit(
        db, admin.id, "shift_override.delete", "vehicle", vehicle_id,
        {"date": service_date.isoformat()}, None, state.now(),
    )  # fmt: skip
    db.commit()
    return _report(report)


@router.post("/shifts/copy-week", responses=answers(422, 503))
def copy_week(
    body: CopyWeekIn, admin: Admin, db: Db, state: State, engine: Engine
) -> GenerationOut:
    """Copy the concrete shifts of one week (Monday to Sunday) to another week from today on;
    non-service days of the target week get none; days with rides are reported, not changed."""
    fleet = _fleet(engine)
    today = _today(state)
    dates.shift_day("body.source", body.source, today)
    monday = today - timedelta(days=today.weekday())
    dates.check_within(
        "body.target", body.target, monday, today + timedelta(days=dates.SHIFT_AHEAD_DAYS)
    )
    if body.source.weekday() != 0 or body.target.weekday() != 0 or body.source == body.target:
        raise ApiError(
            422,
            "bad_week",
            "Give two different Mondays (the first days of the weeks).",
            "週の初日（月曜日）を2つ、別々の日付で指定してください。",
        )
    trips.release(db)
    report = rota.copy_week(fleet, state.rules.calendar, tz(state.rules), body.source, body.target)
    audit(
        db, admin.id, "shifts.copy_week", "shifts", body.target.isoformat(),
        None, {**body.model_dump(mode="json"), "created": report.created,
               "updated": report.updated, "removed": report.removed}, state.now(),
    )  # fmt: skip
    db.commit()
    return _report(report)


@router.get("/capacity", responses=answers(422, 503))
def capacity(
    staff: Staff,
    state: State,
    engine: Engine,
    first: Annotated[Day, Query(alias="from")],
    last: Annotated[Day, Query(alias="to")],
) -> list[CapacityDayOut]:
    """What the shifts give each day of a range (at most a year): vehicles, vehicle-minutes
    and seat-minutes (breaks taken off), seats and wheelchair places."""
    _range(state, first, last)
    rows = rota.capacity(_fleet(engine), state.rules.calendar, first, last)
    return [
        CapacityDayOut(
            date=r.day,
            service=r.service,
            vehicles=r.vehicles,
            vehicle_min=r.vehicle_min,
            seats=r.seats,
            wheelchairs=r.wheelchairs,
            seat_min=r.seat_min,
        )
        for r in rows
    ]
