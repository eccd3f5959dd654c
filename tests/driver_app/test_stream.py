"""The tablet and board websockets against a real uvicorn server and the ``websockets`` client."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import websockets
from fastapi import FastAPI

from dispatch.domain import Offer
from dispatch.store import create_all, make_engine
from driver_app.stream import create_router
from tests.dispatch.helpers import at, trip
from tests.dispatch.helpers import make_engine as make_dispatch


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _auth_vehicle(token: str) -> str:
    if not token.startswith("veh-"):
        msg = "bad token"
        raise PermissionError(msg)
    return token[4:]


def _auth_board(token: str) -> str:
    if token != "op":
        msg = "bad token"
        raise PermissionError(msg)
    return "operator-1"


class Server:
    """A uvicorn server in a thread serving a tiny app that mounts the stream router."""

    def __init__(self, engine: Any) -> None:
        app = FastAPI()
        app.include_router(
            create_router(
                get_engine=lambda: engine,
                authenticate_vehicle=_auth_vehicle,
                authenticate_board=_auth_board,
            )
        )
        self.port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                msg = "uvicorn did not start"
                raise RuntimeError(msg)
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Any, Server]]:
    """An engine on SQLite with the chosen bus, and a running server."""
    db = make_engine(f"sqlite:///{tmp_path / 'n.sqlite'}")
    create_all(db)
    engine, clock, _ = make_dispatch(db, vehicles=1)
    if request.param == "redis":
        from dispatch.bus.redis import RedisBus

        url = request.getfixturevalue("redis_url")
        engine.bus = RedisBus(url, namespace=f"test-{tmp_path.name}-{time.time_ns()}")
    with Server(engine) as server:
        yield engine, clock, server
    engine.bus.close()
    db.dispose()


SEEN: dict[int, int] = {}


async def _recv(ws: Any, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """Return the next message of type ``kind`` (skipping others; remembers the last seq)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            msg = f"no {kind} message"
            raise AssertionError(msg)
        msg = json.loads(await asyncio.wait_for(ws.recv(), left))
        if "seq" in msg:
            SEEN[id(ws)] = max(SEEN.get(id(ws), 0), msg["seq"])
        if msg["type"] == kind:
            return msg


def _book(engine: Any, hh: int, mm: int = 0) -> Any:
    offer = engine.quote(trip((2, 2), (5, 5), at(hh, mm)))
    assert isinstance(offer, Offer)
    return engine.confirm(offer.offer_id)


def test_tablet_manifest_updates_taps_and_resume(live: tuple[Any, Any, Server]) -> None:
    """Manifest at once, updates with seq, idempotent taps, and a resume that loses nothing."""
    engine, clock, server = live

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        url = server.url("/ws/vehicle/V1?token=veh-V1")
        async with websockets.connect(url) as ws:
            first = json.loads(await ws.recv())
            assert first["type"] == "manifest" and first["stops"] == []
            ride = await loop.run_in_executor(None, _book, engine, 9)
            m = await _recv(ws, "manifest")
            assert m["seq"] > first["seq"]
            assert [s["ride_id"] for s in m["stops"]] == [ride.ride_id, ride.ride_id]
            clock.set(at(9))
            tap = {"type": "tap", "ride_id": ride.ride_id, "tap": "arrived", "tap_id": "x1"}
            await ws.send(json.dumps(tap))
            res = await _recv(ws, "tap_result")
            assert res["ok"] and res["status"] == "arrived"
            await ws.send(json.dumps(tap))
            res = await _recv(ws, "tap_result")
            assert res["ok"] and res["status"] == "arrived"
            bad = {"type": "tap", "ride_id": ride.ride_id, "tap": "dropped_off", "tap_id": "x2"}
            await ws.send(json.dumps(bad))
            res = await _recv(ws, "tap_result")
            assert not res["ok"] and res["code"] == "illegal_transition" and res["message_ja"]
            await ws.send(json.dumps({"type": "break", "action": "end"}))
            res = await _recv(ws, "break_result")
            assert not res["ok"] and res["code"] == "illegal_transition"
            await ws.send(json.dumps({"type": "ping"}))
            await _recv(ws, "pong")
            while SEEN[id(ws)] < engine.bus.last_seq("vehicle.V1"):
                await _recv(ws, "manifest")
            last = SEEN[id(ws)]
        # offline: two bookings happen while the tablet is away
        r2 = await loop.run_in_executor(None, _book, engine, 11)
        await loop.run_in_executor(None, _book, engine, 13)
        async with websockets.connect(f"{url}&since={last}") as ws:
            got = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(4)]
            seqs = [g["seq"] for g in got]
            assert seqs == list(range(last + 1, last + 5))
            assert got[0]["type"] == "ride" and got[0]["ride_id"] == r2.ride_id
            assert got[-1]["type"] == "manifest" and len(got[-1]["stops"]) == 6

    asyncio.run(scenario())


