"""The synthetic grid city: snapping, Manhattan matrices, routes and areas."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.grid import GridCity, GridSnapError


def test_snap_and_areas() -> None:
    """A point snaps to the nearest node; the four quadrants are areas A-D."""
    g = GridCity(cols=10, rows=10, spacing_m=100.0)
    lat, lon = g.node_latlon(23)
    s = g.snap(lat + 0.0001, lon)
    assert s.node == 23 and s.snap_distance_m < 20
    assert [g.area_of_node(n) for n in (0, 9, 90, 99)] == ["A", "B", "C", "D"]
    with pytest.raises(GridSnapError) as err:
        g.snap(lat + 1.0, lon)
    assert err.value.code == "outside_boundary" and err.value.message_ja


def test_matrix_and_route_agree() -> None:
    """Durations are Manhattan distance at the set speed, the same as the route's."""
    g = GridCity(cols=10, rows=10, spacing_m=100.0, speed_kph=36.0)
    dur, dist = g.matrix([0, 11], [0, 11, 99])
    assert dist.tolist() == [[0, 200, 1800], [200, 0, 1600]]
    assert np.array_equal(dur, dist // 10)
    r = g.route(0, 99)
    assert (r.distance_m, r.duration_s) == (1800, 180)
    assert r.coordinates[0] == tuple(reversed(g.node_latlon(0)))
    assert r.coordinates[-1] == tuple(reversed(g.node_latlon(99)))
