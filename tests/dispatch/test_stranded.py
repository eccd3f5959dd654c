"""Stranded rides: a ride no vehicle could take at a breakdown is placed later, or alerted once."""

from __future__ import annotations

from sqlalchemy import Engine, select

from dispatch.domain import Offer, Ride, RideStatus
from dispatch.replan import replan
from dispatch.store import read_session
from dispatch.store.tables import EventRow
from dispatch.stranded import place_stranded
from tests.dispatch.helpers import DAY, at, later, make_engine, point, trip


def _strand(db: Engine):
    """One vehicle, one ride at 10:00, the vehicle breaks down at 08:00: the ride is stranded."""
    engine, clock, bus = make_engine(db, vehicles=1, reoptimize_time_limit_s=0.2)
    offer = engine.quote(trip((2, 2), (5, 5), at(10)))
    assert isinstance(offer, Offer), offer
    ride = engine.confirm(offer.offer_id)
    clock.set(at(8))
    engine.start_shift("V1")
    engine.breakdown("V1")
    stranded = engine.get_ride(ride.ride_id)
    assert stranded.vehicle_id is None
    assert stranded.status is RideStatus.BOOKED
    return engine, clock, bus, ride


def _board(bus, kind: str) -> list[dict]:
    return [m.data for m in bus.replay("board", 0) or [] if m.data["type"] == kind]


def _kinds(bus) -> list[str]:
    return [a["kind"] for a in _board(bus, "alert")]


def test_shift_that_starts_places_the_ride(db: Engine) -> None:
    """A vehicle whose shift keeps the promise takes the ride; one too late for it does not."""
    engine, _clock, bus, ride = _strand(db)
    engine.add_vehicle("V2", depot=point(10, 10), seats=4, name="神栖2号")
    engine.set_shift("V2", DAY, at(12), at(17))  # starts after the promised pickup
    engine.tick()
    assert engine.get_ride(ride.ride_id).vehicle_id is None
    assert _board(bus, "placed") == []
    engine.set_shift("V2", DAY, at(8), at(17))
    engine.tick()
    placed = engine.get_ride(ride.ride_id)
    assert placed.vehicle_id == "V2"
    assert placed.status in (RideStatus.ASSIGNED, RideStatus.EN_ROUTE)
    assert (placed.pickup_window_start, placed.pickup_window_end) == (
        ride.pickup_window_start, ride.pickup_window_end)
    assert placed.latest_dropoff == ride.latest_dropoff
    assert placed.estimated_pickup is not None
    assert ride.pickup_window_start <= placed.estimated_pickup <= ride.pickup_window_end
    assert [(m["ride_id"], m["vehicle_id"]) for m in _board(bus, "placed")] == [
        (ride.ride_id, "V2")]
    manifests = [m.data for m in bus.replay("vehicle.V2", 0) or [] if m.data["type"] == "manifest"]
    assert ride.ride_id in {s["ride_id"] for s in manifests[-1]["stops"]}
    engine.tick()
    assert len(_board(bus, "placed")) == 1
    assert "stranded" not in _kinds(bus)


def test_vehicle_back_in_service_takes_its_ride_back(db: Engine) -> None:
    """The repaired vehicle comes back into service; the next round gives it the ride."""
    engine, clock, _bus, ride = _strand(db)
    assert place_stranded(engine, DAY) == []  # nothing in service yet
    clock.set(later(at(8), 10))
    engine.start_shift("V1")
    assert place_stranded(engine, DAY) == [ride.ride_id]
    assert engine.get_ride(ride.ride_id).vehicle_id == "V1"
    assert place_stranded(engine, DAY) == []


def test_window_passed_alerts_once(db: Engine) -> None:
    """No vehicle until the promised window passed: one ``stranded`` alert, kept for the board."""
    engine, clock, bus, ride = _strand(db)
    assert _kinds(bus) == ["unassigned"]
    engine.tick()
    assert "stranded" not in _kinds(bus)
    clock.set(later(ride.pickup_window_end, 1))
    engine.tick()
    engine.tick()
    alerts = [a for a in _board(bus, "alert") if a["kind"] == "stranded"]
    assert [a["ride_id"] for a in alerts] == [ride.ride_id]
    snapshot = engine.board_snapshot()
    assert ("stranded", ride.ride_id) in {(a["kind"], a["ride_id"]) for a in snapshot["alerts"]}
    still: Ride = engine.get_ride(ride.ride_id)
    assert still.vehicle_id is None


def test_replan_still_runs_while_a_ride_is_stranded(db: Engine) -> None:
    """A stranded ride does not make every background re-plan fail the checker."""
    engine, clock, _bus, ride = _strand(db)
    engine.add_vehicle("V2", depot=point(10, 10), seats=4, name="神栖2号")
    engine.set_shift("V2", DAY, at(12), at(17))  # cannot take the 10:00 ride
    other = engine.quote(trip((3, 3), (8, 8), at(13)))
    assert isinstance(other, Offer), other
    engine.confirm(other.offer_id)
    clock.set(later(ride.pickup_window_end, 1))
    engine.tick()
    assert replan(engine, DAY, time_limit_s=0.2) == []
    with read_session(db) as s:
        kinds = set(s.scalars(select(EventRow.kind)))
    assert "replan.refused" not in kinds
    assert "ride.stranded" in kinds


def test_cancellation_frees_room(db: Engine) -> None:
    """The only other vehicle is busy at the promised time; a cancellation lets it take the ride."""
    engine, clock, bus = make_engine(db, vehicles=1, reoptimize_time_limit_s=0.2)
    first = engine.quote(trip((2, 2), (2, 19), at(10)))
    assert isinstance(first, Offer), first
    ride = engine.confirm(first.offer_id)
    engine.add_vehicle("V2", depot=point(10, 10), seats=4, name="神栖2号")
    engine.set_shift("V2", DAY, at(8), at(17))
    big = engine.quote(trip((2, 2), (19, 2), at(10), party=4))
    assert isinstance(big, Offer), big
    busy = engine.confirm(big.offer_id)
    assert (ride.vehicle_id, busy.vehicle_id) == ("V1", "V2")
    clock.set(at(8))
    engine.start_shift("V1")
    engine.start_shift("V2")
    engine.breakdown("V1")
    assert engine.get_ride(ride.ride_id).vehicle_id is None
    engine.tick()
    assert engine.get_ride(ride.ride_id).vehicle_id is None
    engine.cancel(busy.ride_id, by="member")
    engine.tick()
    assert engine.get_ride(ride.ride_id).vehicle_id == "V2"
    assert [m["ride_id"] for m in _board(bus, "placed")] == [ride.ride_id]
