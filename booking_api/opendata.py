"""The monthly open data's input, gathered from the database (the tables are ``feeds.opendata``).

Rides are read straight from the store (no running engine needed, so the CLI
can export too): each ride's pickup and drop-off areas are the service areas
containing its points, its arrival the driver's first standing arrival tap
(as in the reports). Members give only their channel and dates.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking_api.city import CityRules
from booking_api.db import MemberRow
from booking_api.reports import _arrivals
from dispatch.kpi import RideFacts
from dispatch.store.repo import ride_of
from dispatch.store.tables import RideRow
from feeds import MemberRecord, MonthError, OpenDataConfig, build_open_data, parse_month
from feeds.opendata import DAY_TYPES, day_type, trip_records


def month_over(month: str, today: date) -> tuple[date, date]:
    """Return the month's first and last day; ``MonthError`` unless it has ended by ``today``."""
    first, last = parse_month(month)
    if last >= today:
        msg = f"{month} is not over yet: open data is published for finished months"
        raise MonthError(msg)
    return first, last


def _area(lookup: Any, lat: float, lon: float) -> str:
    return str(lookup.area_of(lat, lon) or "")


def _rides(
    db: Session, lookup: Any, first: date, last: date
) -> tuple[list[RideFacts], dict[str, str]]:
    rows = db.scalars(
        select(RideRow).where(RideRow.service_date >= first, RideRow.service_date <= last)
    ).all()
    arrived = _arrivals(db, [r.id for r in rows])
    facts, destinations = [], {}
    for row in rows:
        r = ride_of(row)
        req = r.request
        facts.append(
            RideFacts(
                ride_id=r.ride_id,
                member_id=req.member_id,
                service_date=row.service_date,
                channel=str(req.channel),
                area=_area(lookup, req.pickup.lat, req.pickup.lon),
                vehicle_id=r.vehicle_id,
                status=str(r.status),
                requested_at=req.depart_at or req.arrive_by or r.pickup_window_start,
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
        destinations[r.ride_id] = _area(lookup, req.dropoff.lat, req.dropoff.lon)
    return facts, destinations


def _members(db: Session, first: date, last: date, zone: ZoneInfo) -> list[MemberRecord]:
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    out = []
    for channel, status, created, approved in db.execute(
        select(MemberRow.channel, MemberRow.status, MemberRow.created_at, MemberRow.approved_at)
    ):
        out.append(
            MemberRecord(
                channel=str(channel),
                applied_in_month=start <= created < end,
                approved_at_end=status == "approved" and approved is not None and approved < end,
            )
        )
    return out


def export(
    db: Session,
    rules: CityRules,
    config: OpenDataConfig,
    lookup: Any,
    month: str,
    today: date,
) -> dict[str, bytes]:
    """Return the open-data files of ``month`` (``MonthError`` for a bad or unfinished month).

    ``lookup`` answers ``area_of(lat, lon)`` (``maps.ServiceAreas``).
    """
    first, last = month_over(month, today)
    zone = ZoneInfo(rules.timezone)
    facts, destinations = _rides(db, lookup, first, last)
    areas = [a.id for a in lookup.areas]
    hours = range(rules.service_start.hour, rules.service_end.hour + 1)
    trips = trip_records(
        facts, destinations, zone=zone, calendar=rules.calendar, hours=hours, areas=areas
    )
    days = rules.calendar.days(first, last)
    served = {day_type(rules.calendar, s.day) for s in days if s.service}
    return build_open_data(
        month,
        trips,
        _members(db, first, last, zone),
        areas=areas,
        day_types=[d for d in DAY_TYPES if d in served],
        hours=hours,
        config=config,
        city_ja=rules.name_ja,
        city_en=rules.name_en,
    )
