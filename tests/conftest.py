"""Shared fixtures: real PostgreSQL and Redis when present (required under CI=true)."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

PG_URL = os.environ.get(
    "NORIAI_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("NORIAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url.replace("+psycopg", ""))
    try:
        address = (parsed.hostname or "127.0.0.1", parsed.port or default_port)
        with socket.create_connection(address, 2):
            return True
    except OSError:
        return False


def _need(url: str, port: int, what: str) -> str:
    if _reachable(url, port):
        return url
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but {url} is not reachable")
    pytest.skip(f"{what} not reachable at {url}")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL database (fails under CI when it is down)."""
    return _need(PG_URL, 5432, "PostgreSQL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the test Redis server (fails under CI when it is down)."""
    return _need(REDIS_URL, 6379, "Redis")
