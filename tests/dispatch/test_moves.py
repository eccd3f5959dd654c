"""Manual move of a ride to another vehicle: promises kept, refusals clear, both plans saved."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, select

from dispatch.domain import (
    DriverTap,
    IllegalTransition,
    NoCapacity,
    RideStatus,
    UnknownRide,
    VehicleUnavailable,
)
from dispatch.store import read_session
from dispatch.store.tables import EventRow
from tests.dispatch.helpers import DAY, at, book, make_engine, trip


def _other(vid: str | None) -> str:
    return "V2" if vid == "V1" else "V1"


def _ride_ids(engine, vid: str) -> set[str]:
    return {s["ride_id"] for s in engine.plan_stops(vid, DAY) if s.get("ride_id")}


def test_move_keeps_promise_and_saves_both_plans(db: Engine) -> None:
    """The ride leaves its vehicle's plan, joins the target's, keeps its window; events logged."""
    engine, _, bus = make_engine(db)
    ride = book(engine, trip((2, 2), (5, 5), at(9)))
    source = ride.vehicle_id
    target = _other(source)
    before_seq = bus.replay("board", 0) or []
    moved = engine.move_ride(ride.ride_id, target, by="op1")
    assert moved.vehicle_id == target
    assert moved.status is RideStatus.ASSIGNED
    assert moved.pickup_window_start == ride.pickup_window_start
    assert moved.latest_dropoff == ride.latest_dropoff
    assert moved.pickup_window_start <= moved.estimated_pickup <= moved.pickup_window_end
    assert engine.get_ride(ride.ride_id).vehicle_id == target
    assert ride.ride_id in _ride_ids(engine, target)
    assert ride.ride_id not in _ride_ids(engine, str(source))
    with read_session(db) as s:
        ev = s.scalars(select(EventRow).where(EventRow.kind == "ride.moved")).one()
    assert ev.payload == {"from_vehicle_id": source, "to_vehicle_id": target, "by": "op1"}
    board = (bus.replay("board", 0) or [])[len(before_seq):]
    plans = {m.data["vehicle_id"] for m in board if m.data["type"] == "plan"}
    assert plans == {source, target}
    moves = [m.data for m in board if m.data["type"] == "ride"]
    assert [(m["ride_id"], m["vehicle_id"], m["from_vehicle_id"]) for m in moves] == [
        (ride.ride_id, target, source)
    ]
    tablet = [m.data for m in bus.replay(f"vehicle.{target}", 0) or []]
    assert any(m["type"] == "manifest" and m["stops"] for m in tablet)
    manifest = engine.vehicle_manifest(str(source))
    assert all(s["ride_id"] != ride.ride_id for s in manifest["stops"])


def test_move_inserts_among_other_rides(db: Engine) -> None:
    """Moving onto a busy vehicle keeps every ride already there within its promise."""
    engine, _, _ = make_engine(db)
    a = book(engine, trip((2, 2), (8, 8), at(9)))
    b = book(engine, trip((3, 3), (9, 9), at(12)))
    if a.vehicle_id == b.vehicle_id:  # the optimizer chained them: split them first
        b = engine.move_ride(b.ride_id, _other(b.vehicle_id), by="op1")
    assert a.vehicle_id != b.vehicle_id
    engine.move_ride(a.ride_id, str(b.vehicle_id), by="op1")
    for r in (engine.get_ride(a.ride_id), engine.get_ride(b.ride_id)):
        assert r.vehicle_id == b.vehicle_id
        assert r.estimated_pickup is not None
        assert r.pickup_window_start <= r.estimated_pickup <= r.pickup_window_end
        assert r.estimated_dropoff is not None and r.estimated_dropoff <= r.latest_dropoff
    assert _ride_ids(engine, str(b.vehicle_id)) == {a.ride_id, b.ride_id}


def test_move_refused_when_promise_cannot_be_kept(db: Engine) -> None:
    """A full target vehicle refuses with NoCapacity and nothing changes."""
    engine, _, _ = make_engine(db, seats=2)
    big = book(engine, trip((2, 2), (15, 15), at(9), party=2))
    other = book(engine, trip((2, 3), (15, 14), at(9), party=2))
    assert big.vehicle_id != other.vehicle_id  # two full cars at the same time
    with pytest.raises(NoCapacity) as err:
        engine.move_ride(big.ride_id, str(other.vehicle_id), by="op1")
    assert err.value.message_ja and err.value.message_en
    assert engine.get_ride(big.ride_id).vehicle_id == big.vehicle_id
    assert big.ride_id in _ride_ids(engine, str(big.vehicle_id))


def test_move_refusals(db: Engine) -> None:
    """Unknown ride or vehicle, same vehicle, a vehicle off shift, a rider already on board."""
    engine, clock, _ = make_engine(db, vehicles=3)
    engine.add_vehicle("V9", depot=engine.get_vehicle("V1").depot, seats=4, wheelchairs=0)
    ride = book(engine, trip((2, 2), (5, 5), at(9)))
    with pytest.raises(UnknownRide):
        engine.move_ride("nope", "V1", by="op1")
    with pytest.raises(UnknownRide):
        engine.move_ride(ride.ride_id, "V404", by="op1")
    with pytest.raises(IllegalTransition):
        engine.move_ride(ride.ride_id, str(ride.vehicle_id), by="op1")
    with pytest.raises(VehicleUnavailable) as err:
        engine.move_ride(ride.ride_id, "V9", by="op1")
    assert "V9" in err.value.message_ja
    target = next(v for v in ("V1", "V2", "V3") if v != ride.vehicle_id)
    clock.set(at(8, 45))
    vid = str(ride.vehicle_id)
    engine.start_shift(vid)
    engine.driver_tap(vid, ride.ride_id, DriverTap.ARRIVED, tap_id="t1")
    engine.driver_tap(vid, ride.ride_id, DriverTap.BOARDED, tap_id="t2")
    with pytest.raises(IllegalTransition) as bad:
        engine.move_ride(ride.ride_id, target, by="op1")
    assert "on_board" in bad.value.message_en
    assert engine.get_ride(ride.ride_id).vehicle_id == vid


def test_move_en_route_ride_on_the_day(db: Engine) -> None:
    """A ride the first vehicle is driving to can still go to a free vehicle (status reset)."""
    engine, clock, _ = make_engine(db)
    ride = book(engine, trip((2, 2), (5, 5), at(9)))
    clock.set(at(8, 30))
    engine.start_shift("V1")
    engine.start_shift("V2")
    first = engine.vehicle_manifest(str(ride.vehicle_id))["stops"][0]
    clock.set(max(clock.now(), datetime.fromisoformat(first["leave_at"])))
    engine.tick()  # the car sets off
    assert engine.get_ride(ride.ride_id).status is RideStatus.EN_ROUTE
    target = _other(ride.vehicle_id)
    moved = engine.move_ride(ride.ride_id, target, by="op1")
    assert moved.vehicle_id == target
    assert moved.status is RideStatus.EN_ROUTE  # the new vehicle's first pickup
    assert engine.vehicle_manifest(str(ride.vehicle_id))["stops"] == []


def test_move_gives_an_unassigned_ride_a_vehicle(db: Engine) -> None:
    """A ride left without a vehicle by a breakdown can be put on a vehicle that came on shift."""
    engine, clock, _ = make_engine(db, vehicles=1)
    engine.add_vehicle("V2", depot=engine.get_vehicle("V1").depot, seats=4, wheelchairs=1)
    ride = book(engine, trip((2, 2), (5, 5), at(10)))
    clock.set(at(8))
    engine.start_shift("V1")
    engine.breakdown("V1")
    lost = engine.get_ride(ride.ride_id)
    assert (lost.status, lost.vehicle_id) == (RideStatus.BOOKED, None)
    engine.set_shift("V2", DAY, at(8), at(17))
    moved = engine.move_ride(ride.ride_id, "V2", by="op1")
    assert (moved.status, moved.vehicle_id) in {
        (RideStatus.ASSIGNED, "V2"), (RideStatus.EN_ROUTE, "V2")
    }
    assert moved.pickup_window_start == ride.pickup_window_start
    assert ride.ride_id in _ride_ids(engine, "V2")
