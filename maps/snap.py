"""Snapping a lat/lon to the road network: nearest edge, the node to route from, the distance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from maps.errors import SnapError
from maps.geo import LocalProjection
from maps.network import NetworkArrays


@dataclass(frozen=True)
class EdgeSnap:
    """Where a point meets the road: the edge, the chosen node index, the point on the
    road and the straight-line distance to it (m).
    """

    edge: int
    node_index: int
    lat: float
    lon: float
    distance_m: float


class Snapper:
    """Nearest-edge snapping with an STRtree of the edge geometries in local metres."""

    def __init__(self, net: NetworkArrays, boundary: BaseGeometry, max_snap_m: float) -> None:
        self.net = net
        self.boundary = boundary
        self.max_snap_m = max_snap_m
        self.proj = LocalProjection(float(np.mean(net.lat)), float(np.mean(net.lon)))
        x, y = self.proj.to_xy(net.geom_lon, net.geom_lat)
        counts = np.diff(net.geom_offsets)
        index = np.repeat(np.arange(len(counts)), counts)
        self.lines = shapely.linestrings(np.column_stack([x, y]), indices=index)
        stoppable = np.flatnonzero(net.edge_stoppable)
        self.candidates = stoppable if len(stoppable) else np.arange(len(counts))
        self.tree = shapely.STRtree(self.lines[self.candidates])

    def check_inside(self, lat: float, lon: float) -> None:
        """Raise ``SnapError('outside_boundary')`` when the point is outside the city."""
        if not shapely.contains_xy(self.boundary, lon, lat):
            msg = f"the point {lat:.6f},{lon:.6f} is outside the service boundary"
            raise SnapError("outside_boundary", msg, "その地点は運行区域の外です")

    def snap(self, lat: float, lon: float, *, inside: bool = True) -> EdgeSnap:
        """Snap a point inside the boundary to its nearest road within ``max_snap_m``.

        Only edges where a vehicle may stop count (not bridges, tunnels, motorways). The
        node to route from is the end of the nearest edge closer along that edge. With
        ``inside=False`` a point outside the boundary is snapped too (a vehicle driving a
        road that runs just outside the city is still on the network).
        """
        if inside:
            self.check_inside(lat, lon)
        x, y = self.proj.to_xy(lon, lat)
        point = shapely.Point(float(x), float(y))
        hits, dists = self.tree.query_nearest(
            point, max_distance=self.max_snap_m, return_distance=True
        )
        if len(hits) == 0:
            msg = (
                f"the point {lat:.6f},{lon:.6f} is more than {self.max_snap_m:.0f} m "
                "from any road a vehicle can use"
            )
            ja = f"その地点から {self.max_snap_m:.0f} m 以内に車が通れる道路がありません"
            raise SnapError("too_far_from_road", msg, ja)
        # ties (both directions of a road) resolved deterministically
        edge = int(self.candidates[int(min(hits))])
        line = self.lines[edge]
        along = float(shapely.line_locate_point(line, point))
        on_road = shapely.line_interpolate_point(line, along)
        node = self.net.edge_u[edge] if along <= line.length / 2 else self.net.edge_v[edge]
        rlon, rlat = self.proj.to_lonlat(on_road.x, on_road.y)
        return EdgeSnap(
            edge=edge,
            node_index=int(node),
            lat=float(rlat),
            lon=float(rlon),
            distance_m=float(dists[0]),
        )
