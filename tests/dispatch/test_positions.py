"""Where a moving vehicle is planned from: its plan, not only its last (stale) position."""

from __future__ import annotations

from sqlalchemy import Engine

from dispatch.domain import DriverTap, Offer
from tests.dispatch.helpers import (
    at,
    book,
    later,
    make_engine,
    trip,
    waiting_for_a_far_pickup,
)


def _after_first_drop_off(engine, clock, *later_trips):
    """Book a first ride from the depot to (10, 0) at 08:00 and ``later_trips``; the driver
    picks up at 08:00 and drops off at 08:11 (no position report). Returns the later rides.
    """
    first = book(engine, trip((10, 10), (10, 0), at(8)))
    rides = [book(engine, t) for t in later_trips]
    clock.set(at(8))
    engine.start_shift("V1")
    engine.driver_tap("V1", first.ride_id, DriverTap.BOARDED, tap_id="b1")
    clock.set(at(8, 11))
    engine.driver_tap("V1", first.ride_id, DriverTap.DROPPED_OFF, tap_id="d1")
    return first, rides


def test_cancellation_does_not_retime_a_moving_vehicle_from_its_stale_position(db: Engine) -> None:
    """Seen at its last drop-off 7 min ago, the vehicle is on its way: the pickup keeps its time."""
    engine, clock, _ = make_engine(db, vehicles=1)
    _, (second, later_ride) = _after_first_drop_off(
        engine, clock, trip((0, 0), (0, 10), at(8, 10)), trip((5, 5), (6, 6), at(15))
    )
    planned = engine.get_ride(second.ride_id).estimated_pickup
    clock.set(at(8, 18))  # no position report since the drop-off: it is driving
    engine.cancel(later_ride.ride_id, by="K000001")
    after = engine.get_ride(second.ride_id)
    assert after.estimated_pickup == planned
    assert after.estimated_pickup <= after.pickup_window_end


def test_cancelling_the_stop_a_vehicle_drives_to_does_not_delay_the_next(db: Engine) -> None:
    """The rider it is on its way to cancels: the following pickup gets no later."""
    engine, clock, _ = make_engine(db, vehicles=1)
    _, (second, third) = _after_first_drop_off(
        engine, clock, trip((0, 0), (0, 10), at(8, 10)), trip((0, 2), (0, 10), at(8, 20))
    )
    stops = [(s["kind"], s["ride_id"]) for s in engine.plan_stops("V1", at(8).date())]
    assert stops[:2] == [("pickup", second.ride_id), ("pickup", third.ride_id)]
    planned = engine.get_ride(third.ride_id).estimated_pickup
    clock.set(at(8, 18))
    engine.cancel(second.ride_id, by="K000001")
    after = engine.get_ride(third.ride_id)
    assert after.estimated_pickup <= planned
    assert after.estimated_pickup <= after.pickup_window_end


def test_a_report_showing_the_vehicle_behind_moves_the_next_pickup(db: Engine) -> None:
    """Still at its last drop-off 7 min later (a report says so): the next pickup is later."""
    engine, clock, _ = make_engine(db, vehicles=1)
    first, (second, later_ride) = _after_first_drop_off(
        engine, clock, trip((0, 0), (0, 10), at(8, 10)), trip((5, 5), (6, 6), at(15))
    )
    planned = engine.get_ride(second.ride_id).estimated_pickup
    clock.set(at(8, 18))
    engine.report_position("V1", first.request.dropoff.lat, first.request.dropoff.lon)
    engine.cancel(later_ride.ride_id, by="K000001")
    assert engine.get_ride(second.ride_id).estimated_pickup == later(at(8, 18), 10)
    assert planned < later(at(8, 18), 10)


def test_no_late_alert_for_a_vehicle_on_schedule_between_reports(db: Engine) -> None:
    """24 min into a 29-min drive with no report since the drop-off: on time, no alert."""
    engine, clock, bus = make_engine(db, vehicles=1, late_alert_s=300)
    _, (second,) = _after_first_drop_off(engine, clock, trip((0, 19), (0, 10), at(8, 30)))
    planned = engine.get_ride(second.ride_id).estimated_pickup
    clock.set(at(8, 35))
    assert engine.tick() == []
    alerts = [m.data for m in bus.replay("board", 0) or [] if m.data["type"] == "alert"]
    assert alerts == []
    assert engine.get_ride(second.ride_id).estimated_pickup == planned


def test_a_vehicle_waiting_for_its_first_stop_can_take_a_ride_nearby_first(db: Engine) -> None:
    """Its first pickup is three hours away: it is not locked yet, so a nearby ride fits."""
    engine, _, _, far = waiting_for_a_far_pickup(db)
    offer = engine.quote(trip((10, 11), (10, 13), at(8, 30)))
    assert isinstance(offer, Offer), offer
    assert offer.estimated_pickup <= later(at(8, 30), 5)
    ride = engine.confirm(offer.offer_id)
    stops = [(s["kind"], s["ride_id"]) for s in engine.plan_stops("V1", at(8).date())]
    assert stops[0] == ("pickup", ride.ride_id)
    after = engine.get_ride(far.ride_id)
    assert after.estimated_pickup is not None
    assert after.estimated_pickup <= after.pickup_window_end


def test_planning_start_cases() -> None:
    """Idle, waiting, on its way on time, behind within noise, and clearly behind."""
    from dispatch.whereabouts import Whereabouts, planning_start

    now = 1_000
    # never seen or no next stop: where it is, when it is ready
    assert planning_start(Whereabouts(3, now), 0, noise_s=60) == (3, now)
    assert planning_start(Whereabouts(3, now, seen_s=900), 0, noise_s=60) == (3, now)
    # already at the next stop
    assert planning_start(Whereabouts(3, now, 900, 3, 1_200), 0, noise_s=60) == (3, now)
    # the next stop starts at 5000 and is 600 s away: free to wait where it was seen
    assert planning_start(Whereabouts(3, now, 900, 7, 5_000), 600, noise_s=60) == (3, now)
    # seen at 700, 600 s from a stop starting at 1300: on its way, due there at 1300
    assert planning_start(Whereabouts(3, now, 700, 7, 1_300), 600, noise_s=60) == (7, 1_300)
    # the report says 1340: within the noise, the plan stands
    assert planning_start(Whereabouts(3, now, 740, 7, 1_300), 600, noise_s=60) == (7, 1_300)
    # the report says 1500: behind, planned from its estimate
    assert planning_start(Whereabouts(3, now, 900, 7, 1_300), 600, noise_s=60) == (7, 1_500)
    # overdue at the next stop with no tap yet: there now at the earliest
    assert planning_start(Whereabouts(3, now, 100, 7, 800), 600, noise_s=60) == (7, now)
