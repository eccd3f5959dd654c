"""GeoJSON layers for web maps: boundary, service areas, major roads and places.

The road layer keeps only the major classes, one line per two-way road, with
coordinates rounded to about a metre and simplified, so the whole set stays well
under 1.5 MB for a browser with no tile server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import mapping

from maps.geo import read_geojson

if TYPE_CHECKING:
    from maps.citymap import CityMap

MAJOR_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")
_ROUND = 5  # decimal degrees: about 1 m
_SIMPLIFY_DEG = 0.00005  # about 5 m


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(c[0]), _ROUND), round(float(c[1]), _ROUND)]
        return [walk(x) for x in c]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def road_layer(city_map: CityMap, classes: tuple[str, ...] = MAJOR_CLASSES) -> dict[str, Any]:
    """Major roads as LineString features with a ``class`` property."""
    net = city_map.net
    wanted = {i for i, name in enumerate(net.class_names) if name in classes}
    seen: set[tuple[int, int]] = set()
    features = []
    for e in np.flatnonzero(np.isin(net.edge_class, list(wanted))):
        u, v = int(net.edge_u[e]), int(net.edge_v[e])
        pair = (min(u, v), max(u, v))
        if pair in seen:
            continue
        seen.add(pair)
        line = shapely.simplify(shapely.linestrings(net.edge_coords(int(e))), _SIMPLIFY_DEG)
        features.append(
            {
                "type": "Feature",
                "properties": {"class": net.class_names[int(net.edge_class[e])]},
                "geometry": _rounded(mapping(line)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def build_layers(city_map: CityMap) -> dict[str, dict[str, Any]]:
    """All layers of ``CityMap.geojson_layers`` as FeatureCollection dicts."""
    city = city_map.city
    simplified = city.path("boundary_simplified")
    if simplified is not None and simplified.is_file():
        boundary = read_geojson(simplified)
    else:
        geom = city_map.boundary.simplify(0.0005)
        boundary = {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": mapping(geom)}],
        }
    boundary = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": city.name_ja or city.name},
                "geometry": _rounded(f["geometry"]),
            }
            for f in boundary["features"]
        ],
    }
    areas = city_map.areas.to_geojson(tolerance_deg=0.0003)
    for f in areas["features"]:
        f["geometry"] = _rounded(f["geometry"])
    places = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": p.id, "name": p.name, "category": p.category},
                "geometry": {"type": "Point", "coordinates": [round(p.lon, 6), round(p.lat, 6)]},
            }
            for p in city_map.places.all
        ],
    }
    return {"boundary": boundary, "areas": areas, "roads": road_layer(city_map), "places": places}
