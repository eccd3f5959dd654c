"""A resident's ride socket (``/ws/ride/{id}``) against a real uvicorn server and ``websockets``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import websockets
from fastapi import FastAPI

from dispatch.domain import DriverTap, Offer
from dispatch.store import create_all, make_engine
from driver_app.stream import create_router
from tests.dispatch.helpers import at, trip
from tests.dispatch.helpers import make_engine as make_dispatch
from tests.driver_app.test_stream import Server, _auth_board, _auth_vehicle


def _auth_ride_for(engine: Any) -> Any:
    """Tokens ``member-<id>`` may watch that member's rides; ``op`` watches any."""

    def authenticate_ride(token: str, ride_id: str) -> str:
        if token == "op":
            return "operator-1"
        if not token.startswith("member-"):
            msg = "bad token"
            raise ValueError(msg)
        try:
            ride = engine.get_ride(ride_id)
        except Exception as exc:
            raise LookupError(ride_id) from exc
        if ride.request.member_id != token[7:]:
            raise PermissionError(ride_id)
        return token[7:]

    return authenticate_ride


class RideServer(Server):
    """The stream router with ride authentication, served by uvicorn in a thread."""

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        app = FastAPI()
        app.include_router(
            create_router(
                get_engine=lambda: engine,
                authenticate_vehicle=_auth_vehicle,
                authenticate_board=_auth_board,
                authenticate_ride=_auth_ride_for(engine),
            )
        )
        self.server.config.app = app


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Any, Server]]:
    """An engine on SQLite with the chosen bus and a running server."""
    db = make_engine(f"sqlite:///{tmp_path / 'n.sqlite'}")
    create_all(db)
    engine, clock, _ = make_dispatch(db, vehicles=1)
    if request.param == "redis":
        from dispatch.bus.redis import RedisBus

        url = request.getfixturevalue("redis_url")
        engine.bus = RedisBus(url, namespace=f"test-ride-{tmp_path.name}-{time.time_ns()}")
    with RideServer(engine) as server:
        yield engine, clock, server
    engine.bus.close()
    db.dispose()


async def _next(ws: Any, timeout: float = 5.0) -> dict[str, Any]:
    msg: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    assert msg["type"] == "ride_status", msg
    return msg


def _book(engine: Any, member: str) -> Any:
    offer = engine.quote(trip((2, 2), (5, 5), at(9, 30), member=member))
    assert isinstance(offer, Offer)
    return engine.confirm(offer.offer_id)


def test_resident_sees_status_eta_and_live_updates(live: tuple[Any, Any, Server]) -> None:
    """Status and ETA at once; a new message after a position report and after a driver tap."""
    engine, clock, server = live
    ride = _book(engine, "K000001")
    clock.set(at(9, 0))

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        url = server.url(f"/ws/ride/{ride.ride_id}?token=member-K000001")
        async with websockets.connect(url) as ws:
            first = await _next(ws)
            assert first["ride_id"] == ride.ride_id
            assert first["status"] == ride.status.value
            assert first["vehicle_id"] == "V1"
            eta = datetime.fromisoformat(first["eta_pickup"])
            assert datetime.fromisoformat(first["pickup_window_start"]) <= eta
            assert eta <= datetime.fromisoformat(first["pickup_window_end"])
            assert first["minutes_away"] == round((eta - at(9, 0)).total_seconds() / 60)
            await loop.run_in_executor(None, engine.report_position, "V1", 35.91, 140.61)
            moved = await _next(ws)
            assert (moved["vehicle_lat"], moved["vehicle_lon"]) == (35.91, 140.61)
            assert moved["status"] == first["status"]
            clock.set(at(9, 30))
            await loop.run_in_executor(
                None, lambda: engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="t1")
            )
            seen = await _next(ws)
            while seen["status"] != "arrived":
                seen = await _next(ws)
            assert seen["vehicle_id"] == "V1"
            await loop.run_in_executor(
                None, lambda: engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id="t2")
            )
            seen = await _next(ws)
            while seen["status"] != "on_board":
                seen = await _next(ws)
            assert seen["eta_pickup"] is None and seen["minutes_away"] is None
            await ws.send(json.dumps({"type": "ping"}))
            while json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] != "pong":
                pass

    asyncio.run(scenario())


def test_other_riders_positions_are_not_sent(live: tuple[Any, Any, Server]) -> None:
    """A position of a vehicle that does not serve the ride sends nothing."""
    engine, clock, server = live
    engine.add_vehicle("V9", depot=engine.get_vehicle("V1").depot, seats=4, name="V9")
    ride = _book(engine, "K000001")
    clock.set(at(9, 0))

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        url = server.url(f"/ws/ride/{ride.ride_id}?token=member-K000001")
        async with websockets.connect(url) as ws:
            await _next(ws)
            await loop.run_in_executor(None, engine.report_position, "V9", 35.90, 140.63)
            with pytest.raises(TimeoutError):
                await _next(ws, timeout=0.5)

    asyncio.run(scenario())


def test_other_members_unknown_rides_and_bad_tokens_are_refused(
    live: tuple[Any, Any, Server],
) -> None:
    """Another member's token: 4403; an unknown ride: 4404; a bad token: 4401; staff may watch."""
    engine, _, server = live
    ride = _book(engine, "K000001")

    async def code(path: str) -> int | None:
        async with websockets.connect(server.url(path)) as ws:
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            return ws.close_code

    async def scenario() -> None:
        assert await code(f"/ws/ride/{ride.ride_id}?token=member-K000002") == 4403
        assert await code("/ws/ride/R9999?token=member-K000001") == 4404
        assert await code(f"/ws/ride/{ride.ride_id}?token=forged") == 4401
        async with websockets.connect(server.url(f"/ws/ride/{ride.ride_id}?token=op")) as ws:
            assert (await _next(ws))["ride_id"] == ride.ride_id

    asyncio.run(scenario())
