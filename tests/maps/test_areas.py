"""Service areas: lookup by point, and areas replaced by another data file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maps import CityMap, MapDataError, ServiceAreas
from tests.maps.conftest import CITY_HALL, HASAKI_BRANCH, PACIFIC


def test_kamisu_areas(kamisu: CityMap) -> None:
    """Four provisional areas A-D; city hall in B, the Hasaki office in D, the sea in none."""
    assert [a.id for a in kamisu.areas.areas] == ["A", "B", "C", "D"]
    assert kamisu.area_of(*CITY_HALL) == "B"
    assert kamisu.area_of(*HASAKI_BRANCH) == "D"
    assert kamisu.area_of(*PACIFIC) is None


def test_every_town_point_has_its_listed_area(kamisu: CityMap) -> None:
    """Each area's listed towns have their representative point in that area (mostly)."""
    by_name = {t.full_name: t for t in kamisu.towns.all}
    raw = json.loads(kamisu.city.required_path("service_areas").read_text(encoding="utf-8"))
    hits = total = 0
    for feature in raw["features"]:
        for name in feature["properties"]["towns"]:
            if name in by_name:
                total += 1
                hits += (
                    kamisu.area_of(by_name[name].lat, by_name[name].lon)
                    == feature["properties"]["id"]
                )
    assert total > 50 and hits / total > 0.9


def _square(lon: float, lat: float, size: float) -> list[list[list[float]]]:
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    ]


def test_areas_are_data(tmp_path: Path) -> None:
    """Any GeoJSON of polygons with an id or name property works as areas."""
    path = tmp_path / "areas.geojson"
    north = {"type": "Polygon", "coordinates": _square(0, 1, 1)}
    south = {"type": "Polygon", "coordinates": _square(0, 0, 1)}
    features = [
        {"type": "Feature", "properties": {"name": "North"}, "geometry": north},
        {"type": "Feature", "properties": {"id": "S", "name": "South"}, "geometry": south},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    areas = ServiceAreas.from_geojson(path)
    assert areas.area_of(1.5, 0.5) == "North"
    assert areas.area_of(0.5, 0.5) == "S"
    assert areas.area_of(5, 5) is None
    assert areas.get("S").name == "South"


def test_file_without_polygons_is_refused(tmp_path: Path) -> None:
    """A GeoJSON with only points is a clear data error."""
    path = tmp_path / "points.geojson"
    point = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [0, 0]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [point]}))
    with pytest.raises(MapDataError, match="no polygon"):
        ServiceAreas.from_geojson(path)
