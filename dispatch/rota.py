"""Shifts from weekly templates: per-day overrides, generation over the horizon, copy a week.

A vehicle's weekly template gives its hours (and break window) per weekday; a
per-day override replaces them on one date (``off``: the car is in the
garage). ``generate`` turns them into concrete shifts through the fleet's own
``set_shift``/``remove_shift`` (so the engine's rules and locks apply) for the
service days of the calendar (``dispatch.calendar``), none on other days. It
is idempotent and careful: it skips retired vehicles, only redoes the shifts
it made itself (origin "template" or "override"), never one set by hand or
copied, never one of a vehicle that already has rides that day (each is
reported instead), and it does not change today's shifts except for an
override of today. The leading
engine rolls the horizon forward once a day (``roll_forward``, from ``tick``).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, select

from dispatch.calendar import ServiceCalendar
from dispatch.domain import ShiftInfo, ShiftInUse, VehicleInfo
from dispatch.store.repo import change_session, read_session
from dispatch.store.tables import ShiftOverrideRow, ShiftTemplateRow
from dispatch.vehicles import VehicleRetired

log = logging.getLogger("noriai.rota")

GENERATED = frozenset({"template", "override"})
DAY_MIN = 24 * 60


class ShiftFleet(Protocol):
    """What the rota needs of the engine (``dispatch.fleet.FleetOps`` has it)."""

    def list_vehicles(self) -> list[VehicleInfo]: ...

    def list_shifts(self, service_date: date) -> list[ShiftInfo]: ...

    def set_shift(self, vehicle_id: str, service_date: date, start: datetime, end: datetime,
                  **kw: Any) -> ShiftInfo: ...  # fmt: skip

    def remove_shift(self, vehicle_id: str, service_date: date) -> bool: ...


@dataclass(frozen=True)
class DayHours:
    """Hours on one day in local minutes after midnight, with an optional break window
    (the break starts between ``break_earliest_min`` and ``break_latest_min``)."""

    start_min: int
    end_min: int
    break_earliest_min: int | None = None
    break_latest_min: int | None = None
    break_duration_s: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.start_min < self.end_min <= DAY_MIN:
            msg = "a shift must end after it starts, within the day"
            raise ValueError(msg)
        b0, b1 = self.break_earliest_min, self.break_latest_min
        if (b0 is None) != (b1 is None) or (b0 is not None and self.break_duration_s <= 0):
            msg = "a break needs its earliest and latest start and a duration"
            raise ValueError(msg)
        if (
            b0 is not None
            and b1 is not None
            and not (
                self.start_min <= b0 <= b1 and b1 * 60 + self.break_duration_s <= self.end_min * 60
            )
        ):
            msg = "the break must lie inside the shift"
            raise ValueError(msg)

    def on(self, day: date, zone: ZoneInfo) -> dict[str, Any]:
        """Return ``set_shift``'s times for ``day`` (UTC-aware)."""

        def at(minute: int | None) -> datetime | None:
            if minute is None:
                return None
            local = datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=minute)
            return local.astimezone(UTC)

        return {
            "start": at(self.start_min),
            "end": at(self.end_min),
            "break_earliest": at(self.break_earliest_min),
            "break_latest": at(self.break_latest_min),
            "break_duration_s": self.break_duration_s if self.break_earliest_min is not None else 0,
        }


@dataclass(frozen=True)
class Override:
    """A vehicle's hours on one date instead of its template (``hours`` None: no shift)."""

    vehicle_id: str
    day: date
    hours: DayHours | None
    note: str = ""


@dataclass(frozen=True)
class Unchanged:
    """A shift generation wanted to change but left alone, and why."""

    vehicle_id: str
    day: date
    reason: str  # "has_rides" or "set_by_hand"
    message_en: str
    message_ja: str


@dataclass
class Report:
    """What one generation (or copy) did."""

    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: list[Unchanged] = field(default_factory=list)


@dataclass(frozen=True)
class DayCapacity:
    """What the shifts of one day give: vehicles, vehicle-minutes, seats and seat-minutes."""

    day: date
    service: bool
    vehicles: int
    vehicle_min: int
    seats: int
    wheelchairs: int
    seat_min: int


