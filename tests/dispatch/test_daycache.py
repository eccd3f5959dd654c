"""The service day kept in memory: current after every kind of write, across processes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from dispatch.bus import InProcessBus
from dispatch.clock import SimClock
from dispatch.config import EngineConfig
from dispatch.daycache import Locations
from dispatch.domain import DriverTap, Offer, RideStatus
from dispatch.engine import DispatchEngine
from dispatch.store import make_engine as make_db
from dispatch.store import read_session
from dispatch.store.versions import read_version
from tests.dispatch.helpers import CITY, DAY, at, make_engine, point, trip


@pytest.fixture
def other_db(db: Engine) -> Iterator[Engine]:
    """A second connection pool on the same database: another API process's view."""
    second = make_db(db.url.render_as_string(hide_password=False))
    yield second
    second.dispose()


def _second(db: Engine, clock: SimClock) -> DispatchEngine:
    return DispatchEngine(EngineConfig(), db=db, bus=InProcessBus(), travel=CITY, clock=clock)


def _offer(engine: DispatchEngine, req: Any) -> Offer:
    out = engine.quote(req)
    assert isinstance(out, Offer), out
    return out


def _picture(engine: DispatchEngine, *, cached: bool) -> dict[str, Any]:
    """What the optimizer is given of DAY: from the kept day, or read afresh."""
    with read_session(engine.db) as s:
        data = engine.cached_day(s, DAY) if cached else engine.load_day(s, DAY)
    rides = [
        (r.id, r.status, r.vehicle_id, r.estimated_pickup, r.estimated_dropoff,
         r.pickup_window_start, r.picked_up_at)
        for r in data.rides
    ]
    plans = {vid: (p.version, p.stops) for vid, p in data.plans.items()}
    vehicles = [(v.id, v.status, v.lat, v.lon, v.delay_s) for v in data.vehicles]
    shifts = {vid: (sh.start_at, sh.end_at) for vid, sh in data.shifts.items()}
    return {"rides": rides, "plans": plans, "vehicles": vehicles, "shifts": shifts}


def _same_as_stored(*engines: DispatchEngine) -> None:
    for e in engines:
        assert _picture(e, cached=True) == _picture(e, cached=False)


def test_a_second_process_sees_a_booking_before_quoting(db: Engine, other_db: Engine) -> None:
    """Process B, whose day is in memory, quotes around the ride A just booked (no overbooking)."""
    a, clock, _ = make_engine(db, vehicles=1)
    b = _second(other_db, clock)
    req = trip((2, 2), (15, 15), at(9), party=4)
    before = _offer(b, req)  # B keeps the empty day
    assert b.days is not None and b.days.version(DAY) is not None
    ride_a = a.confirm(_offer(a, req).offer_id)
    assert ride_a.status is RideStatus.ASSIGNED
    after = b.quote(trip((2, 2), (15, 15), at(9), party=4, member="K000002"))
    # the only car is full while A's party rides: B cannot offer the same time again
    if isinstance(after, Offer):
        assert after.pickup_window_start != before.pickup_window_start
        ride_b = b.confirm(after.offer_id)
        assert ride_b.estimated_pickup is not None and ride_a.estimated_dropoff is not None
        assert ride_b.estimated_pickup >= ride_a.estimated_dropoff
    _same_as_stored(a, b)


def test_a_stale_offer_of_another_process_is_refused_at_confirm(
    db: Engine, other_db: Engine
) -> None:
    """Two processes offer the last place at once: one ride, one refusal with alternatives."""
    a, clock, _ = make_engine(db, vehicles=1)
    b = _second(other_db, clock)
    req = trip((2, 2), (15, 15), at(9), party=4)
    offer_a, offer_b = _offer(a, req), _offer(b, trip((2, 2), (15, 15), at(9), party=4,
                                                      member="K000002"))
    a.confirm(offer_a.offer_id)
    with pytest.raises(Exception) as err:
        b.confirm(offer_b.offer_id)
    assert getattr(err.value, "code", "") == "no_capacity"
    _same_as_stored(a, b)


def test_every_kind_of_write_reaches_both_views(db: Engine, other_db: Engine) -> None:
    """Booking, cancel, modify, fleet changes and taps: both processes' kept day stays exact."""
    a, clock, _ = make_engine(db, vehicles=2)
    b = _second(other_db, clock)
    _same_as_stored(a, b)
    versions: list[int] = []

    def step() -> None:
        _same_as_stored(a, b)
        with db.connect() as conn:
            versions.append(read_version(conn, DAY))

    r1 = a.confirm(_offer(a, trip((2, 2), (15, 15), at(9))).offer_id)  # booking (A)
    step()
    r2 = b.confirm(_offer(b, trip((3, 3), (12, 12), at(10), member="K2")).offer_id)  # (B)
    step()
    b.cancel(r2.ride_id, by="K2")  # cancel by the other process
    step()
    new = _offer(a, trip((2, 2), (16, 16), at(9, 30)))
    r1b = a.confirm(new.offer_id, replaces=r1.ride_id)  # modify
    step()
    b.set_shift("V2", DAY, at(8), at(12))  # fleet change by the other process
    step()
    clock.set(at(8))
    a.start_shift("V1")
    a.start_shift("V2")
    step()
    vid = a.get_ride(r1b.ride_id).vehicle_id
    assert vid is not None
    a.report_position(vid, point(10, 10).lat, point(10, 10).lon)
    step()
    clock.set(at(9, 30))
    stop = a.plan_stops(vid, DAY)[0]
    lat, lon = CITY.node_latlon(int(stop["node"]))
    a.report_position(vid, lat, lon)
    b.driver_tap(vid, r1b.ride_id, DriverTap.ARRIVED, tap_id="t1")  # taps
    step()
    a.driver_tap(vid, r1b.ride_id, DriverTap.BOARDED, tap_id="t2")
    step()
    assert a.get_ride(r1b.ride_id).status is RideStatus.ON_BOARD
    assert versions == sorted(versions) and len(set(versions)) >= 6


