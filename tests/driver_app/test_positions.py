"""A tablet's position of NaN, infinity or far outside the city is refused on its socket
with a clear message; the socket stays open and the board stays valid JSON (issue 10)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from dispatch.domain import InvalidPosition
from tests.dispatch.helpers import CITY
from tests.driver_app.test_stream import Server, _recv, live  # noqa: F401  (fixture)

# what a tablet (or someone posing as one) may send, as raw JSON text
BAD = [
    '{"type": "position", "lat": NaN, "lon": 140.6}',
    '{"type": "position", "lat": 35.9, "lon": Infinity}',
    '{"type": "position", "lat": -Infinity, "lon": 140.6}',
    '{"type": "position", "lat": 1000, "lon": 5000}',
    '{"type": "position", "lat": 36.5, "lon": 140.6}',  # 70 km north of the city
    '{"type": "position", "lat": "NaN", "lon": "140.6"}',
    '{"type": "position", "lat": true, "lon": 140.6}',
    '{"type": "position"}',
]


def _strict(text: str) -> Any:
    """``json.loads`` that refuses NaN and infinities (what a browser's JSON.parse does)."""

    def refuse(name: str) -> Any:
        msg = f"{name} is not JSON"
        raise ValueError(msg)

    return json.loads(text, parse_constant=refuse)


def test_bad_positions_are_refused_and_the_board_stays_json(
    live: tuple[Any, Any, Server],  # noqa: F811
) -> None:
    """Each bad position gets an error frame naming the problem in both languages; the
    socket stays open; the car's position is unchanged; no position reaches the board
    and its snapshot parses strictly. A good position afterwards is recorded."""
    engine, _, server = live

    async def scenario() -> None:
        tablet = server.url("/ws/vehicle/V1?token=veh-V1")
        async with websockets.connect(tablet) as ws, websockets.connect(
            server.url("/ws/board?token=op")
        ) as board:
            _strict(await board.recv())  # the snapshot
            await _recv(ws, "manifest")
            for text in BAD:
                await ws.send(text)
                err = await _recv(ws, "error")
                assert err["code"] == "invalid_position", text
                assert err["message_en"] and err["message_ja"] != err["message_en"]
            await ws.send(json.dumps({"type": "ping"}))
            await _recv(ws, "pong")  # still open
            await ws.send(json.dumps({"type": "position", "lat": 35.9, "lon": 140.65}))
            pos = _strict(await asyncio.wait_for(board.recv(), 5))
            assert (pos["type"], pos["lat"], pos["lon"]) == ("position", 35.9, 140.65)
        snap = engine.board_snapshot()
        _strict(json.dumps(snap))
        v1 = next(v for v in snap["vehicles"] if v["id"] == "V1")
        assert (v1["lat"], v1["lon"]) == (35.9, 140.65)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(float("nan"), 140.6), (35.9, float("inf")), (float("-inf"), 140.6), (1000.0, 5000.0),
     (35.85 - 0.1, 140.6)],
)
def test_the_engine_refuses_a_bad_position_itself(
    live: tuple[Any, Any, Server], lat: float, lon: float,  # noqa: F811
) -> None:
    """Whatever the caller, ``report_position`` refuses the point and stores nothing."""
    engine, _, _ = live
    before = engine.get_vehicle("V1").position
    with pytest.raises(InvalidPosition) as err:
        engine.report_position("V1", lat, lon)
    assert err.value.code == "invalid_position"
    assert engine.get_vehicle("V1").position == before
    _strict(json.dumps(engine.board_snapshot()))


def test_a_point_just_outside_the_city_is_still_believed(
    live: tuple[Any, Any, Server],  # noqa: F811
) -> None:
    """Within the margin (5 km) of the city's box a car is believed: a depot, a detour."""
    engine, _, _ = live
    south, west, _, _ = CITY.bbox
    engine.report_position("V1", south - 0.02, west - 0.02)  # about 2 km out
    pos = engine.get_vehicle("V1").position
    assert pos is not None and pos.lat == pytest.approx(south - 0.02)


def test_the_bus_never_publishes_a_non_finite_number(
    live: tuple[Any, Any, Server],  # noqa: F811
) -> None:
    """A message with a NaN in it (a path that forgot to check) goes out with null."""
    engine, _, _ = live
    seq = engine.bus.publish("board", {"type": "position", "lat": float("nan"), "lon": 1.0,
                                       "nested": [{"x": float("inf")}]})
    got = engine.bus.replay("board", seq - 1)
    assert got is not None
    data = got[-1].data
    _strict(json.dumps(data))
    assert data["lat"] is None and data["nested"] == [{"x": None}]
