"""Snapping points to roads: inside, outside the boundary, in the river, too far from roads."""

from __future__ import annotations

import numpy as np
import pytest

from maps import CityMap, MapsConfig, SnapError
from maps.citymap import CityMap as CityMapClass
from maps.config import read_city
from maps.network import load_arrays
from tests.maps.conftest import CHOSHI, CITY_HALL, HASAKI_BRANCH, PACIFIC, TONE_RIVER


def test_snap_inside_returns_near_node(kamisu: CityMap) -> None:
    """City hall snaps to a nearby road node, within 100 m, in area B."""
    snap = kamisu.snap(*CITY_HALL)
    assert 0 <= snap.snap_distance_m < 100
    lat, lon = kamisu.node_latlon(snap.node)
    assert abs(lat - CITY_HALL[0]) < 0.005 and abs(lon - CITY_HALL[1]) < 0.005
    assert snap.area == "B"
    assert kamisu.snap(*HASAKI_BRANCH).area == "D"


def test_point_on_a_road_snaps_with_zero_distance(kamisu: CityMap) -> None:
    """The point on the road that a snap returns snaps again with ~0 m to the same node."""
    first = kamisu.snap(*CITY_HALL)
    again = kamisu.snap(first.lat, first.lon)
    assert again.snap_distance_m < 1.0
    assert again.node == first.node


@pytest.mark.parametrize("point", [PACIFIC, CHOSHI, (35.0, 139.0)])
def test_outside_boundary_is_refused(kamisu: CityMap, point: tuple[float, float]) -> None:
    """The sea, Choshi across the river and far away are outside the service boundary."""
    with pytest.raises(SnapError) as info:
        kamisu.snap(*point)
    assert info.value.code == "outside_boundary"
    assert info.value.message_ja and info.value.message_en


def test_tone_river_is_too_far_from_road(kamisu: CityMap) -> None:
    """A point in the Tone river is inside the boundary but has no road near."""
    assert kamisu.inside(*TONE_RIVER)
    with pytest.raises(SnapError) as info:
        kamisu.snap(*TONE_RIVER)
    assert info.value.code == "too_far_from_road"


def test_max_snap_distance_is_configurable(kamisu_config: MapsConfig) -> None:
    """With a 2 km limit the river point snaps; with 300 m it does not."""
    wide = MapsConfig(kamisu_config.data_dir, kamisu_config.cache_dir, max_snap_m=2000.0)
    city_map = CityMapClass(wide, read_city(wide.data_dir), load_arrays(wide))
    snap = city_map.snap(*TONE_RIVER)
    assert 300 < snap.snap_distance_m <= 2000


def test_never_snaps_onto_bridges_or_tunnels(kamisu: CityMap) -> None:
    """Points on bridges and in tunnels snap to a road where a car can stop, or are refused."""
    net = kamisu.net
    structures = np.flatnonzero(~net.edge_stoppable)
    assert len(structures) > 50  # Kamisu has bridges (and a few tunnels)
    snapped = 0
    for edge in structures:
        coords = net.edge_coords(int(edge))
        lon, lat = coords[len(coords) // 2]
        if not kamisu.inside(float(lat), float(lon)):
            continue
        try:
            hit = kamisu.snapper.snap(float(lat), float(lon))
        except SnapError as exc:
            assert exc.code == "too_far_from_road"
            continue
        assert net.edge_stoppable[hit.edge]
        snapped += 1
    assert snapped > 10