def test_own_writes_are_applied_without_reading_the_day_again(db: Engine) -> None:
    """A process's own bookings update its kept day in place; it is read once."""
    a, _, _ = make_engine(db, vehicles=2)
    assert a.days is not None
    _offer(a, trip((1, 1), (5, 5), at(9)))
    reads = a.days.reloads
    for i in range(4):
        req = trip((1 + i, 2), (14, 15 - i), at(9 + i), member=f"K{i}")
        a.confirm(_offer(a, req).offer_id)
    assert a.days.reloads == reads
    assert a.days.applied >= 4
    _same_as_stored(a)


def test_the_old_path_gives_the_same_offers(db: Engine) -> None:
    """With the day kept or read per quote (``day_cache=False``), the offers are the same."""
    kept, clock, _ = make_engine(db, vehicles=2)
    plain = DispatchEngine(EngineConfig(day_cache=False), db=db, bus=InProcessBus(),
                           travel=CITY, clock=clock)
    assert plain.days is None and kept.days is not None
    kept.days.max_nodes = 6  # the day's locations start again several times on the way
    for i in range(5):
        req = trip((i, 2 * i), (19 - i, 15), at(9, 10 * i), member=f"K{i}")
        x, y = _offer(kept, req), _offer(plain, req)
        assert (x.vehicle_id, x.pickup_window_start, x.estimated_dropoff) == (
            y.vehicle_id, y.pickup_window_start, y.estimated_dropoff)
        kept.confirm(x.offer_id)


def test_locations_grow_by_a_row_and_a_column() -> None:
    """New nodes get their travel times; earlier indices and cells stay as they were."""
    loc = Locations(CITY, capacity=2)
    first = [loc.index(n) for n in (0, 5, 47)]
    dur, _ = loc.matrices()
    kept = dur[:3, :3].copy()
    more = [loc.index(n) for n in (5, 120, 399)]
    assert first == [0, 1, 2] and more == [1, 3, 4]
    dur, dist = loc.matrices()
    assert dur.shape[0] >= 5 and np.array_equal(dur[:3, :3], kept)
    nodes = [0, 5, 47, 120, 399]
    want_d, want_m = CITY.matrix(nodes, nodes)
    assert np.array_equal(dur[:5, :5], np.asarray(want_d))
    assert np.array_equal(dist[:5, :5], np.asarray(want_m))
    assert loc.rows == np.asarray(want_d).tolist()


def test_a_days_locations_stay_bounded(db: Engine) -> None:
    """Quotes never booked add nodes; past the bound the day's locations start again."""
    engine, _, _ = make_engine(db, vehicles=1)
    assert engine.days is not None
    engine.days.max_nodes = 8
    sizes = []
    for i in range(12):
        _offer(engine, trip((i, 0), (19 - i, 19), at(9), member=f"K{i}"))
        sizes.append(len(engine.days.locations(DAY)))
    assert max(sizes) <= 8 + 2  # one quote past the bound, then a fresh start
    assert min(sizes[3:]) < max(sizes)


def test_rolled_back_writes_leave_the_kept_day_exact(db: Engine) -> None:
    """A write rolled back (whole, or a savepoint of it) never reaches the kept day."""
    from dispatch.store import change_session, write_session
    from dispatch.store.tables import RideRow

    a, _, _ = make_engine(db, vehicles=1)
    ride = a.confirm(_offer(a, trip((2, 2), (15, 15), at(9))).offer_id)
    _same_as_stored(a)
    with pytest.raises(RuntimeError), write_session(db, DAY) as s:
        row = s.get(RideRow, ride.ride_id)
        assert row is not None
        row.status = RideStatus.CANCELLED.value
        s.flush()
        raise RuntimeError("refused")  # rolled back: the ride stays booked
    _same_as_stored(a)
    assert [r.id for r in _cached_rides(a)] == [ride.ride_id]
    with change_session(db) as s:
        row = s.get(RideRow, ride.ride_id)
        assert row is not None
        row.notes = "gate code 12"
        s.flush()
        sp = s.begin_nested()
        row.status = RideStatus.CANCELLED.value
        s.flush()
        sp.rollback()
    _same_as_stored(a)
    assert [(r.id, r.notes) for r in _cached_rides(a)] == [(ride.ride_id, "gate code 12")]


def _cached_rides(engine: DispatchEngine) -> list[Any]:
    with read_session(engine.db) as s:
        return list(engine.cached_day(s, DAY).rides)
