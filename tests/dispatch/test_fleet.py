"""Fleet events: shifts, driver taps (idempotent), breakdowns and late-promise alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from dispatch.domain import (
    DriverTap,
    IllegalTransition,
    Offer,
    RideStatus,
    UnknownRide,
    VehicleStatus,
)
from tests.dispatch.helpers import DAY, at, book, make_engine, trip


def test_driver_day(db: Engine) -> None:
    """Start, arrive, board, drop off: statuses, plan and manifest follow; taps are idempotent."""
    engine, clock, bus = make_engine(db, vehicles=1)
    ride = book(engine, trip((2, 2), (5, 5), at(8, 30)))
    clock.set(at(8))
    info = engine.start_shift("V1")
    assert info.status is VehicleStatus.SERVING
    # the car waits at its depot until it must set off for the 08:30 pickup
    assert engine.get_ride(ride.ride_id).status is RideStatus.ASSIGNED
    leave = datetime.fromisoformat(engine.vehicle_manifest("V1")["stops"][0]["leave_at"])
    assert at(8) < leave < at(8, 30)
    clock.set(leave - timedelta(minutes=5))
    engine.tick()
    assert engine.get_ride(ride.ride_id).status is RideStatus.ASSIGNED
    clock.set(leave)
    engine.tick()
    assert engine.get_ride(ride.ride_id).status is RideStatus.EN_ROUTE
    with pytest.raises(IllegalTransition):
        engine.driver_tap("V1", ride.ride_id, DriverTap.DROPPED_OFF, tap_id="t0")
    assert engine.get_ride(ride.ride_id).status is RideStatus.EN_ROUTE
    clock.set(at(8, 30))
    r = engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="t1")
    assert r.status is RideStatus.ARRIVED
    r = engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id="t2")
    assert r.status is RideStatus.ON_BOARD
    again = engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id="t2")
    assert again.status is RideStatus.ON_BOARD
    kinds = [s["kind"] for s in engine.vehicle_manifest("V1")["stops"]]
    assert kinds == ["dropoff"]
    clock.set(at(8, 45))
    r = engine.driver_tap("V1", ride.ride_id, DriverTap.DROPPED_OFF, tap_id="t3")
    assert r.status is RideStatus.COMPLETED
    assert engine.vehicle_manifest("V1")["stops"] == []
    assert engine.get_vehicle("V1").status is VehicleStatus.AVAILABLE
    with pytest.raises(UnknownRide):
        engine.driver_tap("V2", ride.ride_id, DriverTap.ARRIVED, tap_id="t4")
    msgs = bus.replay("vehicle.V1", 0) or []
    ride_msgs = [m.data["status"] for m in msgs if m.data["type"] == "ride"]
    assert ride_msgs == ["assigned", "en_route", "arrived", "on_board", "completed"]
    assert engine.end_shift("V1").status is VehicleStatus.OFF_SHIFT


def test_no_show(db: Engine) -> None:
    """A no-show needs an arrival first and raises an alert on the board."""
    engine, clock, bus = make_engine(db, vehicles=1)
    ride = book(engine, trip((2, 2), (5, 5), at(8, 30)))
    clock.set(at(8))
    engine.start_shift("V1")
    with pytest.raises(IllegalTransition):
        engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="n0")
    clock.set(at(8, 30))  # not before the pickup window opens (dispatch.taps)
    engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="n1")
    r = engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="n2")
    assert r.status is RideStatus.NO_SHOW
    alerts = [m.data for m in bus.replay("board", 0) or [] if m.data["type"] == "alert"]
    assert [a["kind"] for a in alerts] == ["no_show"]
    snapshot = engine.board_snapshot()
    assert [(a["kind"], a["ride_id"]) for a in snapshot["alerts"]] == [("no_show", ride.ride_id)]


def test_end_shift_refused_with_rides(db: Engine) -> None:
    """A driver cannot end the day while rides are still assigned."""
    engine, clock, _ = make_engine(db, vehicles=1)
    book(engine, trip((2, 2), (5, 5), at(9)))
    clock.set(at(8))
    engine.start_shift("V1")
    with pytest.raises(IllegalTransition):
        engine.end_shift("V1")


def test_breakdown_moves_rides(db: Engine) -> None:
    """A broken vehicle's waiting rides move to another vehicle, keeping their promise."""
    engine, clock, _ = make_engine(db, vehicles=2)
    ride = book(engine, trip((2, 2), (5, 5), at(10)))
    clock.set(at(8))
    engine.start_shift("V1")
    engine.start_shift("V2")
    broken = ride.vehicle_id
    assert broken is not None
    engine.breakdown(broken)
    moved = engine.get_ride(ride.ride_id)
    assert moved.vehicle_id not in (None, broken)
    assert moved.pickup_window_start == ride.pickup_window_start
    assert engine.vehicle_manifest(broken)["stops"] == []


