"""The dispatch engine: quotes, confirmations, cancellations and plans, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from dispatch.adapter import ProblemBuilder
from dispatch.domain import (
    IllegalTransition,
    NoCapacity,
    Offer,
    OfferExpired,
    OfferTaken,
    Refusal,
    RideStatus,
    UnknownRide,
)
from dispatch.store import read_session
from optimizer import check
from tests.dispatch.helpers import DAY, at, later, make_engine, point, trip


def _offer(engine, req) -> Offer:
    out = engine.quote(req)
    assert isinstance(out, Offer), out
    return out


def test_quote_and_confirm(db: Engine) -> None:
    """A quote promises a window around its estimate; confirming assigns a vehicle."""
    engine, _, _ = make_engine(db)
    offer = _offer(engine, trip((2, 2), (15, 15), at(9)))
    assert offer.pickup_window_start <= offer.estimated_pickup <= offer.pickup_window_end
    assert offer.pickup_window_start >= at(9)
    assert offer.estimated_dropoff <= offer.latest_dropoff
    ride = engine.confirm(offer.offer_id)
    assert ride.status is RideStatus.ASSIGNED
    assert ride.vehicle_id in {"V1", "V2"}
    assert ride.pickup_window_start == offer.pickup_window_start
    assert engine.get_ride(ride.ride_id) == ride
    assert [r.ride_id for r in engine.list_rides(member_id="K000001")] == [ride.ride_id]
    assert engine.list_rides(service_date=DAY + timedelta(days=1)) == []
    manifest = engine.vehicle_manifest(ride.vehicle_id)
    assert [s["kind"] for s in manifest["stops"]] == ["pickup", "dropoff"]
    assert manifest["stops"][0]["rider_name"] == "山田 花子"
    assert manifest["stops"][0]["route"]["type"] == "LineString"


def test_arrive_by_meets_deadline(db: Engine) -> None:
    """An arrive-by request is dropped off no later than the appointment."""
    engine, _, _ = make_engine(db)
    offer = _offer(engine, trip((2, 2), (15, 15), at(11), arrive=True))
    assert offer.latest_dropoff <= at(11)
    assert offer.estimated_dropoff <= at(11)


def test_confirm_is_idempotent(db: Engine) -> None:
    """The same idempotency key gives the same ride, once; the offer booked, any other
    confirmation of it is told so (with the ride it became), not given a second ride.
    """
    engine, _, _ = make_engine(db)
    offer = _offer(engine, trip((2, 2), (5, 5), at(9)))
    a = engine.confirm(offer.offer_id, idempotency_key="key-1")
    b = engine.confirm(offer.offer_id, idempotency_key="key-1")
    assert a.ride_id == b.ride_id
    for key in (None, "key-2"):
        with pytest.raises(OfferTaken) as taken:
            engine.confirm(offer.offer_id, idempotency_key=key)
        assert taken.value.ride_id == a.ride_id and taken.value.code == "offer_taken"
    assert len(engine.list_rides()) == 1


def test_expired_and_unknown_offers(db: Engine) -> None:
    """Offers expire after the hold time; unknown offers are refused."""
    engine, clock, _ = make_engine(db, offer_hold_s=60)
    offer = _offer(engine, trip((2, 2), (5, 5), at(9)))
    clock.advance(61)
    with pytest.raises(OfferExpired):
        engine.confirm(offer.offer_id)
    with pytest.raises(OfferExpired):
        engine.confirm("nope")
    assert engine.list_rides() == []


def test_refusals(db: Engine) -> None:
    """Outside the grid, in the past or with both times set, a quote is refused with reasons."""
    engine, _, _ = make_engine(db)
    out = engine.quote(trip((2, 2), (60, 60), at(9)))
    assert isinstance(out, Refusal) and out.code == "outside_boundary"
    assert out.message_ja
    out = engine.quote(trip((2, 2), (3, 3), at(6)))
    assert isinstance(out, Refusal) and out.code == "time_in_past"
    out = engine.quote(trip((2, 2), (3, 3), at(18)))
    assert isinstance(out, Refusal) and out.code == "no_capacity"
    assert out.alternatives, "an earlier time inside the shift should be offered"
    assert all(a.pickup_window_start < at(18) for a in out.alternatives)


def test_plan_passes_the_independent_checker(db: Engine) -> None:
    """After many bookings the persisted plan is feasible and keeps every promise."""
    engine, _, _ = make_engine(db, vehicles=2, seats=3)
    booked = 0
    for i in range(12):
        out = engine.quote(trip((i % 7, 2 + i % 5), (18 - i % 6, 15), later(at(8, 30), 10 * i)))
        if isinstance(out, Offer):
            engine.confirm(out.offer_id)
            booked += 1
    assert booked >= 6
    with read_session(db) as s:
        b = ProblemBuilder(engine.travel, engine.config, engine.now())
        problem, plan = b.build(engine.load_day(s, DAY), live=True)
    assert len(problem.promises) == booked
    assert check(problem, plan) == []


def test_last_place_concurrently(db: Engine) -> None:
    """Two confirmations of the last place at once: one ride and one NoCapacity."""
    engine, _, _ = make_engine(db, vehicles=1, seats=1, flex_s=300, promise_width_s=300)
    a = _offer(engine, trip((0, 0), (19, 19), at(9), member="K1"))
    b = _offer(engine, trip((0, 1), (19, 18), at(9), member="K2"))
    results: list[object] = []
    barrier = threading.Barrier(2)

    def go(offer_id: str) -> None:
        barrier.wait()
        try:
            results.append(engine.confirm(offer_id))
        except NoCapacity as exc:
            results.append(exc)

    threads = [threading.Thread(target=go, args=(o.offer_id,)) for o in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["NoCapacity", "Ride"]
    assert len(engine.list_rides()) == 1


def test_cancel(db: Engine) -> None:
    """Cancelling frees the vehicle; late cancellations are flagged; twice is refused."""
    engine, clock, _ = make_engine(db, late_cancel_notice_s=3600)
    early = engine.confirm(_offer(engine, trip((2, 2), (5, 5), at(12))).offer_id)
    soon = engine.confirm(_offer(engine, trip((3, 3), (6, 6), at(8, 30))).offer_id)
    out = engine.cancel(early.ride_id, by="K000001", reason="予定変更")
    assert out.status is RideStatus.CANCELLED and not out.late_cancellation
    clock.set(at(7, 45))
    out = engine.cancel(soon.ride_id, by="K000001")
    assert out.late_cancellation
    with pytest.raises(IllegalTransition):
        engine.cancel(soon.ride_id, by="K000001")
    with pytest.raises(UnknownRide):
        engine.cancel("R-none", by="op")
    for v in ("V1", "V2"):
        assert engine.vehicle_manifest(v)["stops"] == []


def test_restart_restores_state(db: Engine) -> None:
    """A new engine on the same database sees every ride and the same manifests."""
    engine, clock, _ = make_engine(db)
    ride = engine.confirm(_offer(engine, trip((2, 2), (5, 5), at(9))).offer_id)
    before = engine.vehicle_manifest(ride.vehicle_id)
    from dispatch.bus import InProcessBus
    from dispatch.engine import DispatchEngine

    bus = InProcessBus()
    again = DispatchEngine(engine.config, db=db, bus=bus, travel=engine.travel, clock=clock)
    assert again.get_ride(ride.ride_id) == ride
    after = again.vehicle_manifest(ride.vehicle_id)
    assert after["stops"] == before["stops"]
    assert after["plan_version"] == before["plan_version"]
    assert point(2, 2).lat == pytest.approx(after["stops"][0]["lat"])
