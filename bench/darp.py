"""``noriai bench darp``: Cordeau DARP instances solved, checked independently, compared.

Each instance becomes an optimizer ``Problem`` (coordinates' Euclidean
distances scaled by ``SCALE`` and rounded *up*, so a plan feasible in integers is
feasible with the exact distances), is solved by ``optimizer.solver.solve``,
graded by ``optimizer.check`` plus the route-duration limit, and costed with
the exact Euclidean distances. A baseline runs in the same process so the
ratio is visible: plain OR-Tools (same model, default search settings), or
with ``--peer lns`` OR-Tools' ruin-and-recreate without our dial-a-ride search
(the method before it).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench._formats import DarpInstance, FormatError, read_darp
from optimizer import Plan, Problem, Request, StopKind, TimeWindow, Vehicle, check
from optimizer.params import DarpSearchParams
from optimizer.solver import ModelError, NoSolution, SolveParams, solve

SCALE = 1000
DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared/benchmarks/darp/cordeau2006"
ALL_DEFAULT_ARGS: list[str] = []
# Every request must be served: leaving one out costs far more than any route.
PENALTY = 10**8
# OR-Tools' ruin-and-recreate for the first 30 % of the time, then the dial-a-ride
# local search (optimizer.darp_search) for the rest.
DARP_SHARE = 0.7
OURS = SolveParams(unserved_penalty_s=PENALTY, excess_ride_weight=0.0,
                   darp=DarpSearchParams(share=DARP_SHARE))
BASELINE = SolveParams(unserved_penalty_s=PENALTY, excess_ride_weight=0.0, plain=True, lns=False)
# The previous method (OR-Tools' ruin-and-recreate alone), as ``--peer lns``.
ORTOOLS_LNS = SolveParams(unserved_penalty_s=PENALTY, excess_ride_weight=0.0)
PEERS = {"plain": BASELINE, "lns": ORTOOLS_LNS}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``noriai bench darp`` options."""
    parser.add_argument(
        "files", nargs="*", type=Path, metavar="FILE",
        help=f"Cordeau-format instance files (default: the 'a' set in {DEFAULT_DIR})",
    )
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="S",
                        help="seconds per instance for our solver (default 10)")
    parser.add_argument("--solution-limit", type=int, default=None, metavar="N",
                        help="stop each search after N solutions: a work bound, the same "
                        "result on a busy machine (the time limit still applies)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                        help="also run a baseline in the same run (see --peer)")
    parser.add_argument("--peer", choices=sorted(PEERS), default="plain",
                        help="the baseline: plain OR-Tools with default search settings, or "
                        "OR-Tools' ruin-and-recreate without the dial-a-ride search (lns)")
    parser.add_argument("--darp-share", type=float, default=DARP_SHARE, metavar="F",
                        help="part of the time our dial-a-ride search gets after OR-Tools "
                        f"(default {DARP_SHARE}; 0 turns it off)")
    parser.add_argument("--darp-iterations", type=int, default=None, metavar="N",
                        help="stop the dial-a-ride search after N iterations (with "
                        "--solution-limit: the same plans on a busy machine)")
    parser.set_defaults(handler=run)


def to_problem(inst: DarpInstance) -> Problem:
    """Return ``inst`` as an optimizer ``Problem``; location ids are the instance's node ids."""
    nodes = inst.nodes
    xy = np.array([[nd.x, nd.y] for nd in nodes])
    exact = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    # Round the scaled distance up (after removing float noise): never optimistic.
    durations = np.ceil(np.round(exact * SCALE, 6)).astype(np.int64)

    def sc(v: float) -> int:
        return round(v * SCALE)

    n = inst.n
    requests = tuple(
        Request(
            id=str(i), pickup=i, dropoff=n + i,
            pickup_window=TimeWindow(sc(nodes[i].tw_start), sc(nodes[i].tw_end)),
            dropoff_window=TimeWindow(sc(nodes[n + i].tw_start), sc(nodes[n + i].tw_end)),
            seats=nodes[i].load, pickup_service_s=sc(nodes[i].service),
            dropoff_service_s=sc(nodes[n + i].service), max_ride_s=sc(inst.max_ride_time),
        )
        for i in range(1, n + 1)
    )
    shift = TimeWindow(sc(nodes[0].tw_start), sc(nodes[2 * n + 1].tw_end))
    vehicles = tuple(
        Vehicle(id=str(k), start=0, end=2 * n + 1, shift=shift, seats=inst.capacity,
                max_duration_s=sc(inst.max_route_duration))
        for k in range(inst.vehicles)
    )
    return Problem(durations_s=durations, requests=requests, vehicles=vehicles)


def node_routes(plan: Plan) -> list[list[int]]:
    """Return each used route as the instance's node ids, depots left out."""
    out = []
    for route in plan.routes:
        ids = [s.location for s in route.stops if s.kind in (StopKind.PICKUP, StopKind.DROPOFF)]
        if ids:
            out.append(ids)
    return out


def route_cost(inst: DarpInstance, routes: list[list[int]]) -> float:
    """Return the exact Euclidean length of ``routes`` from depot to depot."""
    end = 2 * inst.n + 1
    total = 0.0
    for r in routes:
        path = [0, *r, end]
        total += sum(inst.distance(a, b) for a, b in itertools.pairwise(path))
    return total


def grade(problem: Problem, plan: Plan) -> list[str]:
    """Return every reason ``plan`` is not a valid benchmark solution (empty if valid)."""
    faults = [v.message for v in check(problem, plan)]
    faults += [f"request {u.request_id} not served: {u.reason}" for u in plan.unassigned]
    for route in plan.routes:
        v = next(v for v in problem.vehicles if v.id == route.vehicle_id)
        first, last = route.stops[0], route.stops[-1]
        span = last.arrival_s - first.departure_s
        if v.max_duration_s is not None and span > v.max_duration_s:
            faults.append(f"vehicle {v.id}: route lasts {span}, limit {v.max_duration_s}")
    return faults


def _references(folder: Path) -> dict[str, tuple[float, str]]:
    # Beside the files (a generated ladder) or one folder up (the published sets).
    path = folder / "reference_values.csv"
    if not path.is_file():
        path = folder.parent / "reference_values.csv"
    if not path.is_file():
        return {}
    with path.open() as fh:
        return {row["instance"]: (float(row["reference_cost"]), row["status"])
                for row in csv.DictReader(fh)}


def _solve_one(inst: DarpInstance, problem: Problem, params: SolveParams, limit: float,
               seed: int) -> dict[str, Any]:
    t = time.perf_counter()
    try:
        plan = solve(problem, params=params, time_limit_s=limit, seed=seed)
    except (NoSolution, ModelError) as exc:
        return {"cost": None, "seconds": time.perf_counter() - t, "feasible": False,
                "faults": [str(exc)], "routes": []}
    seconds = time.perf_counter() - t
    routes = node_routes(plan)
    faults = grade(problem, plan)
    return {"cost": route_cost(inst, routes), "seconds": seconds, "feasible": not faults,
            "faults": faults[:5], "routes": routes}


def _gap(cost: float | None, ref: float | None) -> float | None:
    if cost is None or ref is None:
        return None
    return 100.0 * (cost - ref) / ref


def _fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def run(args: argparse.Namespace, settings: Any) -> int:
    """Solve every file, print the table (or JSON) and the summary; 0 if all are feasible."""
    files: list[Path] = list(args.files)
    if not files:
        if not DEFAULT_DIR.is_dir():
            print(f"noriai: no instance files given and {DEFAULT_DIR} does not exist",
                  file=sys.stderr)
            return 2
        files = sorted(DEFAULT_DIR.glob("a*.txt"))
    if args.time_limit <= 0:
        print("noriai: --time-limit must be positive", file=sys.stderr)
        return 2
    if args.solution_limit is not None and args.solution_limit <= 0:
        print("noriai: --solution-limit must be positive", file=sys.stderr)
        return 2
    if not 0 <= args.darp_share < 1:
        print("noriai: --darp-share must be in [0, 1)", file=sys.stderr)
        return 2
    if args.darp_iterations is not None and args.darp_iterations <= 0:
        print("noriai: --darp-iterations must be positive", file=sys.stderr)
        return 2
    ours_params = replace(OURS, solution_limit=args.solution_limit,
                          darp=replace(OURS.darp, share=args.darp_share,
                                       max_iterations=args.darp_iterations))
    base_params = replace(PEERS[args.peer], solution_limit=args.solution_limit)
    refs: dict[str, tuple[float, str]] = {}
    for folder in {f.resolve().parent for f in files}:
        refs.update(_references(folder))
    rows = []
    for k, path in enumerate(files, 1):
        try:
            inst = read_darp(path)
        except FormatError as exc:
            print(f"noriai: {exc}", file=sys.stderr)
            return 2
        print(f"[{k}/{len(files)}] {inst.name} ...", file=sys.stderr, flush=True)
        problem = to_problem(inst)
        ref, status = refs.get(inst.name, (None, ""))
        ours = _solve_one(inst, problem, ours_params, args.time_limit, args.seed)
        row = {"instance": inst.name, "reference": ref, "reference_status": status or None,
               **ours, "gap_pct": _gap(ours["cost"], ref)}
        if args.baseline:
            base = _solve_one(inst, problem, base_params, args.time_limit, args.seed)
            row["baseline"] = {"cost": base["cost"], "seconds": base["seconds"],
                               "feasible": base["feasible"],
                               "gap_pct": _gap(base["cost"], ref)}
        rows.append(row)
    summary = _summary(rows, args.baseline)
    if args.json:
        print(json.dumps({**summary, "time_limit_s": args.time_limit, "peer": args.peer,
                          "darp_share": args.darp_share,
                          "solution_limit": args.solution_limit, "instances": rows}))
    else:
        _print_table(rows, summary, args.baseline, args.peer)
    return 0 if summary["feasible"] == summary["total"] else 1


def _summary(rows: list[dict[str, Any]], baseline: bool) -> dict[str, Any]:
    gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None and r["feasible"]]
    out: dict[str, Any] = {
        "mean_gap_pct": statistics.fmean(gaps) if gaps else None,
        "max_gap_pct": max(gaps) if gaps else None,
        "feasible": sum(1 for r in rows if r["feasible"]),
        "total": len(rows),
        "mean_seconds": statistics.fmean(r["seconds"] for r in rows) if rows else None,
    }
    if baseline:
        b_gaps = [r["baseline"]["gap_pct"] for r in rows
                  if r["baseline"]["gap_pct"] is not None and r["baseline"]["feasible"]]
        ratios = [r["cost"] / r["baseline"]["cost"] for r in rows
                  if r["cost"] and r["baseline"]["cost"]]
        out["baseline"] = {
            "mean_gap_pct": statistics.fmean(b_gaps) if b_gaps else None,
            "max_gap_pct": max(b_gaps) if b_gaps else None,
            "feasible": sum(1 for r in rows if r["baseline"]["feasible"]),
            # Geometric mean of our cost over the baseline's, instance by instance.
            "cost_ratio": math.exp(statistics.fmean(math.log(x) for x in ratios))
            if ratios else None,
        }
    return out


