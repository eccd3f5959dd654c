"""``CityMap``: one city's roads, boundary, areas and places behind a small API.

``load_map(config)`` builds it once per process and config (the road graph's
parsed forms are cached on disk by ``maps.network``); every method is read-only,
so one instance can serve every request and thread.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import networkx as nx
import numpy as np

from maps.areas import ServiceAreas
from maps.config import CityInfo, MapsConfig, read_city
from maps.errors import MapDataError
from maps.geo import read_area_union, read_geojson
from maps.network import NetworkArrays, build_lock, cache_folder, load_arrays, load_network
from maps.places import Places, Towns
from maps.routing import UNREACHABLE, Router
from maps.snap import Snapper


@dataclass(frozen=True)
class Snap:
    """A point matched to the road: the osmnx ``node`` to route from, the point on the
    road (``lat``, ``lon``), the straight-line ``snap_distance_m`` from the given point
    to it, and the service ``area`` id of the given point (None when in no area).
    """

    node: int
    lat: float
    lon: float
    snap_distance_m: float
    area: str | None


@dataclass(frozen=True)
class RouteGeometry:
    """The fastest path between two nodes: duration, distance and a GeoJSON LineString's
    coordinates ``[(lon, lat), ...]`` (at least two positions). ``times_s`` gives, for
    each position, the driving time from the start to it (empty when not known), so a
    vehicle's place after ``t`` seconds follows the road speeds, not just the length.
    """

    duration_s: int
    distance_m: int
    coordinates: tuple[tuple[float, float], ...]
    times_s: tuple[float, ...] = ()

    def to_geojson(self) -> dict[str, Any]:
        """The route as a GeoJSON Feature with its duration and distance as properties."""
        return {
            "type": "Feature",
            "properties": {"duration_s": self.duration_s, "distance_m": self.distance_m},
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in self.coordinates]},
        }


class DemandCell(NamedTuple):
    """A cell of the demand grid: representative point and its share of trips (sums to 1)."""

    lat: float
    lon: float
    weight: float


class CityMap:
    """A city's road network, boundary, service areas and places (see ``load_map``)."""

    def __init__(self, config: MapsConfig, city: CityInfo, net: NetworkArrays) -> None:
        self.config = config
        self.city = city
        self.net = net
        folder, _, _ = cache_folder(config)
        self.router = Router(net, folder)
        self.boundary = read_area_union(city.required_path("boundary"))
        self.snapper = Snapper(net, self.boundary, config.max_snap_m)
        areas_path = city.path("service_areas")
        self.areas = ServiceAreas.from_geojson(areas_path) if areas_path else ServiceAreas([])
        self.places = Places.from_csv(city.path("destinations"))
        self.towns = Towns.from_json(city.path("towns"), city.path("town_readings"))
        order = np.argsort(net.node_ids)
        self._sorted_ids = net.node_ids[order]
        self._sorted_index = order

    # --- nodes -------------------------------------------------------------------------
    def node_index(self, nodes: Sequence[int] | np.ndarray) -> np.ndarray:
        """Indices (into ``net``) of osmnx node ids; an unknown id raises ``ValueError``."""
        ids = np.asarray(nodes, dtype=np.int64).reshape(-1)
        pos = np.searchsorted(self._sorted_ids, ids)
        pos = np.minimum(pos, len(self._sorted_ids) - 1)
        bad = self._sorted_ids[pos] != ids
        if bad.any():
            msg = f"unknown road node id(s): {ids[bad][:5].tolist()}"
            raise ValueError(msg)
        return np.asarray(self._sorted_index[pos])

    def node_latlon(self, node: int) -> tuple[float, float]:
        """(lat, lon) of an osmnx node id."""
        i = int(self.node_index([node])[0])
        return float(self.net.lat[i]), float(self.net.lon[i])

    # --- points ------------------------------------------------------------------------
    def snap(self, lat: float, lon: float) -> Snap:
        """Match a point to the road network (raises ``SnapError`` with the reason)."""
        return self._matched(lat, lon, inside=True)

    def locate(self, lat: float, lon: float) -> Snap:
        """Match a vehicle's reported position to the road network, inside the boundary
        or not: roads between two parts of the city may run just outside it, and a car
        seen there is still on its way (only riders' addresses must be inside)."""
        return self._matched(lat, lon, inside=False)

    def _matched(self, lat: float, lon: float, *, inside: bool) -> Snap:
        hit = self.snapper.snap(lat, lon, inside=inside)
        return Snap(
            node=int(self.net.node_ids[hit.node_index]),
            lat=hit.lat,
            lon=hit.lon,
            snap_distance_m=hit.distance_m,
            area=self.areas.area_of(lat, lon),
        )

    def area_of(self, lat: float, lon: float) -> str | None:
        """Id of the service area containing the point, or None."""
        return self.areas.area_of(lat, lon)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """The boundary's bounding box as ``(south, west, north, east)`` in degrees."""
        west, south, east, north = (float(x) for x in self.boundary.bounds)
        return south, west, north, east

    def inside(self, lat: float, lon: float) -> bool:
        """Whether the point lies inside the city's service boundary."""
        import shapely

        return bool(shapely.contains_xy(self.boundary, lon, lat))

    # --- travel times ------------------------------------------------------------------
    def matrix(
        self, src_nodes: Sequence[int] | np.ndarray, dst_nodes: Sequence[int] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Durations (s) and distances (m) of the fastest paths from every source node to
        every destination node, two int64 arrays ``len(src) x len(dst)``. The distance
        is measured along the fastest path; ``UNREACHABLE`` marks pairs with no path.
        """
        return self.router.matrix(self.node_index(src_nodes), self.node_index(dst_nodes))

    def route(self, node_a: int, node_b: int) -> RouteGeometry:
        """The fastest path from ``node_a`` to ``node_b`` with its line geometry."""
        a, b = (int(i) for i in self.node_index([node_a, node_b]))
        edges = self.router.path_edges(a, b)
        if edges is None:
            msg = f"no road path from node {node_a} to node {node_b}"
            raise ValueError(msg)
        if not edges:
            here = (round(float(self.net.lon[a]), 6), round(float(self.net.lat[a]), 6))
            return RouteGeometry(0, 0, (here, here), (0.0, 0.0))
        edge_arr = np.asarray(edges)
        p = self.router.packing
        packed = int(self.router.edge_weight[edge_arr].sum())
        coords: list[tuple[float, float]] = []
        times: list[float] = []
        for e in edges:
            pts = [(round(float(x), 6), round(float(y), 6)) for x, y in self.net.edge_coords(e)]
            start = times[-1] if times else 0.0
            for pt, t in zip(pts, _spread(pts, float(self.net.edge_time_s[e])), strict=True):
                if coords and coords[-1] == pt:
                    continue
                coords.append(pt)
                times.append(start + t)
        if len(coords) == 1:  # an edge whose ends coincide: keep a two-position line
            coords.append(coords[0])
            times.append(times[0])
        return RouteGeometry(
            duration_s=round(packed // p.dist_base * p.unit_s),
            distance_m=packed % p.dist_base,
            coordinates=tuple(coords),
            times_s=tuple(times),
        )

    # --- data for other packages -------------------------------------------------------
    def demand_cells(self) -> list[DemandCell]:
        """The demand grid (for the simulator): one cell per feature, weights summing to 1."""
        path = self.city.path("demand_grid")
        if path is None:
            return []
        cells = []
        for feature in read_geojson(path)["features"]:
            props = feature.get("properties") or {}
            if "rep_lat" in props and "rep_lon" in props:
                lat, lon = float(props["rep_lat"]), float(props["rep_lon"])
            else:
                from shapely.geometry import shape

                rp = shape(feature["geometry"]).representative_point()
                lat, lon = rp.y, rp.x
            cells.append((lat, lon, float(props.get("weight", 1.0))))
        total = sum(w for _, _, w in cells)
        if total <= 0:
            msg = f"{path}: the demand weights sum to {total}"
            raise MapDataError(msg, f"{path}: 需要の重みの合計が正ではありません")
        return [DemandCell(lat, lon, w / total) for lat, lon, w in cells if w > 0]

    def geojson_layers(self) -> dict[str, dict[str, Any]]:
        """GeoJSON FeatureCollections for web maps: ``boundary``, ``areas``, ``roads``
        (major roads, light enough for a browser) and ``places``.
        """
        from maps.layers import build_layers

        return build_layers(self)

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The osmnx graph (loaded on first use; do not mutate)."""
        return load_network(self.config)


_CACHE: dict[tuple[object, ...], CityMap] = {}
_LOCK = threading.Lock()


def load_map(config: MapsConfig) -> CityMap:
    """The ``CityMap`` for ``config``, built on first call and reused in this process."""
    key = config.key()
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            with build_lock(cache_folder(config)[0]):
                found = CityMap(config, read_city(config.data_dir), load_arrays(config))
            _CACHE[key] = found
        return found


__all__ = ["UNREACHABLE", "CityMap", "DemandCell", "RouteGeometry", "Snap", "load_map"]


def _spread(pts: list[tuple[float, float]], total_s: float) -> list[float]:
    """Driving time from an edge's first point to each of its points, by length along it."""
    seg = [math.dist(a, b) for a, b in itertools.pairwise(pts)]
    length = sum(seg)
    out, acc = [0.0], 0.0
    for d in seg:
        acc += d
        out.append(total_s * acc / length if length > 0 else total_s)
    return out
