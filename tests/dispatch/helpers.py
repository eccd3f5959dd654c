"""Builders shared by the dispatch tests: a grid city, a virtual clock, a ready engine."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dispatch.bus import InProcessBus
from dispatch.clock import SimClock
from dispatch.config import EngineConfig
from dispatch.domain import LatLon, Offer, Ride, TripRequest
from dispatch.engine import DispatchEngine
from dispatch.grid import GridCity

JST = ZoneInfo("Asia/Tokyo")
DAY = date(2026, 12, 1)
CITY = GridCity(cols=20, rows=20, spacing_m=500.0, speed_kph=30.0)


def at(hh: int, mm: int = 0) -> datetime:
    """Return DAY at hh:mm local time."""
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=JST)


def point(row: float, col: float) -> LatLon:
    """Return the point at grid position (row, col)."""
    lat, lon = CITY.node_latlon(0)
    return LatLon(lat + row * CITY._dlat, lon + col * CITY._dlon)


def make_engine(
    db: Engine, *, vehicles: int = 2, seats: int = 4, start: datetime | None = None, **cfg: int
) -> tuple[DispatchEngine, SimClock, InProcessBus]:
    """Return an engine on ``db`` with ``vehicles`` vehicles on shift 08:00-17:00 at the centre."""
    clock = SimClock(start or at(7))
    bus = InProcessBus()
    engine = DispatchEngine(EngineConfig(**cfg), db=db, bus=bus, travel=CITY, clock=clock)
    for i in range(vehicles):
        vid = f"V{i + 1}"
        name = f"神栖{i + 1}号"
        engine.add_vehicle(vid, depot=point(10, 10), seats=seats, wheelchairs=1, name=name)
        engine.set_shift(vid, DAY, at(8), at(17))
    return engine, clock, bus


def trip(
    frm: tuple[float, float], to: tuple[float, float], when: datetime, *, member: str = "K000001",
    party: int = 1, arrive: bool = False,
) -> TripRequest:
    """Return a request from grid position ``frm`` to ``to``."""
    return TripRequest(
        member_id=member,
        pickup=point(*frm),
        dropoff=point(*to),
        depart_at=None if arrive else when,
        arrive_by=when if arrive else None,
        party_size=party,
        rider_name="山田 花子",
        rider_phone="0299-00-0000",
        pickup_label="自宅",
        dropoff_label="病院",
    )


def later(t: datetime, minutes: float) -> datetime:
    """Return ``t`` plus ``minutes``."""
    return t + timedelta(minutes=minutes)


def book(engine: DispatchEngine, req: TripRequest) -> Ride:
    """Quote ``req`` and confirm the offer (the test fails if there is none)."""
    offer = engine.quote(req)
    assert isinstance(offer, Offer), offer
    return engine.confirm(offer.offer_id)


def waiting_for_a_far_pickup(
    db: Engine,
) -> tuple[DispatchEngine, SimClock, InProcessBus, Ride]:
    """One car on shift at 08:00, seen at its depot at 08:05, its first pickup far away at 11:00.

    Returns the engine, its clock and bus, and that 11:00 ride.
    """
    engine, clock, bus = make_engine(db, vehicles=1)
    far = book(engine, trip((0, 0), (0, 5), at(11)))
    clock.set(at(8))
    engine.start_shift("V1")
    clock.set(at(8, 5))
    depot = point(10, 10)
    engine.report_position("V1", depot.lat, depot.lon)
    return engine, clock, bus, far