# -- storage -----------------------------------------------------------------
def check_in_service(fleet: ShiftFleet, vehicle_id: str) -> None:
    """Refuse (``VehicleRetired``) hours for a retired vehicle.

    A retired vehicle gets no shifts (``generate`` skips it), so a template or a
    day's hours saved for it would be accepted and give nothing; staff bring the
    vehicle back into service first.
    """
    if any(v.vehicle_id == vehicle_id and v.retired_at is not None for v in fleet.list_vehicles()):
        raise VehicleRetired(vehicle_id)


def _hours(r: ShiftTemplateRow | ShiftOverrideRow) -> DayHours:
    assert r.start_min is not None and r.end_min is not None
    return DayHours(
        r.start_min, r.end_min, r.break_earliest_min, r.break_latest_min, r.break_duration_s
    )


def template_of(db: Engine, vehicle_id: str) -> dict[int, DayHours]:
    """Return a vehicle's weekly template: hours by weekday (0 = Monday; missing: no shift)."""
    q = select(ShiftTemplateRow).where(ShiftTemplateRow.vehicle_id == vehicle_id)
    with read_session(db) as s:
        return {r.weekday: _hours(r) for r in s.scalars(q)}


def _templates(db: Engine) -> dict[str, dict[int, DayHours]]:
    out: dict[str, dict[int, DayHours]] = {}
    with read_session(db) as s:
        for r in s.scalars(select(ShiftTemplateRow)):
            out.setdefault(r.vehicle_id, {})[r.weekday] = _hours(r)
    return out


def save_template(db: Engine, vehicle_id: str, week: Mapping[int, DayHours], now: datetime) -> None:
    """Replace a vehicle's weekly template (weekdays not in ``week`` have no shift)."""
    if not set(week) <= set(range(7)):
        msg = "weekdays are 0 (Monday) to 6 (Sunday)"
        raise ValueError(msg)
    with change_session(db) as s:
        s.execute(delete(ShiftTemplateRow).where(ShiftTemplateRow.vehicle_id == vehicle_id))
        for weekday, h in sorted(week.items()):
            s.add(
                ShiftTemplateRow(
                    vehicle_id=vehicle_id,
                    weekday=weekday,
                    start_min=h.start_min,
                    end_min=h.end_min,
                    break_earliest_min=h.break_earliest_min,
                    break_latest_min=h.break_latest_min,
                    break_duration_s=h.break_duration_s,
                    updated_at=now,
                )
            )


def overrides(db: Engine, first: date, last: date, vehicle_id: str | None = None) -> list[Override]:
    """Return the per-day overrides from ``first`` to ``last``, by date and vehicle."""
    q = select(ShiftOverrideRow).where(
        ShiftOverrideRow.service_date >= first, ShiftOverrideRow.service_date <= last
    )
    if vehicle_id is not None:
        q = q.where(ShiftOverrideRow.vehicle_id == vehicle_id)
    q = q.order_by(ShiftOverrideRow.service_date, ShiftOverrideRow.vehicle_id)
    with read_session(db) as s:
        return [
            Override(r.vehicle_id, r.service_date, None if r.off else _hours(r), r.note)
            for r in s.scalars(q)
        ]


def save_override(db: Engine, override: Override, now: datetime) -> None:
    """Store (or replace) a per-day override."""
    h = override.hours
    with change_session(db) as s:
        row = s.get(ShiftOverrideRow, (override.vehicle_id, override.day))
        if row is None:
            row = ShiftOverrideRow(vehicle_id=override.vehicle_id, service_date=override.day)
            s.add(row)
        row.off, row.note, row.updated_at = h is None, override.note, now
        row.start_min = h.start_min if h else None
        row.end_min = h.end_min if h else None
        row.break_earliest_min = h.break_earliest_min if h else None
        row.break_latest_min = h.break_latest_min if h else None
        row.break_duration_s = h.break_duration_s if h else 0


def delete_override(db: Engine, vehicle_id: str, day: date) -> bool:
    """Remove a per-day override; return whether there was one."""
    with change_session(db) as s:
        row = s.get(ShiftOverrideRow, (vehicle_id, day))
        if row is None:
            return False
        s.delete(row)
        return True


