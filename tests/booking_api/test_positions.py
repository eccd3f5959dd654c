"""The tablet's position over HTTP: NaN, infinity and points far outside the city get a
422 in the house error shape and change nothing; the board stays valid JSON (issue 10)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine

from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import HOME_A, Api
from tests.booking_api.fakes import FixedClock, jst


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """The real engine on the city's map: one vehicle on shift today."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号")
    engine.set_shift("V1", clock.now().date(), jst(2026, 12, 1, 8, 0), jst(2026, 12, 1, 17, 0))
    return engine


def _strict(text: str) -> Any:
    def refuse(name: str) -> Any:
        msg = f"{name} is not JSON"
        raise ValueError(msg)

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "raw",
    [
        '{"lat": NaN, "lon": 140.7}',
        '{"lat": 35.9, "lon": Infinity}',
        '{"lat": -Infinity, "lon": 140.7}',
        '{"lat": 1000, "lon": 5000}',
        '{"lat": 35.0, "lon": 139.0}',  # Kanagawa: on Earth, 150 km from Kamisu
        '{"lat": "north", "lon": 140.7}',
    ],
)
def test_a_bad_position_is_a_422_and_changes_nothing(
    api: Api, engine: DispatchEngine, raw: str
) -> None:
    driver = api.staff("driver", vehicle_id="V1")
    r = api.client.post("/api/v1/driver/position", content=raw,
                        headers={**driver, "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 422, r.text
    detail = _strict(r.text)["detail"]
    assert detail["code"] and detail["message_ja"] and detail["message_en"]
    assert engine.get_vehicle("V1").position is None
    _strict(json.dumps(engine.board_snapshot()))


def test_a_good_position_is_recorded(api: Api, engine: DispatchEngine) -> None:
    driver = api.staff("driver", vehicle_id="V1")
    r = api.client.post("/api/v1/driver/position", json={"lat": 35.91, "lon": 140.66},
                        headers=driver)  # fmt: skip
    assert r.status_code == 204, r.text
    pos = engine.get_vehicle("V1").position
    assert pos is not None and (pos.lat, pos.lon) == (35.91, 140.66)
    board = _strict(json.dumps(engine.board_snapshot()))
    assert [(v["lat"], v["lon"]) for v in board["vehicles"]] == [(35.91, 140.66)]


def test_only_a_driver_with_a_vehicle_reports_a_position(api: Api, engine: DispatchEngine) -> None:
    r = api.client.post("/api/v1/driver/position", json={"lat": 35.91, "lon": 140.66})
    assert r.status_code == 401
    operator = api.staff("operator")
    r = api.client.post("/api/v1/driver/position", json={"lat": 35.91, "lon": 140.66},
                        headers=operator)  # fmt: skip
    assert r.status_code in (403, 404)
    assert engine.get_vehicle("V1").position is None
