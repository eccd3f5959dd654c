"""Service areas: which area a point is in, from any GeoJSON file of polygons.

Areas are data. The loader takes each polygon feature's ``id`` property (or
``area_id``, or ``name``) as the area id and ``name`` as its label, so a city's
official areas replace provisional ones by swapping the file named in ``city.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from maps.errors import MapDataError
from maps.geo import polygons_of, read_geojson


@dataclass(frozen=True)
class Area:
    """One service area: its id (e.g. ``"A"``), its label and its polygon (lon/lat)."""

    id: str
    name: str
    geometry: BaseGeometry


class ServiceAreas:
    """The service areas of a city, looked up by point."""

    def __init__(self, areas: list[Area]) -> None:
        self.areas = tuple(areas)
        ids = [a.id for a in areas]
        if len(set(ids)) != len(ids):
            msg = f"service areas have duplicate ids: {ids}"
            raise MapDataError(msg, f"運行エリアの ID が重複しています: {ids}")
        for area in areas:
            shapely.prepare(area.geometry)

    @classmethod
    def from_geojson(cls, path: Path) -> ServiceAreas:
        """Read the areas from a GeoJSON file of (Multi)Polygon features."""
        areas = []
        for i, (props, geom) in enumerate(polygons_of(read_geojson(path), path)):
            area_id = props.get("id") or props.get("area_id") or props.get("name") or str(i + 1)
            areas.append(
                Area(id=str(area_id), name=str(props.get("name") or area_id), geometry=geom)
            )
        return cls(areas)

    def area_of(self, lat: float, lon: float) -> str | None:
        """Id of the area containing the point, or None when it is in none."""
        for area in self.areas:
            if shapely.contains_xy(area.geometry, lon, lat):
                return area.id
        return None

    def get(self, area_id: str) -> Area:
        """The area with this id (``KeyError`` if unknown)."""
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)

    def to_geojson(self, tolerance_deg: float = 0.0) -> dict[str, Any]:
        """The areas as a GeoJSON FeatureCollection (optionally simplified for drawing)."""
        features = []
        for area in self.areas:
            geom = area.geometry.simplify(tolerance_deg) if tolerance_deg else area.geometry
            features.append(
                {
                    "type": "Feature",
                    "properties": {"id": area.id, "name": area.name},
                    "geometry": mapping(geom),
                }
            )
        return {"type": "FeatureCollection", "features": features}