# -- generation --------------------------------------------------------------
def _same(shift: ShiftInfo, times: dict[str, Any], origin: str) -> bool:
    return shift.origin == origin and all(getattr(shift, k) == v for k, v in times.items())


def _unchanged(vehicle_id: str, day: date, exc: ShiftInUse | None) -> Unchanged:
    if exc is not None:
        return Unchanged(vehicle_id, day, "has_rides", exc.message_en, exc.message_ja)
    return Unchanged(
        vehicle_id,
        day,
        "set_by_hand",
        f"The shift of {vehicle_id} on {day} was set by hand; it was kept.",
        f"{day} の {vehicle_id} の勤務は手動で設定されているため、そのままにしました。",
    )


def generate(
    db: Engine,
    fleet: ShiftFleet,
    calendar: ServiceCalendar,
    zone: ZoneInfo,
    first: date,
    last: date,
    *,
    today: date,
    vehicle_ids: Iterable[str] | None = None,
) -> Report:
    """Make the shifts from ``first`` to ``last`` match the templates and overrides.

    On a non-service day of ``calendar`` no vehicle has a generated shift; a
    vehicle without a template (nor an override that day) is left as it is. Days
    before ``today`` are never touched; on ``today`` a missing shift is created
    and an override applied, but the template does not change a running day.
    """
    report = Report()
    first = max(first, today)
    wanted = set(vehicle_ids) if vehicle_ids is not None else None
    vehicles = [v.vehicle_id for v in fleet.list_vehicles() if v.retired_at is None]
    vehicles = [v for v in vehicles if wanted is None or v in wanted]
    templates = _templates(db)
    by_day = {(o.vehicle_id, o.day): o for o in overrides(db, first, last)}
    day = first
    while day <= last:
        service = calendar.is_service_day(day)
        shifts = {s.vehicle_id: s for s in fleet.list_shifts(day)}
        for vid in vehicles:
            override = by_day.get((vid, day))
            hours: DayHours | None
            if override is not None:
                hours, origin = override.hours, "override"
            elif vid not in templates:  # shifts set by hand only: nothing to generate
                continue
            else:
                hours, origin = templates.get(vid, {}).get(day.weekday()), "template"
            if not service:
                hours = None
            _apply(fleet, report, vid, day, shifts.get(vid), hours, origin, zone,
                   replace=day > today or override is not None)  # fmt: skip
        day += timedelta(days=1)
    return report


def _apply(
    fleet: ShiftFleet,
    report: Report,
    vid: str,
    day: date,
    shift: ShiftInfo | None,
    hours: DayHours | None,
    origin: str,
    zone: ZoneInfo,
    *,
    replace: bool,
) -> None:
    """Bring one vehicle's shift on one day to ``hours`` (see ``generate``)."""
    if shift is not None and (shift.origin not in GENERATED and origin != "override"):
        if hours is None or not _same(shift, hours.on(day, zone), shift.origin):
            report.unchanged.append(_unchanged(vid, day, None))
        return
    if shift is not None and not replace:
        return
    try:
        if hours is None:
            if shift is not None and fleet.remove_shift(vid, day):
                report.removed += 1
            return
        times = hours.on(day, zone)
        if shift is not None and _same(shift, times, origin):
            return
        fleet.set_shift(vid, day, origin=origin, if_free=True, **times)
        if shift is None:
            report.created += 1
        else:
            report.updated += 1
    except ShiftInUse as exc:
        report.unchanged.append(_unchanged(vid, day, exc))


def horizon(calendar_today: date, days: int) -> tuple[date, date]:
    """Return the dates a rider can book: today to ``days`` ahead."""
    return calendar_today, calendar_today + timedelta(days=days)


_ROLLED: weakref.WeakKeyDictionary[Any, date] = weakref.WeakKeyDictionary()


