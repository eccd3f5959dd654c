"""``noriai bench pdptw``: Li & Lim PDPTW instances, our solver against best known and peers.

The same instances are solved, in the same run, by our solver (``optimizer.solve``,
checked by ``optimizer.check``), by VROOM (``pyvroom``, shipments with time windows)
and by PyVRP (``Model.add_shipment``, see ``bench._pyvrp_peer``; its routes are
graded by our checker too). Vehicles, exact Euclidean distance and seconds are
printed for each, next to the best-known (SINTEF) values, which minimise
vehicles first, then distance; the summary counts the instances where each
solver reached them.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench import _pyvrp_peer
from bench._formats import FormatError, LiLimInstance, read_lilim
from optimizer import Plan, Problem, Request, StopKind, TimeWindow, Vehicle, check
from optimizer.solver import ModelError, NoSolution, SolveParams, solve

SCALE = 1000
DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared/benchmarks/pdptw/li_lim_100"
DEFAULT_SET = ("lc101", "lc201", "lr101", "lr201", "lrc101", "lrc201")
ALL_DEFAULT_ARGS: list[str] = ["--limit", "4", "--time-limit", "5"]
# Hierarchical objective: one vehicle more must cost more than any distance saved.
VEHICLE_COST = 1000 * SCALE
OURS = SolveParams(unserved_penalty_s=10**9, excess_ride_weight=0.0,
                   vehicle_fixed_cost_s=VEHICLE_COST)
# A distance within this fraction of the best known counts as reaching it (rounding).
REACHED = 1e-4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``noriai bench pdptw`` options."""
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help=f"Li & Lim files (default: {', '.join(DEFAULT_SET)} in {DEFAULT_DIR})")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="S",
                        help="seconds per instance for each solver (default 10)")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="only the first N files")
    parser.add_argument("--pyvrp", action=argparse.BooleanOptionalAction, default=True,
                        help="also run PyVRP (default on)")
    parser.set_defaults(handler=run)


def _durations(inst: LiLimInstance) -> np.ndarray:
    xy = np.array([[nd.x, nd.y] for nd in inst.nodes])
    exact = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return np.ceil(np.round(exact * SCALE, 6)).astype(np.int64)


def to_problem(inst: LiLimInstance) -> Problem:
    """Return ``inst`` as an optimizer ``Problem`` (locations are task ids, no ride limit)."""
    nodes = inst.nodes
    depot = nodes[0]
    horizon = round(depot.tw_end * SCALE)

    def tw(i: int) -> TimeWindow:
        return TimeWindow(round(nodes[i].tw_start * SCALE), round(nodes[i].tw_end * SCALE))

    requests = tuple(
        Request(id=str(p), pickup=p, dropoff=d, pickup_window=tw(p), dropoff_window=tw(d),
                seats=nodes[p].demand, pickup_service_s=round(nodes[p].service * SCALE),
                dropoff_service_s=round(nodes[d].service * SCALE), max_ride_s=horizon)
        for p, d in inst.pairs
    )
    vehicles = tuple(Vehicle(id=str(k), start=0, end=0, shift=tw(0), seats=inst.capacity)
                     for k in range(inst.vehicles))
    return Problem(durations_s=_durations(inst), requests=requests, vehicles=vehicles)


def _distance(inst: LiLimInstance, routes: list[list[int]]) -> float:
    return sum(
        sum(inst.distance(a, b) for a, b in zip([0, *r], [*r, 0], strict=True)) for r in routes
    )


def _ours(inst: LiLimInstance, limit: float) -> dict[str, Any]:
    problem = to_problem(inst)
    t = time.perf_counter()
    try:
        plan: Plan = solve(problem, params=OURS, time_limit_s=limit)
    except (ModelError, NoSolution) as exc:
        return {"vehicles": None, "distance": None, "seconds": time.perf_counter() - t,
                "feasible": False, "note": str(exc)}
    seconds = time.perf_counter() - t
    routes = [[s.location for s in r.stops if s.kind in (StopKind.PICKUP, StopKind.DROPOFF)]
              for r in plan.routes]
    routes = [r for r in routes if r]
    feasible = not check(problem, plan) and not plan.unassigned
    return {"vehicles": len(routes), "distance": _distance(inst, routes), "seconds": seconds,
            "feasible": feasible, "note": ""}


