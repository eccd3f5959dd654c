"""``noriai bench matrix``: travel-time matrices with the CCH against scipy's Dijkstra.

Prints the first and second (cached) load of the city map, the CCH build time, the
N x N matrix time for random snapped points (seeded), scipy's Dijkstra time on the
same pairs in the same run, their ratio, and whether both give the same numbers.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ALL_DEFAULT_ARGS: list[str] = []


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``noriai bench matrix``."""
    parser.add_argument("--size", type=int, default=1000, help="N for the N x N matrix")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="CCH runs (best is reported)")
    parser.add_argument("--data-dir", help="city data folder (default: the bundled city)")
    parser.add_argument(
        "--warm-cache",
        action="store_true",
        help="use the user's cache dir (default: a fresh temporary one, to time the first load)",
    )


def _random_points(city_map: Any, n: int, seed: int) -> list[int]:
    """Snapped nodes of ``n`` random points inside the boundary (seeded)."""
    import numpy as np

    from maps import SnapError

    rng = np.random.default_rng(seed)
    min_lon, min_lat, max_lon, max_lat = city_map.boundary.bounds
    nodes: list[int] = []
    while len(nodes) < n:
        lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
        try:
            nodes.append(city_map.snap(float(lat), float(lon)).node)
        except SnapError:
            continue
    return nodes


def run(args: argparse.Namespace, settings: Any) -> int:
    """Run the benchmark and print its figures; 0 when CCH and Dijkstra agree."""
    import numpy as np

    from maps import MapsConfig, MapsError
    from maps.citymap import CityMap
    from maps.config import read_city
    from maps.network import load_arrays
    from maps.routing import Router

    if args.size < 1:
        print("noriai: --size must be at least 1", file=sys.stderr)
        return 2
    tmp = None if args.warm_cache else tempfile.mkdtemp(prefix="noriai-bench-")
    cache_dir = Path(settings.cache_dir) / "maps" if tmp is None else Path(tmp)
    try:
        if args.data_dir:
            config = MapsConfig(data_dir=Path(args.data_dir), cache_dir=cache_dir)
        else:
            config = MapsConfig.bundled(str(settings.city), cache_dir=cache_dir)
        city = read_city(config.data_dir)
        t0 = time.perf_counter()
        net = load_arrays(config)
        first_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_arrays(config)
        second_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        city_map = CityMap(config, city, net)
        first_map = time.perf_counter() - t0
        t0 = time.perf_counter()
        router = Router(net, None)  # no topology cache: the build itself
        cch_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        CityMap(config, city, net)
        second_map = time.perf_counter() - t0
        print(f"city: {city.name} ({len(net.node_ids):,} nodes, {len(net.edge_u):,} edges)")
        print(f"road graph load: first {first_load:.2f} s, second {second_load:.3f} s (cached)")
        print(f"city map build: first {first_map:.2f} s, second {second_map:.3f} s")
        print(f"CCH build (no cache): {cch_build:.3f} s; engine: {router.engine}")
        packing = router.packing
        print(f"packing: time unit {packing.unit_s:.3f} s, distance base {packing.dist_base} m")

        nodes = _random_points(city_map, 2 * args.size, args.seed)
        src, dst = city_map.node_index(nodes[: args.size]), city_map.node_index(nodes[args.size :])
        best = float("inf")
        durations = distances = None
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            durations, distances = router.matrix(src, dst)
            best = min(best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref_durations, ref_distances = router.matrix_dijkstra(src, dst)
        dijkstra_s = time.perf_counter() - t0
        assert durations is not None and distances is not None
        same = bool(
            np.array_equal(durations, ref_durations) and np.array_equal(distances, ref_distances)
        )
        n = args.size
        print(f"{n}x{n} matrix, CCH: {best:.3f} s (best of {max(1, args.repeat)}; target <= 0.2 s)")
        print(f"{n}x{n} matrix, scipy Dijkstra: {dijkstra_s:.3f} s")
        print(f"speed-up CCH vs Dijkstra: {dijkstra_s / best:.1f}x")
        print(
            f"agreement: {'identical' if same else 'DIFFERENT'} durations and distances; "
            f"median {np.median(durations) / 60:.1f} min, max {durations.max() / 60:.1f} min, "
            f"median {np.median(distances) / 1000:.1f} km"
        )
        return 0 if same else 1
    except MapsError as exc:
        print(f"noriai: {exc.message_en}", file=sys.stderr)
        return 2
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
