"""The production setup without Docker: two ``noriai serve`` processes and one
``noriai dispatcher`` on the local PostgreSQL and Redis. A booking made through one
API process appears at once on a tablet connected to the other.
"""

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
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import websockets
from sqlalchemy import create_engine, text

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NORIAI = [sys.executable, "-m", "booking_api.cli"]
CITY_HALL = (35.89003, 140.66446)
HOME = (35.8805, 140.6590)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(
    postgres_url: str, redis_url: str, tmp_path: Path, shared_cache_dir: Path
) -> Iterator[dict[str, str]]:
    """Environment of the processes: a private PostgreSQL schema and a private Redis db."""
    schema = f"prod_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    redis_db_url = redis_url.rsplit("/", 1)[0] + "/13"
    import redis

    r = redis.Redis.from_url(redis_db_url)
    r.flushdb()
    environment = {
        **os.environ,
        "DATABASE_URL": f"{postgres_url}?options=-csearch_path%3D{schema}",
        "REDIS_URL": redis_db_url,
        "NORIAI_DATA_DIR": str(tmp_path / "data"),
        "NORIAI_SECRET_KEY": "test-secret-for-the-production-setup",
        "NORIAI_CACHE_DIR": str(shared_cache_dir),
    }
    try:
        yield environment
    finally:
        r.flushdb()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _run(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([*NORIAI, *args], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*NORIAI, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            pytest.fail(f"server on port {port} exited: {err[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"server on port {port} did not become healthy")


def _service_day() -> tuple[date, ZoneInfo]:
    """The first day from tomorrow (local time) that the bundled city rules operate."""
    from booking_api.rules import is_service_day, tz
    from booking_api.settings import Settings

    rules = Settings().city_rules()
    zone = tz(rules)
    day = datetime.now(zone).date() + timedelta(days=1)
    for _ in range(21):
        if is_service_day(rules, day):
            return day, zone
        day += timedelta(days=1)
    pytest.fail("no operating day in the next three weeks")


def test_booking_through_one_api_process_reaches_a_tablet_on_the_other(
    env: dict[str, str],
) -> None:
    """Book through API process A; the driver's tablet connected to B gets the ride."""
    # The processes live 09:00 local time of an operating day (a shared clock offset),
    # so the ride is on "today's" manifest whenever the test runs.
    day, tz = _service_day()
    nine = datetime.combine(day, datetime.min.time(), tz).replace(hour=9)
    env = {**env, "NORIAI_CLOCK_OFFSET_S": str((nine - datetime.now(tz)).total_seconds())}
    _run(env, "db", "upgrade")
    _run(env, "admin", "create", "chief", "--role", "admin", "--password", "chief-pass-1")
    ports = [_free_port(), _free_port()]
    procs = [_start(env, "serve", "--port", str(p)) for p in ports]
    procs.append(_start(env, "dispatcher", "--interval", "1"))
    try:
        for port, proc in zip(ports, procs, strict=False):
            _wait_healthy(port, proc)
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        health = httpx.get(f"{a}/health").json()
        assert health["db"] == "ok" and health["bus"] == "redis"

        login = httpx.post(
            f"{a}/api/v1/auth/login", json={"login": "chief", "password": "chief-pass-1"}
        )
        staff = {"Authorization": f"Bearer {login.json()['token']}"}
        res = httpx.post(
            f"{a}/api/v1/vehicles",
            headers=staff,
            json={"id": "V1", "name": "1号車", "seats": 4, "wheelchairs": 1,
                  "depot_lat": CITY_HALL[0], "depot_lon": CITY_HALL[1]},
        )
        assert res.status_code == 201, res.text
        start = datetime.combine(day, datetime.min.time(), tz).replace(hour=8)
        res = httpx.put(
            f"{a}/api/v1/shifts/V1/{day.isoformat()}",
            headers=staff,
            json={"start": start.isoformat(), "end": start.replace(hour=17).isoformat()},
        )
        assert res.status_code == 200, res.text
        res = httpx.post(
            f"{a}/api/v1/accounts",
            headers=staff,
            json={"username": "drv1", "password": "driver-pass-1", "role": "driver",
                  "display_name": "運転手1", "vehicle_id": "V1"},
        )
        assert res.status_code == 201, res.text
        res = httpx.post(
            f"{a}/api/v1/members",
            headers=staff,
            json={"name": "試験 花子", "kana": "シケン ハナコ", "birth_date": "1945-04-01",
                  "phone": "0299-11-2233", "address": "神栖市溝口", "home_lat": HOME[0],
                  "home_lon": HOME[1], "wheelchair": False, "walking_aid": False,
                  "needs_help_boarding": False, "companion_allowed": True,
                  "emergency_contact_name": "試験 一郎", "emergency_contact_phone": "090-0000-0000",
                  "consent_terms": True, "consent_privacy": True, "password": "582047",
                  "channel": "phone", "approve": True},
        )
        assert res.status_code == 201, res.text
        member_id = res.json()["id"]

        driver = httpx.post(
            f"{b}/api/v1/auth/login", json={"login": "drv1", "password": "driver-pass-1"}
        ).json()["token"]

        async def scenario() -> None:
            url = f"ws://127.0.0.1:{ports[1]}/ws/vehicle/V1?token={driver}"
            async with websockets.connect(url) as ws:
                first = json.loads(await asyncio.wait_for(ws.recv(), 20))
                assert first["type"] == "manifest"
                async with httpx.AsyncClient(headers=staff, timeout=60) as client:
                    quote = await client.post(
                        f"{a}/api/v1/quotes",
                        json={"member_id": member_id, "from": {"home": True},
                              "to": {"lat": CITY_HALL[0], "lon": CITY_HALL[1], "label": "市役所"},
                              "date": day.isoformat(), "time": "10:30",
                              "time_mode": "depart_at", "party_size": 1},
                    )
                    assert quote.status_code == 200, quote.text
                    booked = await client.post(
                        f"{a}/api/v1/bookings",
                        json={"offer_id": quote.json()["offer"]["offer_id"]},
                        headers={"Idempotency-Key": uuid.uuid4().hex},
                    )
                    assert booked.status_code == 201, booked.text
                ride_id = booked.json()["booking"]["id"]
                deadline = time.monotonic() + 20
                while True:
                    left = deadline - time.monotonic()
                    msg = json.loads(await asyncio.wait_for(ws.recv(), max(left, 0.1)))
                    if msg["type"] == "manifest" and any(
                        s.get("ride_id") == ride_id for s in msg["stops"]
                    ):
                        break
                assert msg["seq"] > first["seq"]

        asyncio.run(scenario())
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
