"""Load a city's road graph with configured speeds, and cache its parsed forms outside git.

The bundled graph is a gzip-compressed osmnx GraphML. Parsing it takes seconds, so
the first start writes two derived forms under ``MapsConfig.cache_dir``, in a
folder keyed by the graph file's hash and the speeds: a pickle of the osmnx
graph (for ``load_network``) and an ``.npz`` of flat arrays (nodes, edges, edge
geometries) that ``load_map`` uses; the second start reads those in milliseconds.
"""

from __future__ import annotations

import ast
import contextlib
import gzip
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from tqdm import tqdm

from maps.config import FALLBACK_SPEED_KPH, MapsConfig, effective_speeds, read_city
from maps.errors import MapDataError

#: Bump when the layout of the cached forms changes, so old caches are ignored.
CACHE_FORMAT = 2


@dataclass(frozen=True)
class NetworkArrays:
    """The road graph as flat arrays: nodes by index, one row per directed edge.

    ``node_ids`` are the osmnx node ids; edges refer to nodes by index. Edge ``i``'s
    geometry is ``geom_lon/geom_lat[geom_offsets[i]:geom_offsets[i + 1]]`` from its
    tail to its head. ``edge_class`` indexes ``class_names`` (the road class used for
    its speed). ``edge_stoppable`` is False where a vehicle cannot stop to pick someone
    up (bridges, tunnels, motorways), so points never snap there.
    """

    node_ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_time_s: np.ndarray
    edge_class: np.ndarray
    edge_stoppable: np.ndarray
    class_names: tuple[str, ...]
    geom_offsets: np.ndarray
    geom_lon: np.ndarray
    geom_lat: np.ndarray
    cache_key: str

    def edge_coords(self, i: int) -> np.ndarray:
        """Coordinates ``[[lon, lat], ...]`` of edge ``i`` from tail to head."""
        a, b = int(self.geom_offsets[i]), int(self.geom_offsets[i + 1])
        return np.column_stack([self.geom_lon[a:b], self.geom_lat[a:b]])


def road_class(highway: Any, speeds_kph: dict[str, float]) -> str:
    """The road class of an edge's ``highway`` tag (a string or, after simplification,
    a list): ``*_link`` counts as its road, and of several the fastest wins.
    """
    if isinstance(highway, str) and highway.startswith("["):
        # GraphML stores a simplified edge's list of tags as its Python repr
        with contextlib.suppress(ValueError, SyntaxError):
            highway = ast.literal_eval(highway)
    values = highway if isinstance(highway, list) else [highway]
    names = [str(v).removesuffix("_link") for v in values if v is not None] or ["unknown"]
    return max(names, key=lambda n: speeds_kph.get(n, FALLBACK_SPEED_KPH))


def is_stoppable(data: dict[str, Any], road: str) -> bool:
    """Whether a vehicle may stop on this edge to pick up or set down a rider."""
    brunnel = str(data.get("brunnel", ""))
    flags = (str(data.get("bridge", "no")), str(data.get("tunnel", "no")))
    on_structure = brunnel in ("bridge", "tunnel") or any(
        f not in ("no", "nan", "None") for f in flags
    )
    return not on_structure and road != "motorway"


def apply_speeds(graph: nx.MultiDiGraph, speeds_kph: dict[str, float]) -> None:
    """Set ``speed_kph`` and ``travel_time`` (s) on every edge from its class and length."""
    for _, _, data in graph.edges(data=True):
        kph = speeds_kph.get(road_class(data.get("highway"), speeds_kph), FALLBACK_SPEED_KPH)
        data["speed_kph"] = kph
        data["travel_time"] = float(data["length"]) / (kph / 3.6)


def cache_key(graph_path: Path, speeds_kph: dict[str, float]) -> str:
    """Key of the derived forms: hash of the graph file, the speeds and the cache format."""
    digest = hashlib.sha256()
    with graph_path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    digest.update(json.dumps(sorted(speeds_kph.items())).encode())
    digest.update(f"format={CACHE_FORMAT}".encode())
    return digest.hexdigest()[:24]


