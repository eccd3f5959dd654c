"""CityMap extras: in-process cache, demand cells, web-map layers."""

from __future__ import annotations

import json

from maps import CityMap, MapsConfig, load_map


def test_load_map_is_cached_in_process(kamisu: CityMap, kamisu_config: MapsConfig) -> None:
    """The same config gives the same CityMap object."""
    assert load_map(kamisu_config) is kamisu


def test_demand_cells_sum_to_one_inside_the_city(kamisu: CityMap) -> None:
    """Demand weights sum to 1 and the cells lie in or next to the city."""
    cells = kamisu.demand_cells()
    assert len(cells) > 200
    assert abs(sum(c.weight for c in cells) - 1.0) < 1e-9
    assert all(c.weight > 0 for c in cells)
    min_lon, min_lat, max_lon, max_lat = kamisu.boundary.bounds
    assert all(min_lat - 0.01 <= c.lat <= max_lat + 0.01 for c in cells)
    assert all(min_lon - 0.01 <= c.lon <= max_lon + 0.01 for c in cells)
    lat, lon, weight = cells[0]  # a plain tuple too
    assert (lat, lon, weight) == (cells[0].lat, cells[0].lon, cells[0].weight)


def test_geojson_layers_are_light_and_complete(kamisu: CityMap) -> None:
    """boundary, areas, roads and places are FeatureCollections, together under 1.5 MB."""
    layers = kamisu.geojson_layers()
    assert set(layers) == {"boundary", "areas", "roads", "places"}
    for layer in layers.values():
        assert layer["type"] == "FeatureCollection" and layer["features"]
    size = len(json.dumps(layers, ensure_ascii=False).encode())
    assert size < 1_500_000
    classes = {f["properties"]["class"] for f in layers["roads"]["features"]}
    assert "trunk" in classes and "residential" not in classes
    assert len(layers["places"]["features"]) == len(kamisu.places.all)