def roll_forward(engine: Any, today: date) -> Report | None:
    """Generate the shifts of the booking horizon once per day (the leader's ``tick``).

    ``engine`` is the live engine (its ``config`` has the calendar and horizon).
    Returns None when today was done already.
    """
    if _ROLLED.get(engine) == today:
        return None
    _ROLLED[engine] = today  # once a day even if it fails: the log says why
    first, last = horizon(today, engine.config.booking_horizon_days)
    report = generate(
        engine.db, engine, engine.config.calendar, engine.tz, first, last, today=today
    )
    if report.created or report.updated or report.removed or report.unchanged:
        log.info(
            "shifts %s..%s: %d created, %d updated, %d removed, %d left alone",
            first, last, report.created, report.updated, report.removed, len(report.unchanged),
        )  # fmt: skip
    return report


# -- copy and capacity ---------------------------------------------------------
def copy_week(
    fleet: ShiftFleet, calendar: ServiceCalendar, zone: ZoneInfo, source: date, target: date
) -> Report:
    """Copy the concrete shifts of the week starting ``source`` to the week starting
    ``target`` (both Mondays), keeping each shift's local hours.

    The copies are kept by later generations (origin "copied"); a target day that
    is not a service day gets none, nor does a retired vehicle; a vehicle without a
    shift on the source day loses its target shift (unless it has rides there, which
    is reported).
    """
    report = Report()
    retired = {v.vehicle_id for v in fleet.list_vehicles() if v.retired_at is not None}
    for i in range(7):
        src, dst = source + timedelta(days=i), target + timedelta(days=i)
        have = {s.vehicle_id: s for s in fleet.list_shifts(dst)}
        copies = fleet.list_shifts(src) if calendar.is_service_day(dst) else []
        copies = [c for c in copies if c.vehicle_id not in retired]
        for shift in copies:
            times = _moved(shift, dst, zone)
            try:
                fleet.set_shift(shift.vehicle_id, dst, origin="copied", if_free=True, **times)
            except ShiftInUse as exc:
                report.unchanged.append(_unchanged(shift.vehicle_id, dst, exc))
                continue
            if shift.vehicle_id in have:
                report.updated += 1
            else:
                report.created += 1
        for vid in set(have) - {s.vehicle_id for s in copies}:
            try:
                if fleet.remove_shift(vid, dst):
                    report.removed += 1
            except ShiftInUse as exc:
                report.unchanged.append(_unchanged(vid, dst, exc))
    return report


def _moved(shift: ShiftInfo, day: date, zone: ZoneInfo) -> dict[str, Any]:
    """Return ``shift``'s times moved to ``day`` at the same local wall-clock times."""
    base = datetime.combine(shift.service_date, time(0), tzinfo=zone)
    new = datetime.combine(day, time(0), tzinfo=zone)

    def move(t: datetime | None) -> datetime | None:
        if t is None:
            return None
        offset = t.astimezone(zone).replace(tzinfo=None) - base.replace(tzinfo=None)
        return (new.replace(tzinfo=None) + offset).replace(tzinfo=zone).astimezone(UTC)

    return {
        "start": move(shift.start),
        "end": move(shift.end),
        "break_earliest": move(shift.break_earliest),
        "break_latest": move(shift.break_latest),
        "break_duration_s": shift.break_duration_s,
    }


def capacity(
    fleet: ShiftFleet, calendar: ServiceCalendar, first: date, last: date
) -> list[DayCapacity]:
    """Return, per day from ``first`` to ``last``, what the concrete shifts give (breaks
    taken off the vehicle-minutes)."""
    vehicles = {v.vehicle_id: v for v in fleet.list_vehicles()}
    out = []
    day = first
    while day <= last:
        shifts = [s for s in fleet.list_shifts(day) if s.vehicle_id in vehicles]
        minutes = {
            s.vehicle_id: max(0, int((s.end - s.start).total_seconds()) - s.break_duration_s) // 60
            for s in shifts
        }
        out.append(
            DayCapacity(
                day=day,
                service=calendar.is_service_day(day),
                vehicles=len(shifts),
                vehicle_min=sum(minutes.values()),
                seats=sum(vehicles[v].seats for v in minutes),
                wheelchairs=sum(vehicles[v].wheelchairs for v in minutes),
                seat_min=sum(vehicles[v].seats * m for v, m in minutes.items()),
            )
        )
        day += timedelta(days=1)
    return out