def parse_graphml(path: Path) -> nx.MultiDiGraph:
    """Read an osmnx GraphML file, gzip-compressed (``.gz``) or not."""
    import osmnx as ox

    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as f:
                return ox.load_graphml(graphml_str=f.read())
        return ox.load_graphml(path)
    except (OSError, ValueError, KeyError) as exc:
        msg = f"cannot read road graph {path}: {exc}"
        raise MapDataError(msg, f"道路データ {path} を読めません") from exc


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def graph_to_arrays(
    graph: nx.MultiDiGraph, key: str, speeds_kph: dict[str, float]
) -> NetworkArrays:
    """Flatten an osmnx graph (with ``travel_time``) into ``NetworkArrays``."""
    node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=len(graph))
    index = {int(n): i for i, n in enumerate(node_ids)}
    lat = np.array([graph.nodes[n]["y"] for n in graph.nodes], dtype=np.float64)
    lon = np.array([graph.nodes[n]["x"] for n in graph.nodes], dtype=np.float64)
    classes: dict[str, int] = {}
    us, vs, lengths, times, cls, stop = [], [], [], [], [], []
    offsets = [0]
    glon: list[float] = []
    glat: list[float] = []
    for u, v, data in graph.edges(data=True):
        us.append(index[int(u)])
        vs.append(index[int(v)])
        lengths.append(float(data["length"]))
        times.append(float(data["travel_time"]))
        name = road_class(data.get("highway"), speeds_kph)
        cls.append(classes.setdefault(name, len(classes)))
        stop.append(is_stoppable(data, name))
        geom = data.get("geometry")
        if geom is not None:
            xs, ys = geom.xy
            xs, ys = list(xs), list(ys)
        else:
            xs, ys = (
                [graph.nodes[u]["x"], graph.nodes[v]["x"]],
                [graph.nodes[u]["y"], graph.nodes[v]["y"]],
            )
        glon.extend(xs)
        glat.extend(ys)
        offsets.append(len(glon))
    return NetworkArrays(
        node_ids=node_ids,
        lat=lat,
        lon=lon,
        edge_u=np.array(us, dtype=np.int32),
        edge_v=np.array(vs, dtype=np.int32),
        edge_length_m=np.array(lengths, dtype=np.float64),
        edge_time_s=np.array(times, dtype=np.float64),
        edge_class=np.array(cls, dtype=np.int16),
        edge_stoppable=np.array(stop, dtype=bool),
        class_names=tuple(classes),
        geom_offsets=np.array(offsets, dtype=np.int64),
        geom_lon=np.array(glon, dtype=np.float64),
        geom_lat=np.array(glat, dtype=np.float64),
        cache_key=key,
    )


def _save_arrays(path: Path, arrays: NetworkArrays) -> None:
    fields = {k: v for k, v in arrays.__dict__.items() if isinstance(v, np.ndarray)}
    fields["class_names"] = np.array(arrays.class_names, dtype=str)
    _atomic_write(path, lambda f: np.savez(f, **fields))  # type: ignore[arg-type]


def _load_arrays(path: Path, key: str) -> NetworkArrays | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        names = tuple(str(x) for x in data.pop("class_names"))
        return NetworkArrays(**data, class_names=names, cache_key=key)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a missing or stale cache is rebuilt, never fatal


def cache_folder(config: MapsConfig) -> tuple[Path, str, dict[str, float]]:
    """Return (folder of the derived forms, its key, the effective speeds) for ``config``."""
    city = read_city(config.data_dir)
    speeds = effective_speeds(city, config)
    key = cache_key(city.required_path("graph"), speeds)
    return config.cache_dir / "maps" / key, key, speeds


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the cache folder's lock while the derived forms are read or built.

    Processes that start together on a fresh machine (API workers, the dispatcher,
    a test run's workers) would each spend half a minute building the same forms;
    with the lock one builds and the others wait, then read them in milliseconds.
    Where the folder cannot be written or ``fcntl`` does not exist, nothing is held.
    """
    try:
        import fcntl

        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / ".lock").open("a")
    except (ImportError, OSError):
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(config: MapsConfig) -> tuple[nx.MultiDiGraph, NetworkArrays]:
    city = read_city(config.data_dir)
    folder, key, speeds = cache_folder(config)
    with tqdm(total=3, desc="maps: first load of the road graph", unit="step", disable=None) as bar:
        graph = parse_graphml(city.required_path("graph"))
        bar.update()
        apply_speeds(graph, speeds)
        arrays = graph_to_arrays(graph, key, speeds)
        bar.update()
        try:
            _atomic_write(folder / "graph.pickle", lambda f: pickle.dump(graph, f, protocol=5))
            _save_arrays(folder / "network.npz", arrays)
        except OSError:
            pass  # an unwritable cache dir only costs speed on the next start
        bar.update()
    return graph, arrays


def load_network(config: MapsConfig) -> nx.MultiDiGraph:
    """The city's drive network as an osmnx MultiDiGraph (EPSG:4326) with ``length`` (m),
    ``speed_kph`` and ``travel_time`` (s, from the configured road-class speeds) on every
    edge. Cached under ``config.cache_dir``; callers must not mutate the result.
    """
    folder, _, _ = cache_folder(config)
    try:
        with (folder / "graph.pickle").open("rb") as f:
            graph = pickle.load(f)
        if isinstance(graph, nx.MultiDiGraph):
            return graph
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    return _build(config)[0]


def load_arrays(config: MapsConfig) -> NetworkArrays:
    """The city's road graph as ``NetworkArrays`` (from the cache when present)."""
    folder, key, _ = cache_folder(config)
    arrays = _load_arrays(folder / "network.npz", key)
    if arrays is not None:
        return arrays
    return _build(config)[1]