def test_refused_sockets(live: tuple[Any, Any, Server]) -> None:
    """Bad tokens and another vehicle's token are closed with 4401 and 4403."""
    _, _, server = live

    async def scenario() -> None:
        for path, code in (
            ("/ws/vehicle/V1?token=nope", 4401),
            ("/ws/vehicle/V1?token=veh-V2", 4403),
            ("/ws/board?token=nope", 4401),
        ):
            async with websockets.connect(server.url(path)) as ws:
                with pytest.raises(websockets.ConnectionClosed) as err:
                    await ws.recv()
                assert err.value.rcvd is not None and err.value.rcvd.code == code

    asyncio.run(scenario())


def test_board_snapshot_and_positions(live: tuple[Any, Any, Server]) -> None:
    """The board gets a snapshot of every vehicle, then positions and plan changes."""
    engine, _, server = live

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        async with websockets.connect(server.url("/ws/board?token=op")) as ws:
            snap = json.loads(await ws.recv())
            assert snap["type"] == "snapshot"
            assert [v["id"] for v in snap["vehicles"]] == ["V1"]
            await loop.run_in_executor(None, engine.report_position, "V1", 35.9, 140.65)
            pos = await _recv(ws, "position")
            assert (pos["vehicle_id"], pos["lat"]) == ("V1", 35.9)
            await loop.run_in_executor(None, _book, engine, 9)
            plan = await _recv(ws, "plan")
            assert plan["vehicle_id"] == "V1" and len(plan["stops"]) == 2

    asyncio.run(scenario())


def test_engine_restart_tablet_resyncs(tmp_path: Path) -> None:
    """After an engine restart (fresh in-process bus) a tablet resuming gets the full manifest."""
    from dispatch.bus import InProcessBus
    from dispatch.engine import DispatchEngine

    db = make_engine(f"sqlite:///{tmp_path / 'r.sqlite'}")
    create_all(db)
    first, clock, _ = make_dispatch(db, vehicles=1)
    holder = {"engine": first}

    class Proxy:
        def __getattr__(self, name: str) -> Any:
            return getattr(holder["engine"], name)

    with Server(Proxy()) as server:

        async def scenario() -> None:
            loop = asyncio.get_running_loop()
            ride = await loop.run_in_executor(None, _book, first, 9)
            url = server.url("/ws/vehicle/V1?token=veh-V1")
            async with websockets.connect(url) as ws:
                m = json.loads(await ws.recv())
                assert len(m["stops"]) == 2
                seq = m["seq"]
            holder["engine"] = DispatchEngine(
                first.config, db=db, bus=InProcessBus(), travel=first.travel, clock=clock
            )
            async with websockets.connect(f"{url}&since={seq}") as ws:
                m = json.loads(await ws.recv())
                assert m["type"] == "manifest"
                assert [s["ride_id"] for s in m["stops"]] == [ride.ride_id] * 2

        asyncio.run(scenario())
    db.dispose()


@pytest.mark.redis
def test_redis_restart_tablet_resyncs(tmp_path: Path, redis_url: str) -> None:
    """Redis loses its data: the tablet's socket closes with 1012, reconnects and resyncs."""
    import redis

    from dispatch.bus.redis import RedisBus

    db = make_engine(f"sqlite:///{tmp_path / 'rr.sqlite'}")
    create_all(db)
    engine, _, _ = make_dispatch(db, vehicles=1)
    ns = f"test-rr-{time.time_ns()}"
    engine.bus = RedisBus(redis_url, namespace=ns)
    admin = redis.Redis.from_url(redis_url)
    try:
        with Server(engine) as server:

            async def scenario() -> None:
                loop = asyncio.get_running_loop()
                url = server.url("/ws/vehicle/V1?token=veh-V1")
                ride = await loop.run_in_executor(None, _book, engine, 9)
                async with websockets.connect(url) as ws:
                    m = json.loads(await ws.recv())
                    seq = m["seq"]
                    for key in admin.scan_iter(f"{ns}:*"):
                        admin.delete(key)  # a Redis restart without persistence
                    for c in admin.client_list():
                        if c.get("name") == engine.bus.client_name:
                            admin.client_kill_filter(_id=c["id"])
                    with pytest.raises(websockets.ConnectionClosed) as err:
                        while True:
                            await asyncio.wait_for(ws.recv(), 10)
                    assert err.value.rcvd is not None and err.value.rcvd.code == 1012
                async with websockets.connect(f"{url}&since={seq}") as ws:
                    m = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    assert m["type"] == "manifest"
                    assert [s["ride_id"] for s in m["stops"]] == [ride.ride_id] * 2

            asyncio.run(scenario())
    finally:
        for key in admin.scan_iter(f"{ns}:*"):
            admin.delete(key)
        engine.bus.close()
        db.dispose()
