"""Small geometry helpers: a local metric projection and reading GeoJSON polygon files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from maps.errors import MapDataError

_M_PER_DEG_LAT = 111_132.0


class LocalProjection:
    """Equirectangular projection to metres around a city's centre (error < 0.5 % over
    a few tens of km), good enough for snapping distances without a CRS library.
    """

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0 = lat0
        self.lon0 = lon0
        self.kx = _M_PER_DEG_LAT * math.cos(math.radians(lat0))

    def to_xy(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        """Project lon/lat (scalars or arrays) to x/y metres."""
        return (np.asarray(lon) - self.lon0) * self.kx, (
            np.asarray(lat) - self.lat0
        ) * _M_PER_DEG_LAT

    def to_lonlat(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Inverse of ``to_xy``."""
        return np.asarray(x) / self.kx + self.lon0, np.asarray(y) / _M_PER_DEG_LAT + self.lat0


def read_geojson(path: Path) -> dict[str, Any]:
    """Read a GeoJSON file as a FeatureCollection dict (a bare geometry or Feature is wrapped)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"cannot read GeoJSON {path}: {exc}"
        raise MapDataError(msg, f"GeoJSON {path} を読めません") from exc
    if data.get("type") == "FeatureCollection":
        return dict(data)
    if data.get("type") == "Feature":
        return {"type": "FeatureCollection", "features": [data]}
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": data}],
    }


def polygons_of(
    collection: dict[str, Any], path: Path
) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """(properties, polygon geometry) of every polygon feature of a FeatureCollection."""
    out = []
    for feature in collection.get("features", []):
        geom = shape(feature["geometry"]) if feature.get("geometry") else None
        if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        geom = shapely.make_valid(geom) if not geom.is_valid else geom
        out.append((dict(feature.get("properties") or {}), geom))
    if not out:
        msg = f"{path} holds no polygon"
        raise MapDataError(msg, f"{path} に多角形がありません")
    return out


def read_area_union(path: Path) -> BaseGeometry:
    """The union of all polygons of a GeoJSON file (e.g. a city boundary), prepared."""
    geom = shapely.union_all([g for _, g in polygons_of(read_geojson(path), path)])
    shapely.prepare(geom)
    return geom
