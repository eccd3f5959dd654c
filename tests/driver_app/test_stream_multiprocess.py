"""Two server processes on one PostgreSQL database and one Redis: a booking made through
one process appears on a tablet connected to the other (the production setup, without
Docker and without the booking API: each process mounts the stream router and a tiny
booking endpoint over its own ``DispatchEngine``)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import text

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def create_app() -> Any:
    """The app each server process runs (configured by NORIAI_MP_* variables)."""
    from fastapi import FastAPI

    from dispatch.bus.redis import RedisBus
    from dispatch.clock import SimClock
    from dispatch.config import EngineConfig
    from dispatch.domain import Offer
    from dispatch.engine import DispatchEngine
    from dispatch.store import make_engine
    from driver_app.stream import create_router
    from tests.dispatch.helpers import CITY, at, trip

    db = make_engine(os.environ["NORIAI_MP_DB"])
    bus = RedisBus(os.environ["NORIAI_MP_REDIS"], namespace=os.environ["NORIAI_MP_NS"])
    engine = DispatchEngine(EngineConfig(), db=db, bus=bus, travel=CITY, clock=SimClock(at(7)))
    app = FastAPI()
    app.include_router(
        create_router(
            get_engine=lambda: engine,
            authenticate_vehicle=lambda token: token,
            authenticate_board=lambda token: token,
        )
    )

    @app.post("/book")
    def book() -> dict[str, str]:
        offer = engine.quote(trip((2, 2), (6, 6), at(9)))
        assert isinstance(offer, Offer)
        return {"ride_id": engine.confirm(offer.offer_id).ride_id, "pid": str(os.getpid())}

    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def setup(postgres_url: str, redis_url: str) -> Iterator[dict[str, str]]:
    """A private schema with the tables and one vehicle V1; cleaned up afterwards."""
    from dispatch.bus.memory import InProcessBus
    from dispatch.clock import SimClock
    from dispatch.config import EngineConfig
    from dispatch.engine import DispatchEngine
    from dispatch.store import create_all, make_engine
    from tests.dispatch.helpers import CITY, DAY, at, point

    schema = f"mp_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{postgres_url}?options=-csearch_path%3D{schema}"
    db = make_engine(url)
    create_all(db)
    clock = SimClock(at(7))
    seed = DispatchEngine(EngineConfig(), db=db, bus=InProcessBus(), travel=CITY, clock=clock)
    seed.add_vehicle("V1", depot=point(10, 10))
    seed.set_shift("V1", DAY, at(8), at(17))
    db.dispose()
    try:
        yield {"NORIAI_MP_DB": url, "NORIAI_MP_REDIS": redis_url, "NORIAI_MP_NS": schema}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        import redis

        r = redis.Redis.from_url(redis_url)
        for key in r.scan_iter(f"{schema}:*"):
            r.delete(key)


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn; from tests.driver_app.test_stream_multiprocess import create_app; "
        f"uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning')"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _wait(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            msg = f"server exited: {err[-2000:]}"
            raise RuntimeError(msg)
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.2)
    msg = "server did not start"
    raise RuntimeError(msg)


def test_booking_on_one_process_reaches_tablet_on_the_other(setup: dict[str, str]) -> None:
    """Book through process A; the tablet on process B gets the new manifest at once."""
    ports = [_free_port(), _free_port()]
    procs = [_start(setup, p) for p in ports]
    try:
        for p, proc in zip(ports, procs, strict=True):
            _wait(p, proc)

        async def scenario() -> None:
            url = f"ws://127.0.0.1:{ports[1]}/ws/vehicle/V1?token=V1"
            async with websockets.connect(url) as ws:
                first = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert first["type"] == "manifest" and first["stops"] == []
                async with httpx.AsyncClient() as client:
                    res = await client.post(f"http://127.0.0.1:{ports[0]}/book", timeout=30)
                ride_id = res.json()["ride_id"]
                deadline = time.monotonic() + 10
                while True:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
                    if msg["type"] == "manifest":
                        break
                assert [s["ride_id"] for s in msg["stops"]] == [ride_id, ride_id]
                assert msg["seq"] > first["seq"]

        asyncio.run(scenario())
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
