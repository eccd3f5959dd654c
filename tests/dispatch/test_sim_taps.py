"""The simulated drivers follow the city's tap rules (so the demo's fleet is never refused).

They tap 到着 with their fix at the door before 乗車, and wait at the door until 不在 is
allowed; not one of their taps is refused.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from dispatch.config import TapReason, TapRules
from dispatch.domain import RideStatus
from dispatch.sim.drivers import SimFleet
from dispatch.store.repo import read_session
from dispatch.store.tables import EventRow
from tests.dispatch.helpers import DAY, at, book, make_engine, trip

RULES = TapRules(
    arrive_radius_m=150,
    arrive_reasons=(TapReason("gps_inaccurate", "GPSの位置がずれている", "GPS is wrong"),),
    no_show_wait_s=300,
    boarded_needs_arrived=True,
)


def test_simulated_drivers_keep_the_tap_rules(db: Engine) -> None:
    engine, clock, _ = make_engine(db, vehicles=1, taps=RULES)  # type: ignore[arg-type]
    served = book(engine, trip((2, 2), (5, 5), at(9)))
    absent = book(engine, trip((6, 6), (9, 9), at(10)))
    fleet = SimFleet(engine, DAY, no_shows=lambda rid: rid == absent.ride_id, position_every_s=60)
    t = at(8)
    while t < at(12):
        clock.set(t)
        fleet.step(t)
        t += timedelta(seconds=30)
    assert engine.get_ride(served.ride_id).status is RideStatus.COMPLETED
    assert engine.get_ride(absent.ride_id).status is RideStatus.NO_SHOW
    with read_session(engine.db) as s:
        kinds = [e.kind for e in s.scalars(select(EventRow).order_by(EventRow.id))]
        no_show_at = s.scalars(
            select(EventRow.at).where(EventRow.kind == "tap.no_show")
        ).one()
    assert "tap.refused" not in kinds
    assert kinds.count("tap.arrived") == 2
    start = engine.get_ride(absent.ride_id).pickup_window_start
    assert no_show_at >= start + timedelta(minutes=5)  # waited at the door
