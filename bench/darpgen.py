"""``noriai bench darp-gen``: DARP instances of a real service day's size, in the Cordeau format.

A generated day has a depot in the middle of a 20 x 20 square, ``n`` requests of
one or two riders between uniform or clustered points, and one 15-minute window
per request: on the drop-off for an outbound trip (an appointment to reach),
on the pickup for an inbound one (the trip home). Ride time 90, stops of 3
minutes, capacity 3 to 6, a 480-minute limit on each route in a 720-minute
day. Every request can be served alone by one vehicle (windows are drawn so
that depot, pickup, drop-off, depot fits), so a plan for all of them exists
when there are vehicles enough; the fleet is sized at one car per ``PER_VEHICLE``
requests. The same arguments and seed give the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALL_DEFAULT_ARGS = None  # not part of ``noriai bench all``: it makes files, it measures nothing
HALF_SIDE = 10.0
DAY = 720.0
ROUTE_LIMIT = 480.0
RIDE = 90.0
WINDOW = 15.0
SERVICE = 3.0
PER_VEHICLE = 10


@dataclass(frozen=True)
class GenSpec:
    """What to generate: size, point layout, capacity and seed (the file name says all of it)."""

    n: int
    points: str = "uniform"
    capacity: int = 4
    seed: int = 1
    vehicles: int | None = None

    @property
    def name(self) -> str:
        """Return the instance's name: ``g<n>-<u|c><seed>-q<capacity>``."""
        return f"g{self.n}-{self.points[0]}{self.seed}-q{self.capacity}"

    def fleet(self) -> int:
        """Return the number of vehicles (given, or one per ``PER_VEHICLE`` requests)."""
        return self.vehicles or max(2, math.ceil(self.n / PER_VEHICLE))


def _clip(v: float) -> float:
    return max(-HALF_SIDE, min(HALF_SIDE, v))


def _point_maker(spec: GenSpec, rng: random.Random) -> Any:
    if spec.points == "uniform":
        return lambda: (rng.uniform(-HALF_SIDE, HALF_SIDE), rng.uniform(-HALF_SIDE, HALF_SIDE))
    # Clustered: town centres with most points near them, a fifth spread over the area.
    centres = [(rng.uniform(-8, 8), rng.uniform(-8, 8)) for _ in range(max(3, spec.n // 40))]

    def point() -> tuple[float, float]:
        if rng.random() < 0.2:
            return rng.uniform(-HALF_SIDE, HALF_SIDE), rng.uniform(-HALF_SIDE, HALF_SIDE)
        cx, cy = rng.choice(centres)
        return _clip(rng.gauss(cx, 1.5)), _clip(rng.gauss(cy, 1.5))

    return point


def generate(spec: GenSpec) -> str:
    """Return the text of the instance ``spec`` in the Cordeau format (with the end depot)."""
    if spec.n < 1 or not 1 <= spec.capacity <= 9 or spec.points not in ("uniform", "clustered"):
        msg = "n must be positive, capacity 1..9, points uniform or clustered"
        raise ValueError(msg)
    rng = random.Random(f"{spec.name}")
    point = _point_maker(spec, rng)
    n = spec.n
    picks: list[tuple[float, float, int, float, float]] = []
    drops: list[tuple[float, float, float, float]] = []
    for i in range(n):
        (px, py), (qx, qy) = point(), point()
        load = 2 if rng.random() < 0.15 and spec.capacity >= 2 else 1
        to_p = math.hypot(px, py)
        direct = math.hypot(qx - px, qy - py)
        back = math.hypot(qx, qy)
        # One route from the depot through this request alone must fit the window.
        first = to_p
        last = DAY - back - SERVICE - direct - SERVICE
        if i % 2 == 0:  # outbound: arrive by an appointment
            lo = first + SERVICE + direct
            e = round(rng.uniform(lo, last + SERVICE + direct - WINDOW), 1)
            picks.append((px, py, load, 0.0, DAY))
            drops.append((qx, qy, e, e + WINDOW))
        else:  # inbound: picked up at a chosen time
            e = round(rng.uniform(first, last - WINDOW), 1)
            picks.append((px, py, load, e, e + WINDOW))
            drops.append((qx, qy, 0.0, DAY))
    lines = [f"{spec.fleet()} {2 * n} {ROUTE_LIMIT:g} {spec.capacity} {RIDE:g}",
             f"0 0.000 0.000 0 0 0 {DAY:g}"]
    for i, (x, y, load, e, l_) in enumerate(picks, 1):
        lines.append(f"{i} {x:.3f} {y:.3f} {SERVICE:g} {load} {e:g} {l_:g}")
    for i, (x, y, e, l_) in enumerate(drops, 1):
        lines.append(f"{n + i} {x:.3f} {y:.3f} {SERVICE:g} {-picks[i - 1][2]} {e:g} {l_:g}")
    lines.append(f"{2 * n + 1} 0.000 0.000 0 0 0 {DAY:g}")
    return "\n".join(lines) + "\n"


def write(spec: GenSpec, folder: Path) -> Path:
    """Write ``spec``'s instance into ``folder`` (created if needed) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec.name}.txt"
    path.write_text(generate(spec))
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``noriai bench darp-gen`` options."""
    parser.add_argument("-n", "--requests", type=int, nargs="+", default=[100, 200, 300],
                        metavar="N", help="requests per instance (default 100 200 300)")
    parser.add_argument("--points", choices=["uniform", "clustered"], nargs="+",
                        default=["uniform", "clustered"])
    parser.add_argument("--capacity", type=int, default=4, help="seats per vehicle (3-6)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], metavar="SEED")
    parser.add_argument("--vehicles", type=int, default=None,
                        help=f"vehicles (default one per {PER_VEHICLE} requests)")
    parser.add_argument("-o", "--out", type=Path, required=True, metavar="DIR",
                        help="folder to write the files into")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Any) -> int:
    """Write one file per size, layout and seed and print their paths."""
    try:
        for n in args.requests:
            for points in args.points:
                for seed in args.seeds:
                    spec = GenSpec(n, points, args.capacity, seed, args.vehicles)
                    print(write(spec, args.out))
    except ValueError as exc:
        print(f"noriai: {exc}", file=sys.stderr)
        return 2
    return 0
