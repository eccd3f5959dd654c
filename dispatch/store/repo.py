"""Sessions, the per-day writer lock, and conversions between rows and domain types.

``write_session`` is the only way the engine changes a day's plan: it opens a
transaction that serialises writers of that service date (PostgreSQL: ``SELECT
... FOR UPDATE`` on the ``service_days`` row; SQLite: ``BEGIN IMMEDIATE``), so
a re-check of an offer against the persisted plan cannot race another writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from dispatch.domain import Channel, LatLon, Ride, RideStatus, TripRequest
from dispatch.store import versions as versions  # the hooks that bump day versions on writes
from dispatch.store.base import IMMEDIATE
from dispatch.store.tables import EventRow, RideRow, ServiceDay


@contextmanager
def write_session(engine: Engine, service_date: date, *more_dates: date) -> Iterator[Session]:
    """Yield a session holding the writer lock of ``service_date``; commit on success.

    A change that spans days (a booking moved to another date) names them all in
    ``more_dates``; the locks are taken in date order, so two such changes cannot
    deadlock. On an exception the transaction is rolled back, so a refused change
    leaves the database as it was.
    """
    days = sorted({service_date, *more_dates})
    with change_session(engine) as session:
        for day in days:
            if engine.dialect.name == "postgresql":
                session.execute(
                    pg_insert(ServiceDay)
                    .values(service_date=day, version=0)
                    .on_conflict_do_nothing()
                )
                session.execute(
                    select(ServiceDay).where(ServiceDay.service_date == day).with_for_update()
                )
            elif session.get(ServiceDay, day) is None:
                session.add(ServiceDay(service_date=day, version=0))
                session.flush()
        yield session


@contextmanager
def change_session(engine: Engine) -> Iterator[Session]:
    """Yield a session in a writing transaction that needs no day lock; commit on success.

    On SQLite the transaction opens with ``BEGIN IMMEDIATE``: a deferred one
    that reads and then writes fails at once with "database is locked" when
    another writer committed in between (WAL cannot upgrade a stale snapshot),
    whereas an immediate one waits for the lock under the busy timeout.
    """
    bind = engine.execution_options(**{IMMEDIATE: True})
    with Session(bind=bind, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """Yield a session for reading; closing it releases (rolls back) the connection.

    Objects loaded stay usable after the block (they are detached, not expired).
    On PostgreSQL the session reads in autocommit: under READ COMMITTED every
    statement sees its own snapshot anyway, so a transaction around reads adds
    nothing but a ``BEGIN`` and a ``ROLLBACK``, two round trips per session.
    """
    bind = engine.execution_options(isolation_level="AUTOCOMMIT") if _is_pg(engine) else engine
    with Session(bind=bind, expire_on_commit=False) as session:
        yield session


def _is_pg(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def without_waiting_for_disk(session: Session) -> None:
    """Let the session's commit return before its log record is on disk (PostgreSQL).

    Only for rows a server crash may lose without harm: an offer, held for a few
    minutes, whose loss means its confirmation is refused (409, ask again). Others
    see the commit at once as usual, and it is on disk within a fraction of a
    second; on a busy disk the wait for it was a quarter of a quote's time.
    Bookings never use this.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def append_event(
    session: Session,
    kind: str,
    at: datetime,
    *,
    ride_id: str | None = None,
    vehicle_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Append one event to the log (the log is never updated)."""
    session.add(
        EventRow(at=at, kind=kind, ride_id=ride_id, vehicle_id=vehicle_id, payload=payload or {})
    )


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


def request_to_json(req: TripRequest) -> dict[str, Any]:
    """Return ``req`` as JSON-ready data (used to hold offers)."""
    return {
        "member_id": req.member_id,
        "pickup": [req.pickup.lat, req.pickup.lon],
        "dropoff": [req.dropoff.lat, req.dropoff.lon],
        "depart_at": _iso(req.depart_at),
        "arrive_by": _iso(req.arrive_by),
        "party_size": req.party_size,
        "wheelchairs": req.wheelchairs,
        "needs_extra_time": req.needs_extra_time,
        "pickup_label": req.pickup_label,
        "dropoff_label": req.dropoff_label,
        "channel": req.channel.value,
        "notes": req.notes,
        "rider_name": req.rider_name,
        "rider_phone": req.rider_phone,
    }


def request_from_json(data: dict[str, Any]) -> TripRequest:
    """Rebuild a ``TripRequest`` from ``request_to_json`` output."""
    return TripRequest(
        member_id=data["member_id"],
        pickup=LatLon(*data["pickup"]),
        dropoff=LatLon(*data["dropoff"]),
        depart_at=_dt(data.get("depart_at")),
        arrive_by=_dt(data.get("arrive_by")),
        party_size=int(data.get("party_size", 1)),
        wheelchairs=int(data.get("wheelchairs", 0)),
        needs_extra_time=bool(data.get("needs_extra_time", False)),
        pickup_label=data.get("pickup_label", ""),
        dropoff_label=data.get("dropoff_label", ""),
        channel=Channel(data.get("channel", "online")),
        notes=data.get("notes", ""),
        rider_name=data.get("rider_name", ""),
        rider_phone=data.get("rider_phone", ""),
    )


def fill_request(row: RideRow, req: TripRequest) -> None:
    """Copy every ``TripRequest`` field onto a ride row."""
    row.member_id = req.member_id
    row.pickup_lat, row.pickup_lon = req.pickup.lat, req.pickup.lon
    row.dropoff_lat, row.dropoff_lon = req.dropoff.lat, req.dropoff.lon
    row.depart_at, row.arrive_by = req.depart_at, req.arrive_by
    row.party_size, row.wheelchairs = req.party_size, req.wheelchairs
    row.needs_extra_time = req.needs_extra_time
    row.pickup_label, row.dropoff_label = req.pickup_label, req.dropoff_label
    row.channel = req.channel.value
    row.notes, row.rider_name, row.rider_phone = req.notes, req.rider_name, req.rider_phone


def request_of(row: RideRow) -> TripRequest:
    """Return the rider's original request stored on ``row``."""
    return TripRequest(
        member_id=row.member_id,
        pickup=LatLon(row.pickup_lat, row.pickup_lon),
        dropoff=LatLon(row.dropoff_lat, row.dropoff_lon),
        depart_at=row.depart_at,
        arrive_by=row.arrive_by,
        party_size=row.party_size,
        wheelchairs=row.wheelchairs,
        needs_extra_time=row.needs_extra_time,
        pickup_label=row.pickup_label,
        dropoff_label=row.dropoff_label,
        channel=Channel(row.channel),
        notes=row.notes,
        rider_name=row.rider_name,
        rider_phone=row.rider_phone,
    )


def ride_of(row: RideRow) -> Ride:
    """Return the domain ``Ride`` for ``row``."""
    return Ride(
        ride_id=row.id,
        request=request_of(row),
        status=RideStatus(row.status),
        pickup_window_start=row.pickup_window_start,
        pickup_window_end=row.pickup_window_end,
        latest_dropoff=row.latest_dropoff,
        vehicle_id=row.vehicle_id,
        estimated_pickup=row.estimated_pickup,
        estimated_dropoff=row.estimated_dropoff,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        late_cancellation=row.late_cancellation,
        picked_up_at=row.picked_up_at,
        dropped_off_at=row.dropped_off_at,
    )
