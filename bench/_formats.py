"""Readers for published benchmark instances: Cordeau DARP files and Li & Lim PDPTW files.

Both formats are whitespace-separated text with Euclidean travel times. The
readers keep the raw numbers (floats, instance node ids); converting them into
an optimizer ``Problem`` is the benchmarks' job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path


class FormatError(ValueError):
    """An instance file does not follow the expected format."""


@dataclass(frozen=True)
class Node:
    """One line of an instance: a point with service time, load and time window."""

    id: int
    x: float
    y: float
    service: float
    load: int
    tw_start: float
    tw_end: float


@dataclass(frozen=True)
class DarpInstance:
    """A Cordeau-format DARP instance: ``n`` requests, node ``i`` picks up and ``n + i`` drops.

    ``nodes[0]`` is the origin depot and ``nodes[2n + 1]`` the destination depot
    (a copy of node 0 with the route-duration end when the file omits it).
    """

    name: str
    vehicles: int
    max_route_duration: float
    capacity: int
    max_ride_time: float
    n: int
    nodes: tuple[Node, ...]

    def distance(self, a: int, b: int) -> float:
        """Return the exact Euclidean distance (= travel time) between node ids ``a`` and ``b``."""
        na, nb = self.nodes[a], self.nodes[b]
        return math.hypot(na.x - nb.x, na.y - nb.y)


def _numbers(path: Path) -> list[list[str]]:
    try:
        text = path.read_text()
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise FormatError(msg) from exc
    return [line.split() for line in text.splitlines() if line.strip()]


def read_darp(path: Path) -> DarpInstance:
    """Read a Cordeau-format DARP file (``K N T Q L`` then one node per line).

    ``N`` in the header is unreliable (sometimes n, sometimes 2n), so n is the
    number of nodes with a positive load.
    """
    rows = _numbers(path)
    try:
        k, _, t, q, ride = rows[0][:5]
        nodes = [
            Node(int(r[0]), float(r[1]), float(r[2]), float(r[3]), int(float(r[4])),
                 float(r[5]), float(r[6]))
            for r in rows[1:]
        ]
        n = sum(1 for nd in nodes if nd.load > 0)
        header = (int(k), float(t), int(q), float(ride))
    except (ValueError, IndexError) as exc:
        msg = f"{path.name}: not a Cordeau DARP file ({exc})"
        raise FormatError(msg) from exc
    if n == 0 or len(nodes) < 2 * n + 1 or any(nd.id != i for i, nd in enumerate(nodes)):
        msg = f"{path.name}: expected a depot and 2n numbered nodes, got {len(nodes)} lines"
        raise FormatError(msg)
    for i in range(1, n + 1):
        if nodes[n + i].load != -nodes[i].load:
            msg = f"{path.name}: node {n + i} should drop the load of node {i}"
            raise FormatError(msg)
    if len(nodes) == 2 * n + 1:
        d0 = nodes[0]
        nodes.append(Node(2 * n + 1, d0.x, d0.y, 0.0, 0, d0.tw_start, d0.tw_end))
    return DarpInstance(path.stem, header[0], header[1], header[2], header[3], n,
                        tuple(nodes[: 2 * n + 2]))


@dataclass(frozen=True)
class LiLimNode:
    """One Li & Lim task: a point, demand, window, service time and its partner task."""

    id: int
    x: float
    y: float
    demand: int
    tw_start: float
    tw_end: float
    service: float
    pickup: int
    delivery: int


@dataclass(frozen=True)
class LiLimInstance:
    """A Li & Lim PDPTW instance: ``nodes[0]`` is the depot; pairs by (pickup, delivery) id."""

    name: str
    vehicles: int
    capacity: int
    nodes: tuple[LiLimNode, ...]

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """Return the (pickup id, delivery id) of every request."""
        return [(nd.id, nd.delivery) for nd in self.nodes if nd.demand > 0]

    def distance(self, a: int, b: int) -> float:
        """Return the exact Euclidean distance between task ids ``a`` and ``b``."""
        na, nb = self.nodes[a], self.nodes[b]
        return math.hypot(na.x - nb.x, na.y - nb.y)


def read_lilim(path: Path) -> LiLimInstance:
    """Read a Li & Lim file (``K Q speed`` then ``id x y demand e l s p d`` per task)."""
    rows = _numbers(path)
    try:
        k, q = int(rows[0][0]), int(rows[0][1])
        nodes = [
            LiLimNode(int(r[0]), float(r[1]), float(r[2]), int(r[3]), float(r[4]),
                      float(r[5]), float(r[6]), int(r[7]), int(r[8]))
            for r in rows[1:]
        ]
    except (ValueError, IndexError) as exc:
        msg = f"{path.name}: not a Li & Lim file ({exc})"
        raise FormatError(msg) from exc
    if not nodes or any(nd.id != i for i, nd in enumerate(nodes)):
        msg = f"{path.name}: tasks must be numbered 0, 1, 2, ... in order"
        raise FormatError(msg)
    for nd in nodes[1:]:
        if nd.demand > 0 and not (0 < nd.delivery < len(nodes)
                                  and nodes[nd.delivery].pickup == nd.id):
            msg = f"{path.name}: task {nd.id} and its delivery {nd.delivery} do not match"
            raise FormatError(msg)
    return LiLimInstance(path.stem, k, q, tuple(nodes))
