"""A pickup is en route when its vehicle must set off for it, not as soon as it is next."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from dispatch.departures import must_set_off
from dispatch.domain import Offer, RideStatus
from dispatch.sim.drivers import SimFleet, utc
from dispatch.store import read_session
from optimizer.model import StopKind, StopRef
from tests.dispatch.helpers import (
    DAY,
    at,
    book,
    make_engine,
    point,
    trip,
    waiting_for_a_far_pickup,
)


def _waiting_for_a_far_pickup(db: Engine):  # type: ignore[no-untyped-def]
    """The waiting car and its far pickup, with the time the car must set off for it."""
    engine, clock, bus, far = waiting_for_a_far_pickup(db)
    first = engine.vehicle_manifest("V1")["stops"][0]
    return engine, clock, bus, far, datetime.fromisoformat(first["leave_at"])


def _statuses(bus, ride_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    msgs = bus.replay("vehicle.V1", 0) or []
    rides = [m.data for m in msgs if m.data["type"] == "ride"]
    return [d["status"] for d in rides if d["ride_id"] == ride_id]


def test_a_waiting_car_sets_off_at_its_leave_time(db: Engine) -> None:
    """Hours before the pickup the ride stays assigned; a report at the leave time makes it
    en route, and the tablet and the rider's stream are told once."""
    engine, clock, bus, far, leave = _waiting_for_a_far_pickup(db)
    assert engine.get_ride(far.ride_id).status is RideStatus.ASSIGNED
    assert at(10) < leave < at(11)  # the drive is well under an hour
    clock.set(leave - timedelta(minutes=10))
    depot = point(10, 10)
    engine.report_position("V1", depot.lat, depot.lon)
    assert engine.get_ride(far.ride_id).status is RideStatus.ASSIGNED
    clock.set(leave - timedelta(seconds=30))  # within the lead
    engine.report_position("V1", depot.lat, depot.lon)
    assert engine.get_ride(far.ride_id).status is RideStatus.EN_ROUTE
    engine.report_position("V1", depot.lat, depot.lon)
    assert _statuses(bus, far.ride_id) == ["assigned", "en_route"]
    assert engine.vehicle_manifest("V1")["stops"][0]["ride_status"] == "en_route"


def test_the_background_round_marks_a_car_that_set_off_without_a_report(db: Engine) -> None:
    """No report after the leave time: the next round of the loop marks the ride."""
    engine, clock, _, far, leave = _waiting_for_a_far_pickup(db)
    clock.set(leave + timedelta(minutes=2))
    assert engine.get_ride(far.ride_id).status is RideStatus.ASSIGNED
    engine.tick()
    ride = engine.get_ride(far.ride_id)
    assert (ride.status, ride.vehicle_id) == (RideStatus.EN_ROUTE, "V1")


def test_a_car_seen_driving_keeps_its_pickup_before_the_status_says_so(db: Engine) -> None:
    """Past its leave time the car is taken to be driving: its next pickup is locked for
    the optimizer even while the ride still reads assigned; before, it is free."""
    engine, clock, _, far, leave = _waiting_for_a_far_pickup(db)
    pickup = StopRef(far.ride_id, StopKind.PICKUP)

    def locked() -> tuple[StopRef, ...]:
        with read_session(engine.db) as s:
            problem, _ = engine.builder().build(engine.load_day(s, DAY), live=True)
        return {st.vehicle_id: st for st in problem.states}["V1"].locked

    assert pickup not in locked()
    clock.set(leave + timedelta(minutes=2))
    assert engine.get_ride(far.ride_id).status is RideStatus.ASSIGNED
    assert pickup in locked()


def test_must_set_off() -> None:
    """Due from the lead before the leave time; an old plan without one counts as due."""
    assert not must_set_off({"leave_s": 1_000}, 900, 60)
    assert must_set_off({"leave_s": 1_000}, 940, 60)
    assert must_set_off({"leave_s": 1_000}, 1_200, 60)
    assert must_set_off({}, 0, 60)


def test_a_new_plan_for_a_car_on_its_way_keeps_its_set_off_time(db: Engine) -> None:
    """Past its leave time a booking re-plans the car from the stop it drives to: the plan
    still says it left at the leave time (not on arrival), so the ride is en route at once."""
    engine, clock, _, far, leave = _waiting_for_a_far_pickup(db)
    clock.set(leave + timedelta(minutes=2))
    offer = engine.quote(trip((10, 11), (10, 13), at(15)))
    assert isinstance(offer, Offer), offer
    engine.confirm(offer.offer_id)
    assert engine.get_ride(far.ride_id).status is RideStatus.EN_ROUTE
    first = engine.vehicle_manifest("V1")["stops"][0]
    assert first["ride_id"] == far.ride_id
    assert datetime.fromisoformat(first["leave_at"]) == leave


def test_a_car_re_planned_on_the_road_keeps_the_time_it_set_off(db: Engine) -> None:
    """Seen on the road, on time, then re-planned by a booking: the plan still says the car
    left at its leave time, not at the latest time to leave the point it was seen at, and
    the simulated driver (who sets off at the plan's leave time) stays on time (issue 14:
    each re-plan moved the leave time later, the driver was then seen behind where it was,
    and the engine, believing the report, picked the rider up after the promised window)."""
    engine, clock, _ = make_engine(db, vehicles=1)
    far = book(engine, trip((0, 0), (0, 5), at(11)))
    fleet = SimFleet(engine, DAY, position_every_s=300)
    clock.set(at(8))
    fleet.step(at(8))
    first = engine.plan_stops("V1", DAY)[0]
    assert first["ride_id"] == far.ride_id
    leave_s, start_s = int(first["leave_s"]), int(first["start_s"])
    assert start_s - leave_s > 900  # a long drive, with several reports on the way
    now_s = int(at(8, 1).timestamp())
    booked = False
    etas = []
    while now_s < start_s:
        clock.set(utc(now_s))
        fleet.step(clock.now())
        seen = engine.get_vehicle("V1").position
        if not booked and seen is not None and now_s > leave_s + 300:
            # a booking after a report on the road re-plans the car on its way
            depot = point(10, 10)
            assert (seen.lat, seen.lon) != pytest.approx((depot.lat, depot.lon))
            book(engine, trip((0, 5), (0, 8), at(12)))
            booked = True
        if booked:  # when the engine would plan the car to reach its pickup now
            with read_session(engine.db) as s:
                problem, _ = engine.builder().build(engine.load_day(s, DAY), live=True)
            etas.append({st.vehicle_id: st for st in problem.states}["V1"].available_at_s)
        now_s += 60
    assert booked and etas
    assert max(etas) == start_s  # never seen behind its plan
    first = engine.vehicle_manifest("V1")["stops"][0]
    assert datetime.fromisoformat(first["leave_at"]) == utc(leave_s)
