"""Figures for the city: the facts the reports are computed from, and their CSV files.

The figures themselves are ``dispatch.kpi`` (pure). Here we gather its input:
the engine's rides of the period (through the ``BookingEngine`` port), the
drivers' arrival taps, the refused quotes we recorded (``RefusalRow``), each
ride's pickup area and the member numbers; and write the two CSV files (UTF-8
with a BOM, so spreadsheet programs read Japanese correctly): the summary
(one row per group) and the rides (one row per ride, times in the city's zone
with their offset, members by number, never by name, with the booked fare, its
category and the version of the fare rules that priced it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking_api.db import BookingMetaRow, MemberRow, RefusalRow
from dispatch.domain import Ride
from dispatch.kpi import GroupBy, GroupFigures, RefusalFacts, Report, RideFacts, report
from dispatch.ports import BookingEngine
from dispatch.store.tables import DriverTapRow

GROUP_COLUMN = {
    GroupBy.DAY: "date",
    GroupBy.AREA: "area",
    GroupBy.VEHICLE: "vehicle",
    GroupBy.CHANNEL: "channel",
}
SUMMARY_COLUMNS = (
    "rides", "completed", "cancelled", "late_cancellations", "no_shows", "refusals",
    "pickups", "on_time_share", "deviation_p95_min", "wait_median_min", "wait_p95_min",
    "ride_median_min", "ride_p95_min", "shared_share", "occupancy",
)  # fmt: skip
RIDE_COLUMNS = (
    "ride_id", "service_date", "member_number", "channel", "area", "vehicle", "party_size",
    "time_mode", "requested_at", "window_start", "window_end", "arrived_at", "picked_up_at",
    "dropped_off_at", "wait_min", "ride_min", "deviation_min", "on_time", "shared", "outcome",
    "fare_yen", "fare_category", "fare_rules",
)  # fmt: skip


def record_refusal(
    db: Session,
    *,
    member_id: str,
    channel: str,
    when: datetime,
    area: str | None,
    code: str,
    at: datetime,
    zone: ZoneInfo,
) -> None:
    """Store one refused quote and commit it, since the refusal's error answer follows at once.

    ``when`` is the time asked for (UTC), ``area`` the pickup's service area,
    ``code`` the reason's stable key.
    """
    db.add(
        RefusalRow(
            at=at,
            service_date=when.astimezone(zone).date(),
            member_id=member_id,
            channel=channel,
            area=area or "",
            code=code,
            requested_at=when,
        )
    )
    db.commit()


def _arrivals(db: Session, ride_ids: Sequence[str]) -> dict[str, datetime]:
    """When each ride's car reached the door (the driver's first arrival tap still standing)."""
    out: dict[str, datetime] = {}
    for i in range(0, len(ride_ids), 500):
        q = select(DriverTapRow.ride_id, DriverTapRow.at).where(
            DriverTapRow.ride_id.in_(ride_ids[i : i + 500]),
            DriverTapRow.tap == "arrived",
            DriverTapRow.undone_at.is_(None),
        )
        for rid, at in db.execute(q):
            out[rid] = min(at, out.get(rid, at))
    return out


def pickup_area(
    city_map: Any, lat: float, lon: float, cache: dict[tuple[float, float], str] | None = None
) -> str:
    """Return the service area a point snaps into (as the rules saw it), "" when none."""
    cache = {} if cache is None else cache
    key = (lat, lon)
    if key not in cache:
        try:
            snap = city_map.snap(lat, lon) if city_map is not None else None
            cache[key] = str(snap.area) if snap is not None and snap.area else ""
        except Exception:  # a point off the map has no area; the report still counts the ride
            cache[key] = ""
    return cache[key]


def ride_facts(
    db: Session, engine: BookingEngine, city_map: Any, first: date, last: date, zone: ZoneInfo
) -> tuple[list[RideFacts], list[Ride]]:
    """Return the facts of every ride of ``first``..``last`` (and the engine's rides).

    A ride's service day is the local date of its promised pickup window.
    """
    rides: list[Ride] = []
    day = first
    while day <= last:
        rides += engine.list_rides(service_date=day)
        day += timedelta(days=1)
    arrived = _arrivals(db, [r.ride_id for r in rides])
    areas: dict[tuple[float, float], str] = {}
    facts = []
    for r in rides:
        req = r.request
        when = req.depart_at or req.arrive_by or r.pickup_window_start
        facts.append(
            RideFacts(
                ride_id=r.ride_id,
                member_id=req.member_id,
                service_date=r.pickup_window_start.astimezone(zone).date(),
                channel=str(req.channel),
                area=pickup_area(city_map, req.pickup.lat, req.pickup.lon, areas),
                vehicle_id=r.vehicle_id,
                status=str(r.status),
                requested_at=when,
                arrive_by=req.arrive_by is not None,
                window_start=r.pickup_window_start,
                window_end=r.pickup_window_end,
                arrived_at=arrived.get(r.ride_id),
                picked_up_at=r.picked_up_at,
                dropped_off_at=r.dropped_off_at,
                estimated_pickup=r.estimated_pickup,
                estimated_dropoff=r.estimated_dropoff,
                party_size=req.party_size + req.wheelchairs,
            )
        )
    return facts, rides


def refusal_facts(db: Session, first: date, last: date) -> list[RefusalFacts]:
    """Return the refused quotes for service days ``first``..``last``."""
    q = select(RefusalRow).where(RefusalRow.service_date >= first, RefusalRow.service_date <= last)
    return [RefusalFacts(x.service_date, x.channel, x.area, x.code) for x in db.scalars(q)]


def build(
    db: Session,
    engine: BookingEngine,
    city_map: Any,
    *,
    first: date,
    last: date,
    by: GroupBy,
    zone: ZoneInfo,
    service_day: Callable[[date], bool],
) -> tuple[Report, list[RideFacts], list[Ride]]:
    """Return the period's report grouped ``by``, with its ride facts and rides."""
    facts, rides = ride_facts(db, engine, city_map, first, last, zone)
    late = frozenset(r.ride_id for r in rides if r.late_cancellation)
    out = report(
        facts,
        refusal_facts(db, first, last),
        by=by,
        service_day=service_day,
        late_cancelled=late,
        period=(first, last),
    )
    return out, facts, rides


def group_dict(g: GroupFigures) -> dict[str, Any]:
    """Return one group's figures as a plain dict (JSON)."""
    return {name: getattr(g, name) for name in ("key", *SUMMARY_COLUMNS, "refusal_reasons")}


def _cell(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "1" if x else "0"
    return str(x)


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([_cell(x) for x in row])
    return "\ufeff" + buf.getvalue()


def summary_csv(rep: Report) -> str:
    """Return the groups as CSV: the group column, the figures, one column per refusal reason."""
    reasons = sorted({k for g in rep.groups for k in g.refusal_reasons})
    header = [GROUP_COLUMN[rep.by], *SUMMARY_COLUMNS, *(f"refused_{r}" for r in reasons)]
    rows = [
        [
            g.key,
            *(getattr(g, c) for c in SUMMARY_COLUMNS),
            *(g.refusal_reasons.get(r, 0) for r in reasons),
        ]
        for g in rep.groups
    ]
    return _csv(header, rows)


def _local(t: datetime | None, zone: ZoneInfo) -> str:
    return "" if t is None else t.astimezone(zone).isoformat(timespec="seconds")


def rides_csv(
    db: Session, rep: Report, facts: Sequence[RideFacts], rides: Sequence[Ride], zone: ZoneInfo
) -> str:
    """Return one row per ride (see the module docstring; ``outcome`` is the ride's state,
    ``cancelled_late`` for a late cancellation)."""
    ids = sorted({f.member_id for f in facts})
    numbers = dict(
        db.execute(select(MemberRow.id, MemberRow.member_number).where(MemberRow.id.in_(ids))).all()
    ) if ids else {}  # fmt: skip
    late = {r.ride_id for r in rides if r.late_cancellation}
    # the booked fare, its category and the rule version that priced it (what a later rule
    # change leaves alone)
    days = [f.service_date for f in facts]
    fares = {
        m.ride_id: m
        for m in db.scalars(select(BookingMetaRow).where(
            BookingMetaRow.service_date >= min(days), BookingMetaRow.service_date <= max(days)))
    } if days else {}  # fmt: skip
    rows = []
    for f in sorted(facts, key=lambda f: (f.window_start, f.ride_id)):
        m = rep.measures.get(f.ride_id)
        if m is None:
            continue  # a ride of a day without service
        outcome = "cancelled_late" if f.ride_id in late else f.status
        meta = fares.get(f.ride_id)
        rows.append([
            f.ride_id, f.service_date.isoformat(), numbers.get(f.member_id) or "", f.channel,
            f.area, f.vehicle_id or "", f.party_size, "arrive_by" if f.arrive_by else "depart_at",
            *(_local(t, zone) for t in (f.requested_at, f.window_start, f.window_end,
                                        f.arrived_at, f.picked_up_at, f.dropped_off_at)),
            _round(m.wait_min), _round(m.ride_min), _round(m.deviation_min), m.on_time, m.shared,
            outcome, meta.fare_yen if meta else None, meta.fare_category if meta else None,
            meta.fare_rules if meta else None,
        ])  # fmt: skip
    return _csv(RIDE_COLUMNS, rows)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)
