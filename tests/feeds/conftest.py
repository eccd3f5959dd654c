"""Fixtures of the feed tests: the city's real configuration and map data, on a fixed day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from booking_api import feedconfig
from booking_api.settings import Settings
from feeds import FeedConfig, MapData

DAY = date(2026, 12, 2)  # a Wednesday; the year-end closure and 成人の日 fall in the period


@pytest.fixture(scope="session")
def feed_settings(tmp_path_factory: pytest.TempPathFactory, shared_cache_dir: Path) -> Settings:
    """Settings of the bundled city, isolated from the developer's environment files."""
    tmp: Path = tmp_path_factory.mktemp("feeds")
    return Settings(
        _env_file=None,
        data_dir=tmp / "data",
        cache_dir=shared_cache_dir,
        database_url="",
        redis_url="",
        public_url="https://noriai.example.jp",
    )  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def config(feed_settings: Settings) -> FeedConfig:
    """What the feeds publish for the bundled city on ``DAY``."""
    return feedconfig.feed_config(feed_settings, DAY)


@pytest.fixture(scope="session")
def map_data(feed_settings: Settings) -> MapData:
    """The bundled city's zones and designated destinations."""
    return feedconfig.map_data(feed_settings)
