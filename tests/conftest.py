"""Shared fixtures: real PostgreSQL and Redis when present (required under CI=true)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
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


@pytest.fixture(scope="session")
def shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``cache_dir`` for the whole test run, shared by its worker processes.

    The map's derived forms take about 25 s to build and milliseconds to read;
    built per fixture they cost minutes of every run. ``maps.load_map`` locks the
    folder while it builds, so the run's processes build it once between them.
    Tests of the cache itself use their own folders.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, above each worker's own
    folder = base / "noriai-cache"
    folder.mkdir(exist_ok=True)
    return folder


# Browser tests share a live server and a browser per process (package-scoped fixtures
# in tests/web/conftest.py). Scheduled file by file among the other tests, a process
# leaves and re-enters tests/web many times and starts both again each time. They are
# dealt into one work unit per worker instead, by test count, largest file first.
WEB = "tests/web/"


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Schedule by file, except that the browser tests form one unit per worker."""
    from xdist.scheduler import LoadFileScheduling

    class WebUnits(LoadFileScheduling):  # type: ignore[misc]
        unit_of: dict[str, str] | None = None

        def schedule(self) -> None:
            if self.unit_of is None and self.collection_is_completed:
                collected = next(iter(self.registered_collections.values()))
                self.unit_of = _deal_web_files(collected, max(1, len(self.nodes)))
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return (self.unit_of or {}).get(path, path)

    return WebUnits(config, log)


def _deal_web_files(nodeids: list[str], units: int) -> dict[str, str]:
    """Map each browser-test file to one of ``units`` units of about equal test counts."""
    counts: dict[str, int] = {}
    for nodeid in nodeids:
        path = nodeid.split("::", 1)[0]
        if path.startswith(WEB):
            counts[path] = counts.get(path, 0) + 1
    loads = [0] * units
    unit_of: dict[str, str] = {}
    for path, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        i = loads.index(min(loads))
        loads[i] += n
        unit_of[path] = f"{WEB}#unit{i}"
    return unit_of
