"""``noriai serve`` as started in production (SQLite here): it refuses the development
secret key, believes no X-Forwarded-For from a peer that is not a listed proxy, and
limits online registrations per address.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NORIAI = [sys.executable, "-m", "booking_api.cli"]
HOME = (35.888975, 140.643843)  # 大野原七丁目, area A


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NORIAI_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return {
        **env,
        "NORIAI_DATA_DIR": str(tmp_path / "data"),
        "NORIAI_CACHE_DIR": str(cache),
        **extra,
    }


@pytest.fixture
def server(tmp_path: Path, shared_cache_dir: Path) -> Iterator[str]:
    """``noriai serve`` on a free port with a real secret key; yields its URL."""
    env = _env(tmp_path, shared_cache_dir, NORIAI_SECRET_KEY="a-real-secret-for-this-test-0123")
    done = subprocess.run(
        [*NORIAI, "admin", "create", "chief", "--password", "chief-pass-2026"],
        cwd=ROOT, env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    port = _free_port()
    proc = subprocess.Popen(
        [*NORIAI, "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"noriai serve exited: {err[-2000:]}")
            try:
                httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    pytest.fail("noriai serve did not answer")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_refuses_the_development_secret_key(tmp_path: Path, shared_cache_dir: Path) -> None:
    done = subprocess.run(
        [*NORIAI, "serve", "--port", str(_free_port())],
        cwd=ROOT, env=_env(tmp_path, shared_cache_dir), capture_output=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "NORIAI_SECRET_KEY" in lines[0], lines


def test_rotating_forwarded_for_gets_no_fresh_tries(server: str) -> None:
    """30 wrong passwords for one account, each claiming another address: 25 refused."""
    codes = [
        httpx.post(
            f"{server}/api/v1/auth/login",
            json={"login": "chief", "password": f"guess-{i}"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(30)
    ]
    assert codes.count(401) == 5 and codes.count(429) == 25, codes


def test_registrations_from_one_address_are_limited(server: str) -> None:
    """30 applications in a burst from one address: 5 accepted, the rest 429 with
    Retry-After and a message in both languages.
    """
    answers = []
    for i in range(30):
        body = {
            "name": "山田 花子", "kana": "やまだ はなこ", "birth_date": "1948-04-01",
            "phone": f"090-5555-{i:04d}", "address": "神栖市大野原七丁目",
            "home_lat": HOME[0], "home_lon": HOME[1],
            "consent_terms": True, "consent_privacy": True, "password": "hanako-2026",
        }  # fmt: skip
        answers.append(
            httpx.post(
                f"{server}/api/v1/registrations",
                json=body,
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            )
        )
    codes = [r.status_code for r in answers]
    assert codes.count(201) == 5 and codes.count(429) == 25, codes
    refused = answers[-1]
    assert int(refused.headers["Retry-After"]) > 0
    detail = refused.json()["detail"]
    assert detail["code"] == "too_many_registrations"
    assert detail["message_ja"] and detail["message_en"]
