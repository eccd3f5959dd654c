"""Fastest paths and many-to-many travel-time matrices on the road graph.

Every directed arc gets one integer weight that packs two metrics
lexicographically: ``time_units * dist_base + length_m``. Minimising it finds the
fastest path (time in units of ``unit_s``, a fraction of a second) and, among
equally fast paths, the shortest; the remainder modulo ``dist_base`` is the
distance in metres *along that fastest path*, so one search gives both matrices.
``dist_base`` exceeds any fastest path's length (bounded by the graph's time
diameter times its top speed, both measured at build time) and ``unit_s`` is the
finest unit that keeps every fastest path's weight below ``_MAX_PATH_WEIGHT``,
under RoutingKit's 31-bit infinity (its relaxations compare sums of two values
each at most that infinity, which cannot wrap a 32-bit word). Edge times and
lengths are rounded to whole units with a fixed-seed dither, so rounding errors
cancel along a path instead of adding up (about a second on an hour's trip).

The matrices come from a customizable contraction hierarchy (``pyroutingkit``),
built once per graph and its topology cached on disk. ``matrix_dijkstra`` gives
the same numbers with ``scipy.sparse.csgraph.dijkstra`` (the baseline of the
benchmark and the fallback when the CCH is unavailable or the packing would be
coarser than a second). Parallel edges keep their lightest arc, never the sum.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from maps.network import NetworkArrays

#: Value of a duration or distance between nodes that no path joins.
UNREACHABLE = 2**31 - 1
_MAX_PATH_WEIGHT = 2**31 - 2**27
_CCH_INF = 2**31 - 1


@dataclass(frozen=True)
class Packing:
    """How the two metrics share one integer weight: ``time_units * dist_base + length_m``."""

    unit_s: float
    dist_base: int


def _min_time_csr(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> sp.csr_matrix:
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return sp.csr_matrix((w[first], (u[first], v[first])), shape=(n, n))


def choose_packing(net: NetworkArrays) -> Packing:
    """Measure the graph's time diameter bound and top speed, and pick the packing."""
    n = len(net.node_ids)
    times = np.maximum(net.edge_time_s, 1e-3)
    graph = _min_time_csr(n, net.edge_u, net.edge_v, times)
    centre = int(np.argmin((net.lat - net.lat.mean()) ** 2 + (net.lon - net.lon.mean()) ** 2))
    out = dijkstra(graph, indices=centre)
    inn = dijkstra(graph.T.tocsr(), indices=centre)
    # d(a, b) <= d(a, c) + d(c, b): a bound on every fastest path's duration
    bound_s = (out[np.isfinite(out)].max() + inn[np.isfinite(inn)].max()) * 1.05 + 60.0
    top_mps = float(np.max(net.edge_length_m / times)) if len(times) else 1.0
    dist_base = math.ceil(bound_s * top_mps * 1.05) + 1000
    unit_s = bound_s / (_MAX_PATH_WEIGHT // dist_base)
    return Packing(unit_s=float(unit_s), dist_base=dist_base)


def _pair_dither(net: NetworkArrays) -> np.ndarray:
    """Two fixed pseudo-random offsets in [0, 1) per edge, equal for both directions of a
    two-way road (hashed from its unordered end nodes) so its matrix stays symmetric.
    """
    ids = net.node_ids.astype(np.uint64)
    a = np.minimum(ids[net.edge_u], ids[net.edge_v])
    b = np.maximum(ids[net.edge_u], ids[net.edge_v])
    with np.errstate(over="ignore"):
        h = a * np.uint64(0x9E3779B97F4A7C15) ^ (b + np.uint64(0x632BE59BD9B4E019))
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    lo = (h & np.uint64(0xFFFFFFFF)).astype(np.float64) / 2.0**32
    hi = (h >> np.uint64(32)).astype(np.float64) / 2.0**32
    return np.vstack([lo, hi])


class Router:
    """Shortest paths on ``NetworkArrays`` by node index (see the module docstring)."""

    def __init__(self, net: NetworkArrays, cache_dir: Path | None = None) -> None:
        self.net = net
        self.packing = choose_packing(net)
        p = self.packing
        dither = _pair_dither(net)
        units = np.floor(net.edge_time_s / p.unit_s + dither[0]).astype(np.int64)
        metres = np.floor(net.edge_length_m + dither[1]).astype(np.int64)
        weight = np.maximum(units * p.dist_base + metres, 1)
        order = np.lexsort((weight, net.edge_v, net.edge_u))
        keep = np.ones(len(order), dtype=bool)
        su, sv = net.edge_u[order], net.edge_v[order]
        keep[1:] = (su[1:] != su[:-1]) | (sv[1:] != sv[:-1])
        self.arc_edge = order[keep]  # the lightest of parallel edges, per arc
        self.arc_tail = net.edge_u[self.arc_edge].astype(np.uint32)
        self.arc_head = net.edge_v[self.arc_edge].astype(np.uint32)
        self.edge_weight = weight  # packed weight of every edge (route totals)
        self.arc_weight = weight[self.arc_edge]
        n = len(net.node_ids)
        self._csr = sp.csr_matrix(
            (self.arc_weight.astype(np.float64), (self.arc_tail, self.arc_head)), shape=(n, n)
        )
        self._lock = threading.Lock()  # the CCH bindings make no thread-safety promise
        self._metric = self._build_cch(cache_dir) if p.unit_s <= 1.0 else None

    @property
    def engine(self) -> str:
        """``"cch"`` when matrices come from the contraction hierarchy, else ``"dijkstra"``."""
        return "cch" if self._metric is not None else "dijkstra"

    def _build_cch(self, cache_dir: Path | None) -> object | None:
        try:
            import pyroutingkit as prk
        except ImportError:
            return None
        n = len(self.net.node_ids)
        topo = prk.CCHTopology()
        folder = cache_dir / "cch" if cache_dir is not None else None
        loaded = False
        if folder is not None and (folder / "order").is_file():
            try:
                topo.load(str(folder))
                loaded = topo.node_count == n and topo.arc_count == len(self.arc_tail)
            except RuntimeError:
                loaded = False
            if not loaded:
                topo = prk.CCHTopology()
        if not loaded:
            lat = self.net.lat.astype(np.float32)
            lon = self.net.lon.astype(np.float32)
            topo.build(self.arc_tail, self.arc_head, lat, lon, n)
            if folder is not None:
                _save_topology(topo, folder)
        metric = prk.CCHMetric(topo)
        metric.customize(self.arc_weight.astype(np.uint32))
        self._topology = topo  # the metric refers to it: keep it alive
        return metric

    def _decode(self, packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        base = self.packing.dist_base
        units, metres = np.divmod(packed, packed.dtype.type(base))
        durations = np.rint(units * self.packing.unit_s).astype(np.int64)
        distances = metres.astype(np.int64)
        bad = packed >= _CCH_INF
        if bad.any():
            durations[bad] = UNREACHABLE
            distances[bad] = UNREACHABLE
        return durations, distances

    def matrix(self, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Durations (s) and distances (m) along fastest paths, ``len(src) x len(dst)``."""
        src = np.asarray(src, dtype=np.uint32)
        dst = np.asarray(dst, dtype=np.uint32)
        if self._metric is None:
            return self.matrix_dijkstra(src, dst)
        if len(src) == 0 or len(dst) == 0:
            empty = np.zeros((len(src), len(dst)), dtype=np.int64)
            return empty, empty.copy()
        with self._lock:
            packed = self._metric.distances_many_to_many(src, dst)  # type: ignore[attr-defined]
        return self._decode(np.asarray(packed))

    def matrix_dijkstra(self, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Same as ``matrix`` with scipy's Dijkstra from every distinct source (baseline)."""
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        if len(src) == 0 or len(dst) == 0:
            empty = np.zeros((len(src), len(dst)), dtype=np.int64)
            return empty, empty.copy()
        sources, inverse = np.unique(src, return_inverse=True)
        rows = dijkstra(self._csr, indices=sources)[:, dst][inverse]
        packed = np.where(np.isfinite(rows), rows, float(_CCH_INF)).astype(np.int64)
        return self._decode(packed)

    def path_edges(self, a: int, b: int) -> list[int] | None:
        """Edge indices (into ``NetworkArrays``) of the fastest path a -> b, or None."""
        if a == b:
            return []
        if self._metric is not None:
            with self._lock:
                dist, _, arcs = self._metric.query(int(a), int(b))  # type: ignore[attr-defined]
            if dist >= _CCH_INF:
                return None
            return [int(self.arc_edge[i]) for i in arcs]
        _, pred = dijkstra(self._csr, indices=int(a), return_predecessors=True)
        if pred[b] < 0:
            return None
        nodes = [int(b)]
        while nodes[-1] != a:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        arc_of = {
            (int(t), int(h)): i
            for i, (t, h) in enumerate(zip(self.arc_tail, self.arc_head, strict=True))
        }
        return [int(self.arc_edge[arc_of[(x, y)]]) for x, y in itertools.pairwise(nodes)]


def _save_topology(topo: object, folder: Path) -> None:
    """Write the CCH topology to ``folder`` whole or not at all.

    It is written beside the target and renamed into place, so a process that
    starts while another writes (two API workers and a dispatcher on a fresh
    machine), or a write cut short, never reads a half-written topology.
    """
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        topo.save(str(tmp))  # type: ignore[attr-defined]
        if folder.exists():  # one that did not load (another graph, cut short): set aside
            stale = folder.with_name(tmp.name + ".old")
            os.rename(folder, stale)
            shutil.rmtree(stale, ignore_errors=True)
        os.rename(tmp, folder)
    except (OSError, RuntimeError):
        pass  # unwritable cache, or another process renamed its topology in first
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
