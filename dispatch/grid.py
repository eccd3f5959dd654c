"""A synthetic city on a square street grid, for tests and the simulator's scale mode.

Nodes are integers ``row * cols + col``; travel is Manhattan distance along
the grid at a constant speed; the four quadrants are service areas "A".."D".
It satisfies ``dispatch.ports.TravelTimes`` without any map data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

_M_PER_DEG_LAT = 111_320.0


class GridSnapError(ValueError):
    """A point is outside the grid (same fields as ``maps.SnapError``)."""

    def __init__(self, code: str, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_ja = message_ja


@dataclass(frozen=True)
class GridSnap:
    """A point snapped to a grid node."""

    node: int
    lat: float
    lon: float
    snap_distance_m: float
    area: str | None


@dataclass(frozen=True)
class GridRoute:
    """An L-shaped route on the grid."""

    duration_s: int
    distance_m: int
    coordinates: tuple[tuple[float, float], ...]
    times_s: tuple[float, ...] = ()


class GridCity:
    """A ``cols`` × ``rows`` street grid with ``spacing_m`` blocks south-west at ``origin``."""

    def __init__(
        self,
        *,
        origin_lat: float = 35.85,
        origin_lon: float = 140.60,
        cols: int = 20,
        rows: int = 20,
        spacing_m: float = 500.0,
        speed_kph: float = 30.0,
    ) -> None:
        self.origin_lat, self.origin_lon = origin_lat, origin_lon
        self.cols, self.rows = cols, rows
        self.spacing_m = spacing_m
        self.speed_mps = speed_kph / 3.6
        self._dlat = spacing_m / _M_PER_DEG_LAT
        self._dlon = spacing_m / (_M_PER_DEG_LAT * math.cos(math.radians(origin_lat)))

    def node_latlon(self, node: Any) -> tuple[float, float]:
        """Return the (lat, lon) of ``node``."""
        r, c = divmod(int(node), self.cols)
        return self.origin_lat + r * self._dlat, self.origin_lon + c * self._dlon

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """The grid's bounding box as ``(south, west, north, east)`` in degrees."""
        north, east = self.node_latlon(self.rows * self.cols - 1)
        return self.origin_lat, self.origin_lon, north, east

    def area_of_node(self, node: int) -> str:
        """Return the quadrant "A".."D" of ``node``."""
        r, c = divmod(int(node), self.cols)
        return "ABCD"[(2 if r >= self.rows / 2 else 0) + (1 if c >= self.cols / 2 else 0)]

    def snap(self, lat: float, lon: float) -> GridSnap:
        """Return the nearest node; raise ``GridSnapError`` outside the grid (+ half a block)."""
        fr = (lat - self.origin_lat) / self._dlat
        fc = (lon - self.origin_lon) / self._dlon
        if not (-0.5 <= fr <= self.rows - 0.5 and -0.5 <= fc <= self.cols - 0.5):
            raise GridSnapError(
                "outside_boundary",
                "This place is outside the service area.",
                "この場所はサービス区域外です。",
            )
        r, c = round(fr), round(fc)
        node = r * self.cols + c
        nlat, nlon = self.node_latlon(node)
        d = math.hypot((fr - r) * self.spacing_m, (fc - c) * self.spacing_m)
        return GridSnap(node, nlat, nlon, d, self.area_of_node(node))

    def random_point(self, rng: np.random.Generator) -> tuple[float, float]:
        """Return a uniformly random (lat, lon) inside the grid."""
        r = rng.uniform(0, self.rows - 1)
        c = rng.uniform(0, self.cols - 1)
        return self.origin_lat + r * self._dlat, self.origin_lon + c * self._dlon

    def matrix(
        self, src: Sequence[Any], dst: Sequence[Any]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Return (durations_s, distances_m) between node lists (Manhattan, constant speed)."""
        s = np.asarray([int(n) for n in src], dtype=np.int64)
        d = np.asarray([int(n) for n in dst], dtype=np.int64)
        sr, sc = np.divmod(s, self.cols)
        dr, dc = np.divmod(d, self.cols)
        blocks = np.abs(sr[:, None] - dr[None, :]) + np.abs(sc[:, None] - dc[None, :])
        dist = np.rint(blocks * self.spacing_m).astype(np.int64)
        dur = np.rint(dist / self.speed_mps).astype(np.int64)
        return dur, dist

    def route(self, node_a: Any, node_b: Any) -> GridRoute:
        """Return the route going along the row first, then the column."""
        ar, ac = divmod(int(node_a), self.cols)
        br, bc = divmod(int(node_b), self.cols)
        pts = [self.node_latlon(node_a), self.node_latlon(ar * self.cols + bc)]
        pts.append(self.node_latlon(node_b))
        coords = tuple((lon, lat) for lat, lon in pts)
        dist = round((abs(ar - br) + abs(ac - bc)) * self.spacing_m)
        corner_m = abs(ac - bc) * self.spacing_m
        times = (0.0, corner_m / self.speed_mps, dist / self.speed_mps)
        return GridRoute(round(dist / self.speed_mps), dist, coords, times)
