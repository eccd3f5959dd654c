"""乗車 tapped before the car reached the stop: the rider is on board, the car elsewhere.

The engine must plan that state (take the rider straight on), never raise out of a
re-plan, and keep the tablet's drop-off time true (issue 10).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from dispatch.adapter import ProblemBuilder
from dispatch.domain import DriverTap, RideStatus
from dispatch.store import read_session
from dispatch.store.tables import EventRow
from optimizer import check
from tests.dispatch.helpers import (
    DAY,
    at,
    book,
    make_engine,
    point,
    trip,
    waiting_for_a_far_pickup,
)


def _stored_plan_is_valid(engine, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with read_session(db) as s:
        b = ProblemBuilder(engine.travel, engine.config, engine.now())
        problem, plan = b.build(engine.load_day(s, DAY), live=True)
    assert check(problem, plan) == []


def _kinds(db: Engine) -> set[str]:
    with read_session(db) as s:
        return set(s.scalars(select(EventRow.kind)))


def test_boarded_before_the_car_reached_the_stop_replans(db: Engine) -> None:
    """The car waits at its depot for an 11:00 pickup; 乗車 is tapped at 08:05. The next
    background round re-plans (it raised 'CP Solver fail' from the routing model), the
    rider is taken straight to the drop-off (the plan held them on board until after
    11:00) and the tablet shows that time."""
    engine, clock, _bus, far = waiting_for_a_far_pickup(db)
    ride = engine.driver_tap("V1", far.ride_id, DriverTap.BOARDED, tap_id="t1")
    assert ride.status is RideStatus.ON_BOARD
    limit = at(8, 5) + timedelta(seconds=engine.config.ride_cap_s)
    assert ride.estimated_dropoff is not None and ride.estimated_dropoff < at(8, 30) < limit
    clock.set(at(8, 6))
    engine.tick()
    assert "replan.refused" not in _kinds(db)
    _stored_plan_is_valid(engine, db)
    drop = engine.vehicle_manifest("V1")["stops"][0]
    assert drop["kind"] == "dropoff"
    assert datetime.fromisoformat(drop["eta"]) < at(8, 30)


def test_a_mis_tap_that_breaks_the_ride_time_does_not_stop_the_day_re_planning(
    db: Engine,
) -> None:
    """乗車 at 08:05 while the car stays at its depot till 08:12 (the rider was not really
    in it): reality broke that rider's ride time, so no plan for this car passes the
    checker. The background round still re-plans the other car (every round was refused
    for the whole day), the late car's drop-off time on the tablet follows reality, and
    the drop-off tap still works."""
    engine, clock, _bus, far = waiting_for_a_far_pickup(db)
    engine.add_vehicle("V2", depot=point(10, 10), seats=4, name="神栖2号")
    engine.set_shift("V2", DAY, at(8), at(17))
    engine.start_shift("V2")
    engine.driver_tap("V1", far.ride_id, DriverTap.BOARDED, tap_id="t1")
    depot = point(10, 10)
    for minute in (6, 8, 12):
        clock.set(at(8, minute))
        engine.report_position("V1", depot.lat, depot.lon)
        engine.tick()
    other = book(engine, trip((12, 12), (15, 15), at(9)))
    engine.tick()
    assert "replan.refused" not in _kinds(db)
    assert engine.get_ride(other.ride_id).vehicle_id == "V2"
    drop = engine.vehicle_manifest("V1")["stops"][0]
    assert (drop["kind"], drop["ride_id"]) == ("dropoff", far.ride_id)
    # 15 minutes from the depot to the drop-off, seen there at 08:12
    assert datetime.fromisoformat(drop["eta"]) >= at(8, 27)
    engine.driver_tap("V1", far.ride_id, DriverTap.DROPPED_OFF, tap_id="t2")
    assert engine.get_ride(far.ride_id).status is RideStatus.COMPLETED
    assert engine.vehicle_manifest("V1")["stops"] == []


def test_a_car_overfilled_by_a_mis_tap_keeps_every_ride(db: Engine) -> None:
    """Two parties of 2 and 3 marked on board a 3-seat car (one 乗車 was for the wrong
    ride) with a third rider still to fetch: the re-timing after the tap wiped the car's
    whole plan, the third rider's pickup with it (found by the stateful test); now every
    stop stays planned and can be tapped."""
    engine, clock, _bus = make_engine(db, vehicles=1, seats=3)
    a = book(engine, trip((2, 2), (2, 8), at(9), party=2))
    c = book(engine, trip((3, 3), (4, 4), at(9, 30)))
    b = book(engine, trip((8, 8), (9, 9), at(10), party=3))
    clock.set(at(8))
    engine.start_shift("V1")
    clock.set(at(8, 55))
    for n, ride in enumerate((a, b)):
        engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id=f"a{n}")
        engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id=f"b{n}")
    stops = engine.plan_stops("V1", DAY)
    assert sorted(s["ride_id"] for s in stops if s["kind"] == "dropoff") == sorted(
        [a.ride_id, b.ride_id, c.ride_id]
    )
    assert [s["ride_id"] for s in stops if s["kind"] == "pickup"] == [c.ride_id]
    engine.tick()
    for n, ride in enumerate((a, b)):
        engine.driver_tap("V1", ride.ride_id, DriverTap.DROPPED_OFF, tap_id=f"d{n}")
        assert engine.get_ride(ride.ride_id).status is RideStatus.COMPLETED
