"""The city's ``[dispatch] wheelchair_place_cost_s`` through the adapter: riders without a
wheelchair are booked on the sedan when it can take them, the wheelchair car stays free for
the wheelchair rider, and it still carries the others when nothing else can."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest
from sqlalchemy import Engine

from booking_api.city import CITIES_DIR, CityFileError, parse_city
from dispatch.bus import InProcessBus
from dispatch.clock import SimClock
from dispatch.config import EngineConfig
from dispatch.domain import TripRequest
from dispatch.engine import DispatchEngine
from tests.dispatch.helpers import CITY, DAY, at, book, point, trip


def engine_with(db: Engine, cost: int, sedan_seats: int = 4) -> DispatchEngine:
    """The wheelchair wagon waits beside the trips, the sedan 2.5 km away."""
    engine = DispatchEngine(EngineConfig(wheelchair_place_cost_s=cost), db=db,
                            bus=InProcessBus(), travel=CITY, clock=SimClock(at(7)))
    engine.add_vehicle("W", depot=point(10, 10), seats=4, wheelchairs=1, name="ワゴン")
    engine.add_vehicle("S", depot=point(10, 15), seats=sedan_seats, wheelchairs=0, name="セダン")
    for vid in ("W", "S"):
        engine.set_shift(vid, DAY, at(8), at(17))
    return engine


def morning(party: int = 1) -> list[TripRequest]:
    return [trip((10, 11), (12, 11), at(9), member="K000001", party=party),
            trip((11, 10), (11, 12), at(10), member="K000002", party=party),
            trip((9, 10), (9, 12), at(11), member="K000003", party=party)]


@pytest.mark.parametrize(("cost", "expected"), [(0, "W"), (900, "S")])
def test_ambulatory_riders_go_to_the_sedan_under_the_rule(db: Engine, cost: int,
                                                          expected: str) -> None:
    engine = engine_with(db, cost)
    assert {book(engine, t).vehicle_id for t in morning()} == {expected}


def test_the_wheelchair_car_stays_free_for_the_wheelchair_rider(db: Engine) -> None:
    engine = engine_with(db, 900)
    for t in morning():
        book(engine, t)
    rider = trip((10, 11), (12, 12), at(10), member="K000009", party=0)
    chair = book(engine, replace(rider, wheelchairs=1))
    assert chair.vehicle_id == "W"


def test_the_wheelchair_car_still_takes_parties_the_sedan_cannot(db: Engine) -> None:
    engine = engine_with(db, 900, sedan_seats=2)
    assert {book(engine, t).vehicle_id for t in morning(party=3)} == {"W"}


def test_the_city_file_sets_the_rule_and_refuses_a_negative_cost() -> None:
    base = tomllib.loads((CITIES_DIR / "kamisu.toml").read_text(encoding="utf-8"))
    rules = parse_city({**base, "dispatch": {**base.get("dispatch", {}),
                                             "wheelchair_place_cost_s": 450}})
    assert rules.wheelchair_place_cost_s == 450
    assert parse_city({k: v for k, v in base.items() if k != "dispatch"}
                      ).wheelchair_place_cost_s == 0
    with pytest.raises(CityFileError, match="wheelchair_place_cost_s"):
        parse_city({**base, "dispatch": {"wheelchair_place_cost_s": -1}})