def _print_table(rows: list[dict[str, Any]], summary: dict[str, Any], baseline: bool,
                 peer: str = "plain") -> None:
    head = f"{'instance':<10}{'cost':>10}{'reference':>11}{'gap %':>8}{'seconds':>9}{'feasible':>9}"
    if baseline:
        head += f"{peer + ' cost':>12}{peer + ' gap %':>12}{peer + ' feas':>11}"
    print(head)
    for r in rows:
        mark = "*" if r["reference_status"] == "recalled" else " "
        line = (f"{r['instance']:<10}{_fmt(r['cost'], '.2f'):>10}"
                f"{_fmt(r['reference'], '.2f'):>10}{mark}{_fmt(r['gap_pct'], '.2f'):>8}"
                f"{r['seconds']:>9.1f}{'yes' if r['feasible'] else 'NO':>9}")
        if baseline:
            b = r["baseline"]
            line += (f"{_fmt(b['cost'], '.2f'):>12}{_fmt(b['gap_pct'], '.2f'):>12}"
                     f"{'yes' if b['feasible'] else 'NO':>11}")
        print(line)
        for fault in [] if r["feasible"] else r["faults"]:
            print(f"    {fault}")
    s = summary
    print(f"\nours:  mean gap {_fmt(s['mean_gap_pct'], '.2f')} %, max gap "
          f"{_fmt(s['max_gap_pct'], '.2f')} %, feasible {s['feasible']}/{s['total']}, "
          f"mean {_fmt(s['mean_seconds'], '.1f')} s per instance")
    if baseline:
        b = s["baseline"]
        print(f"{peer}: mean gap {_fmt(b['mean_gap_pct'], '.2f')} %, max gap "
              f"{_fmt(b['max_gap_pct'], '.2f')} %, feasible {b['feasible']}/{s['total']}; "
              f"cost ours/{peer} (geometric mean) {_fmt(b['cost_ratio'], '.4f')}")
    print("(* reference recalled from the literature, not re-read from a source;"
          " gaps count feasible instances only)")
