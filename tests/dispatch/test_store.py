"""Dispatch tables and sessions behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from dispatch.domain import Channel, LatLon, RideStatus, TripRequest
from dispatch.store import change_session, read_session, write_session
from dispatch.store.repo import (
    append_event,
    fill_request,
    request_from_json,
    request_to_json,
    ride_of,
)
from dispatch.store.tables import EventRow, RideRow, ServiceDay, VehicleRow

DAY = date(2026, 12, 1)
T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
REQ = TripRequest(
    member_id="K000001",
    pickup=LatLon(35.9, 140.66),
    dropoff=LatLon(35.93, 140.64),
    depart_at=T0 + timedelta(hours=1),
    party_size=2,
    wheelchairs=1,
    needs_extra_time=True,
    pickup_label="自宅",
    dropoff_label="神栖済生会病院",
    channel=Channel.PHONE,
    notes="杖あり",
    rider_name="山田 花子",
    rider_phone="0299-00-0000",
)


def _ride_row(ride_id: str, key: str | None = None) -> RideRow:
    row = RideRow(
        id=ride_id,
        status=RideStatus.BOOKED.value,
        service_date=DAY,
        pickup_window_start=T0 + timedelta(hours=1),
        pickup_window_end=T0 + timedelta(hours=1, minutes=15),
        latest_dropoff=T0 + timedelta(hours=2),
        created_at=T0,
        idempotency_key=key,
    )
    fill_request(row, REQ)
    return row


def test_ride_round_trip(db: Engine) -> None:
    """Every request field and the promise come back equal and UTC-aware."""
    with write_session(db, DAY) as s:
        s.add(_ride_row("R1"))
    with read_session(db) as s:
        row = s.get(RideRow, "R1")
        assert row is not None
        ride = ride_of(row)
    assert ride.request == REQ
    assert ride.status is RideStatus.BOOKED
    assert ride.pickup_window_start == T0 + timedelta(hours=1)
    assert ride.pickup_window_start.tzinfo is not None


def test_request_json_round_trip() -> None:
    """Held offers keep the request exactly."""
    assert request_from_json(request_to_json(REQ)) == REQ


def test_idempotency_key_is_unique(db: Engine) -> None:
    """Two rides cannot share an idempotency key; the failed write stores nothing."""
    with write_session(db, DAY) as s:
        s.add(_ride_row("R1", key="k-1"))
    with pytest.raises(IntegrityError), write_session(db, DAY) as s:
        s.add(_ride_row("R2", key="k-1"))
    with read_session(db) as s:
        assert s.get(RideRow, "R2") is None


def test_naive_datetime_refused(db: Engine) -> None:
    """Storing a naive datetime is a programming error caught at the edge."""
    with pytest.raises(Exception, match="timezone-aware"), write_session(db, DAY) as s:
        s.add(
            VehicleRow(
                id="V1", depot_lat=35.9, depot_lon=140.6, created_at=datetime(2026, 1, 1)
            )
        )


def test_events_append(db: Engine) -> None:
    """Events are stored with their payload."""
    with write_session(db, DAY) as s:
        append_event(s, "ride.booked", T0, ride_id="R1", payload={"vehicle": "V1"})
        append_event(s, "vehicle.position", T0, vehicle_id="V1", payload={"lat": 35.9})
    with read_session(db) as s:
        rows = s.scalars(select(EventRow).order_by(EventRow.id)).all()
    assert [r.kind for r in rows] == ["ride.booked", "vehicle.position"]
    assert rows[0].payload == {"vehicle": "V1"}


def test_writers_of_a_day_are_serialised(db: Engine) -> None:
    """Two threads doing read-modify-write under the day lock never lose an update."""
    with write_session(db, DAY):
        pass
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            with write_session(db, DAY) as s:
                row = s.get(ServiceDay, DAY)
                assert row is not None
                seen = row.version
                time.sleep(0.2)
                row.version = seen + 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with read_session(db) as s:
        row = s.get(ServiceDay, DAY)
        assert row is not None
        assert row.version == 3


def test_change_waits_for_a_concurrent_writer(db: Engine) -> None:
    """A read-then-write change begun while another writer holds the lock waits, then succeeds.

    On SQLite a deferred transaction that has read fails at once ("database is
    locked") once the other writer commits; the change session must not.
    """
    with change_session(db) as s:
        s.add(VehicleRow(id="V1", name="1号", seats=4, wheelchairs=0, status="off_shift",
                         delay_s=0, depot_lat=35.9, depot_lon=140.6, created_at=T0))
    holding, errors = threading.Event(), []

    def other_writer() -> None:
        try:
            with write_session(db, DAY) as s:
                append_event(s, "other", T0)
                s.flush()
                holding.set()
                time.sleep(0.5)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            holding.set()

    t = threading.Thread(target=other_writer)
    t.start()
    holding.wait(5)
    with change_session(db) as s:
        row = s.get(VehicleRow, "V1")
        assert row is not None
        row.seats = 6
        append_event(s, "vehicle.saved", T0, vehicle_id="V1")
    t.join()
    assert not errors
    with read_session(db) as s:
        assert s.get(VehicleRow, "V1").seats == 6  # type: ignore[union-attr]
        kinds = sorted(r.kind for r in s.scalars(select(EventRow)))
    assert kinds == ["other", "vehicle.saved"]
