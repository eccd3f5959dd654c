"""The zones and designated destinations, read from a city's map data folder.

Only the light files (service areas, destinations) are read, never the road
graph, so ``noriai export`` runs in a second. Polygons are written with the
RFC 7946 winding (exterior rings counter-clockwise), which GTFS and GOFS
readers expect of GeoJSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import shapely
from shapely.geometry import mapping

from feeds.model import Destination, MapData, Zone
from maps.areas import ServiceAreas
from maps.config import read_city
from maps.geo import polygons_of, read_geojson
from maps.places import Places


def load_map_data(
    data_dir: Path, *, cross_area_categories: Iterable[str], cross_area_places: Iterable[str]
) -> MapData:
    """Return the service areas of ``data_dir`` as zones and its designated destinations.

    A destination is designated when its category is in ``cross_area_categories``
    or its id in ``cross_area_places`` (the city file's ``[areas]``): those are
    the places every area may travel to.
    """
    city = read_city(data_dir)
    zones: list[Zone] = []
    areas_path = city.path("service_areas")
    if areas_path is not None:
        for i, (props, geom) in enumerate(polygons_of(read_geojson(areas_path), areas_path)):
            zone_id = str(props.get("id") or props.get("area_id") or props.get("name") or i + 1)
            name = str(props.get("name") or zone_id)
            zones.append(
                Zone(
                    id=zone_id,
                    name_ja=name,
                    name_en=str(props.get("name_en") or name),
                    geometry=mapping(shapely.orient_polygons(geom)),
                )
            )
    lookup = ServiceAreas.from_geojson(areas_path) if areas_path else ServiceAreas([])
    categories, ids = frozenset(cross_area_categories), frozenset(cross_area_places)
    places = Places.from_csv(city.path("destinations")).all
    destinations = tuple(
        Destination(p.id, p.name, p.category, p.lat, p.lon, lookup.area_of(p.lat, p.lon))
        for p in places
        if p.category in categories or p.id in ids
    )
    return MapData(zones=tuple(zones), destinations=destinations)


def zone_lookup(data_dir: Path) -> ServiceAreas:
    """Return the service areas of ``data_dir`` for point-in-area look-ups (open data)."""
    path = read_city(data_dir).path("service_areas")
    return ServiceAreas.from_geojson(path) if path else ServiceAreas([])