def _vroom(inst: LiLimInstance, limit: float) -> dict[str, Any]:
    import vroom

    nodes = inst.nodes
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=_durations(inst))

    def step(i: int) -> Any:
        return vroom.ShipmentStep(
            id=i, location=i, default_service=round(nodes[i].service * SCALE),
            time_windows=[vroom.TimeWindow(round(nodes[i].tw_start * SCALE),
                                           round(nodes[i].tw_end * SCALE))])

    for p, d in inst.pairs:
        amount = vroom.Amount([nodes[p].demand])
        problem.add_shipment(pickup=step(p), delivery=step(d), amount=amount)
    window = vroom.TimeWindow(round(nodes[0].tw_start * SCALE), round(nodes[0].tw_end * SCALE))
    for k in range(inst.vehicles):
        problem.add_vehicle(vroom.Vehicle(id=k, start=0, end=0, capacity=[inst.capacity],
                                          time_window=window))
    t = time.perf_counter()
    sol = problem.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=limit))
    seconds = time.perf_counter() - t
    df = sol.routes
    routes = []
    for _, g in df[df["type"].isin(["pickup", "delivery"])].groupby("vehicle_id"):
        routes.append([int(x) for x in g["location_index"]])
    unassigned = len(inst.pairs) * 2 - sum(len(r) for r in routes)
    return {"vehicles": len(routes), "distance": _distance(inst, routes), "seconds": seconds,
            "feasible": unassigned == 0,
            "note": f"{unassigned} stops unassigned" if unassigned else ""}


def _best_known(folder: Path) -> dict[str, tuple[int, float]]:
    path = folder / "best_known.csv"
    if not path.is_file():
        return {}
    with path.open() as fh:
        return {r["instance"]: (int(r["vehicles"]), float(r["distance"]))
                for r in csv.DictReader(fh)}


def _cell(r: dict[str, Any]) -> str:
    if r["vehicles"] is None:
        return f"{'-':>4}{'-':>10}{r['seconds']:>7.1f}{'':>3}"
    flag = "" if r["feasible"] else " NO"
    return f"{r['vehicles']:>4}{r['distance']:>10.2f}{r['seconds']:>7.1f}{flag:>3}"


def run(args: argparse.Namespace, settings: Any) -> int:
    """Solve each file with every solver and print one row per instance."""
    files: list[Path] = list(args.files)
    if not files:
        if not DEFAULT_DIR.is_dir():
            print(f"noriai: no instance files given and {DEFAULT_DIR} does not exist",
                  file=sys.stderr)
            return 2
        files = [DEFAULT_DIR / f"{name}.txt" for name in DEFAULT_SET]
    if args.limit is not None:
        files = files[: max(0, args.limit)]
    if args.time_limit <= 0:
        print("noriai: --time-limit must be positive", file=sys.stderr)
        return 2
    best: dict[str, tuple[int, float]] = {}
    for folder in {f.resolve().parent for f in files}:
        best.update(_best_known(folder))
    print(f"{'instance':<9}{'best known':>16} |{'ours: veh':>9}{'dist':>10}{'s':>7}{'':>3} |"
          f"{'vroom: veh':>10}{'dist':>10}{'s':>7}{'':>3} |{'pyvrp: veh':>10}{'dist':>10}{'s':>7}")
    worst = 0
    reached = {"ours": 0, "vroom": 0, "pyvrp": 0}
    for k, path in enumerate(files, 1):
        try:
            inst = read_lilim(path)
        except FormatError as exc:
            print(f"noriai: {exc}", file=sys.stderr)
            return 2
        print(f"[{k}/{len(files)}] {inst.name} ...", file=sys.stderr, flush=True)
        results = {"ours": _ours(inst, args.time_limit), "vroom": _vroom(inst, args.time_limit)}
        if args.pyvrp:
            results["pyvrp"] = _pyvrp(inst, args.time_limit)
        bk = best.get(inst.name)
        bk_txt = f"{bk[0]:>4}{bk[1]:>12.2f}" if bk else f"{'-':>16}"
        cells = " |".join(_cell(r) for r in results.values())
        print(f"{inst.name:<9}{bk_txt} |{cells}", flush=True)
        for name, r in results.items():
            if r["note"]:
                print(f"    {name}: {r['note']}")
            reached[name] += bool(bk and reaches(r, bk))
        if not results["ours"]["feasible"]:
            worst = 1
    if best:
        peers = ", ".join(f"{name} {reached[name]}" for name in
                          (["ours", "vroom", "pyvrp"] if args.pyvrp else ["ours", "vroom"]))
        print(f"best known reached (vehicles and distance, feasible), of {len(files)}: {peers}")
    print("(distances exact Euclidean; best known minimises vehicles first, then distance)")
    return worst


def reaches(result: dict[str, Any], best: tuple[int, float]) -> bool:
    """Return whether a feasible result has the best-known vehicles and distance (or better)."""
    if not result["feasible"] or result["vehicles"] is None:
        return False
    return bool(result["vehicles"] < best[0] or (
        result["vehicles"] == best[0] and result["distance"] <= best[1] * (1 + REACHED)))


def _pyvrp(inst: LiLimInstance, limit: float) -> dict[str, Any]:
    res = _pyvrp_peer.solve(inst, to_problem(inst), SCALE, VEHICLE_COST, limit)
    routes = res["routes"]
    return {"vehicles": len(routes), "distance": _distance(inst, routes),
            "seconds": res["seconds"], "feasible": res["feasible"], "note": res["note"]}
