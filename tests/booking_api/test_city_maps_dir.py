"""A town's map folder, as ``noriai maps import`` writes it, is served where it lies: the
city file's ``[city] maps_dir`` names it (issue 15 §2), nothing copied into the package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from booking_api.main import create_app
from booking_api.settings import CITIES_DIR, Settings, SettingsError
from maps import SnapError
from maps.importer import import_osm
from tests.maps.test_importer import LAT0, LON0, write_boundary, write_osm


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small town imported into a folder outside the source tree."""
    root = tmp_path_factory.mktemp("town")
    write_osm(root / "town.osm")
    write_boundary(root / "boundary.geojson")
    import_osm(root / "town.osm", root / "boundary.geojson", root / "map", name="Testtown")
    return root


def _city_file(folder: Path, maps_dir: str) -> Path:
    """Kamisu's rules with the town's id and its map folder."""
    text = (CITIES_DIR / "kamisu.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^maps_city = "kamisu"$', f'maps_dir = "{maps_dir}"', text)
    text = re.sub(r'(?m)^id = "kamisu"$', 'id = "testtown"', text)
    path = folder / "testtown.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _settings(tmp_path: Path, city_file: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", cache_dir=tmp_path / "cache",
        database_url="", redis_url="", city_file=city_file,
    )  # fmt: skip


def test_the_city_file_names_a_map_folder_relative_to_itself(town: Path, tmp_path: Path) -> None:
    settings = _settings(tmp_path, _city_file(town, "map"))
    assert settings.map_dir() == town / "map"
    assert settings.maps_config().data_dir == town / "map"


def test_the_app_serves_the_imported_town_where_it_lies(town: Path, tmp_path: Path) -> None:
    settings = _settings(tmp_path, _city_file(tmp_path, str(town / "map")))
    with TestClient(create_app(settings)) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok", health
        layers = client.get("/api/v1/map/layers").json()
        lats = [lat for _, lat in _coords(layers["boundary"])]
        assert min(lats) > LAT0 - 0.01 and max(lats) < LAT0 + 0.02  # the town, not Kamisu
        city_map = client.app.state.noriai.city_map  # type: ignore[attr-defined]
        assert city_map.snap(LAT0 + 0.002, LON0 + 0.002).snap_distance_m < 50
        with pytest.raises(SnapError, match="outside the service boundary"):
            city_map.snap(35.96, 140.64)  # Kamisu city hall


def _coords(geojson: object) -> list[list[float]]:
    """Every [lon, lat] pair in a GeoJSON object."""
    if (
        isinstance(geojson, list)
        and len(geojson) == 2
        and all(isinstance(v, float | int) for v in geojson)
    ):
        return [geojson]  # type: ignore[list-item]
    if isinstance(geojson, dict):
        return [c for v in geojson.values() for c in _coords(v)]
    if isinstance(geojson, list):
        return [c for v in geojson for c in _coords(v)]
    return []


def test_a_folder_without_its_city_toml_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    settings = _settings(tmp_path, _city_file(tmp_path, "empty"))
    with pytest.raises(SettingsError, match=r"maps_dir.*empty.*no city.toml"):
        settings.map_dir()
    with TestClient(create_app(settings)) as client:  # the API stays up and says why
        health = client.get("/health").json()
        assert health["status"] == "degraded" and "city.toml" in health["map"]
