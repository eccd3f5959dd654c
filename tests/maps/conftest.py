"""The real Kamisu map, loaded once per test session with the test run's cache directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from maps import CityMap, MapsConfig, load_map

CITY_HALL = (35.89003, 140.66446)
HASAKI_BRANCH = (35.75682, 140.81373)
TONE_RIVER = (35.772, 140.768)  # inside the city boundary (mid-river), no road near
PACIFIC = (35.80, 140.85)  # off the coast, outside the boundary
CHOSHI = (35.735, 140.829)  # across the Tone river, in Choshi


@pytest.fixture(scope="session")
def maps_cache(shared_cache_dir: Path) -> Path:
    """The test run's cache directory (the map's forms built once per run)."""
    return shared_cache_dir


@pytest.fixture(scope="session")
def kamisu_config(maps_cache: Path) -> MapsConfig:
    """Config of the bundled Kamisu data with the session's cache (laid out as the
    ``noriai`` command lays it out, so CLI tests reuse it)."""
    return MapsConfig.bundled("kamisu", cache_dir=maps_cache / "maps")


@pytest.fixture(scope="session")
def kamisu(kamisu_config: MapsConfig) -> CityMap:
    """The bundled Kamisu map (parsed once per session)."""
    return load_map(kamisu_config)
