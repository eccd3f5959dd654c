"""The app as ``noriai serve`` builds it: migrated database, map, bus, engine, all from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_api.main import create_app
from booking_api.settings import Settings


@pytest.fixture(scope="module")
def shared_cache(shared_cache_dir: Path) -> Path:
    """The test run's cache folder, its map built."""
    from maps import load_map

    base = Settings(_env_file=None, cache_dir=shared_cache_dir)  # type: ignore[call-arg]
    load_map(base.maps_config())
    return shared_cache_dir


def _settings(tmp_path: Path, cache: Path, **over: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, cache_dir=cache, database_url="", **over)  # type: ignore[call-arg]


def test_default_app_runs_on_the_embedded_defaults(tmp_path: Path, shared_cache: Path) -> None:
    app = create_app(_settings(tmp_path, shared_cache, redis_url=""))
    with TestClient(app) as client:
        _, loop = app.state.noriai.background
        assert loop.is_alive()  # the embedded process re-plans in the background itself
        health = client.get("/health").json()
        assert health == {
            "status": "ok",
            "db": "ok",
            "bus": "in-process",
            "optimizer": "ok",
            "map": "ok",
        }
        assert (tmp_path / "noriai.sqlite").exists()
        assert client.get("/openapi.json").json()["info"]["title"] == "Noriai booking API"
        assert client.get("/docs").status_code == 200
    assert not loop.is_alive()


@pytest.mark.redis
def test_redis_bus_when_redis_url_is_set(
    tmp_path: Path, shared_cache: Path, redis_url: str
) -> None:
    with TestClient(create_app(_settings(tmp_path, shared_cache, redis_url=redis_url))) as client:
        assert client.get("/health").json()["bus"] == "redis"
        assert client.app.state.noriai.background is None  # the dispatcher process leads


def test_missing_map_leaves_the_api_up_and_says_so(
    tmp_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Settings) -> Any:
        msg = "no bundled map data for city 'atlantis'"
        raise RuntimeError(msg)

    monkeypatch.setattr(Settings, "maps_config", broken)
    with TestClient(create_app(_settings(tmp_path, shared_cache, redis_url=""))) as client:
        health = client.get("/health").json()
        assert health["status"] == "degraded" and "atlantis" in health["map"]
        assert health["optimizer"].startswith("unavailable")
        r = client.get("/api/v1/places")
        assert r.status_code == 503 and r.json()["detail"]["code"] == "unavailable"
        assert client.get("/api/v1/rules").status_code == 200