def test_breakdown_at_the_door_moves_the_waiting_rider(db: Engine) -> None:
    """A car that breaks down after 到着 (the rider not yet in): the ride goes to another car."""
    engine, clock, _ = make_engine(db, vehicles=2)
    ride = book(engine, trip((2, 2), (5, 5), at(10)))
    clock.set(at(8))
    engine.start_shift("V1")
    engine.start_shift("V2")
    broken = ride.vehicle_id
    assert broken is not None
    clock.set(at(10))
    engine.driver_tap(broken, ride.ride_id, DriverTap.ARRIVED, tap_id="t-arrived")
    assert engine.get_ride(ride.ride_id).status is RideStatus.ARRIVED
    engine.breakdown(broken)
    moved = engine.get_ride(ride.ride_id)
    assert moved.status in {RideStatus.ASSIGNED, RideStatus.BOOKED}
    assert moved.vehicle_id != broken
    assert engine.vehicle_manifest(broken)["stops"] == []


def test_late_vehicle_alerts_once(db: Engine) -> None:
    """A vehicle far behind breaks a promise: one alert with a new time, not repeated."""
    engine, clock, bus = make_engine(db, vehicles=1, late_alert_s=120)
    ride = book(engine, trip((2, 2), (5, 5), at(8, 30)))
    clock.set(at(8))
    engine.start_shift("V1")
    assert engine.tick() == []
    engine.report_delay("V1", 3600)
    alerts = [m.data for m in bus.replay("board", 0) or [] if m.data["type"] == "alert"]
    assert [(a["kind"], a["ride_id"]) for a in alerts] == [("late", ride.ride_id)]
    assert alerts[0]["new_pickup"] > engine.get_ride(ride.ride_id).pickup_window_end.isoformat()
    assert engine.tick() == []


def test_break(db: Engine) -> None:
    """A shift's break is planned, taken by the driver, and the plan waits for it."""
    engine, clock, _ = make_engine(db, vehicles=1)
    engine.set_shift("V1", DAY, at(8), at(17), break_earliest=at(11, 30),
                     break_latest=at(13), break_duration_s=2700)
    book(engine, trip((2, 2), (5, 5), at(14)))
    kinds = [s["kind"] for s in engine.vehicle_manifest("V1")["stops"]]
    assert "break" in kinds
    clock.set(at(11, 40))
    engine.start_shift("V1")
    info = engine.start_break("V1")
    assert info.status is VehicleStatus.ON_BREAK
    assert "break" not in [s["kind"] for s in engine.vehicle_manifest("V1")["stops"]]
    offer = engine.quote(trip((10, 10), (12, 12), at(12, 10)))
    assert isinstance(offer, Offer)
    assert offer.estimated_pickup >= at(12, 25)
    clock.set(at(12, 25))
    assert engine.end_break("V1").status is VehicleStatus.SERVING  # it has rides to serve
    with pytest.raises(IllegalTransition):
        engine.end_break("V1")
