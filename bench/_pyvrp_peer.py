"""PyVRP as a peer for Li & Lim instances: paired shipments with time windows.

PyVRP (0.14) models a request as ``Model.add_shipment`` (a pickup and a delivery
on the same route, pickup first). Travel times are the benchmark's integer
matrix (scaled, rounded up), and a fixed cost per vehicle makes its objective
hierarchical like the best-known values'. Its routes are turned back into task
ids and graded by our own checker, as ours are, so feasibility means the same
for both.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from bench._formats import LiLimInstance
from optimizer import Plan, Problem, Route, StopKind, StopRef, check, schedule_route


def build(inst: LiLimInstance, durations: np.ndarray, scale: int, vehicle_cost: int) -> Any:
    """Return a ``pyvrp.Model`` of ``inst`` (shipment ``k`` is ``inst.pairs[k]``)."""
    import pyvrp

    nodes = inst.nodes
    m = pyvrp.Model()
    locs = [m.add_location(nd.x, nd.y) for nd in nodes]
    depot = m.add_depot(locs[0], tw_early=round(nodes[0].tw_start * scale),
                        tw_late=round(nodes[0].tw_end * scale))
    m.add_vehicle_type(num_available=inst.vehicles, capacity=inst.capacity, start_depot=depot,
                       end_depot=depot, fixed_cost=vehicle_cost,
                       tw_early=round(nodes[0].tw_start * scale),
                       tw_late=round(nodes[0].tw_end * scale))
    for p, d in inst.pairs:
        m.add_shipment(
            locs[p], locs[d],
            pickup_tw_early=round(nodes[p].tw_start * scale),
            pickup_tw_late=round(nodes[p].tw_end * scale),
            pickup_service_duration=round(nodes[p].service * scale),
            delivery_tw_early=round(nodes[d].tw_start * scale),
            delivery_tw_late=round(nodes[d].tw_end * scale),
            delivery_service_duration=round(nodes[d].service * scale),
            amount=nodes[p].demand, name=str(p))
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            if i != j:
                t = int(durations[i, j])
                m.add_edge(a, b, distance=t, duration=t)
    return m


def task_routes(solution: Any, pairs: list[tuple[int, int]]) -> list[list[int]]:
    """Return a PyVRP solution's non-empty routes as Li & Lim task ids, in visiting order."""
    out = []
    for route in solution.routes():
        ids = []
        for act in route.schedule():
            if act.is_pickup():
                ids.append(pairs[act.idx][0])
            elif act.is_delivery():
                ids.append(pairs[act.idx][1])
        if ids:
            out.append(ids)
    return out


def as_plan(problem: Problem, inst: LiLimInstance, routes: list[list[int]]) -> Plan | None:
    """Return ``routes`` scheduled as our ``Plan`` (``None`` if a route cannot be timed)."""
    delivery_of = {d: p for p, d in inst.pairs}
    out: list[Route] = []
    for k, ids in enumerate(routes):
        refs = [StopRef(str(t), StopKind.PICKUP) if t not in delivery_of
                else StopRef(str(delivery_of[t]), StopKind.DROPOFF) for t in ids]
        route = schedule_route(problem, problem.vehicles[k].id, refs)
        if route is None:
            return None
        out.append(route)
    return Plan(routes=tuple(out))


def solve(inst: LiLimInstance, problem: Problem, scale: int, vehicle_cost: int,
          limit: float) -> dict[str, Any]:
    """Solve ``inst`` with PyVRP for ``limit`` seconds; routes graded by ``optimizer.check``."""
    from pyvrp.stop import MaxRuntime

    model = build(inst, problem.durations_s, scale, vehicle_cost)
    t = time.perf_counter()
    result = model.solve(stop=MaxRuntime(limit), seed=0, display=False)
    seconds = time.perf_counter() - t
    routes = task_routes(result.best, inst.pairs)
    served = sum(len(r) for r in routes) // 2
    plan = as_plan(problem, inst, routes) if len(routes) <= len(problem.vehicles) else None
    faults = ["a route cannot be timed"] if plan is None else [v.message
                                                              for v in check(problem, plan)]
    missing = len(inst.pairs) - served
    if missing:
        faults.append(f"{missing} requests unserved")
    return {"routes": routes, "seconds": seconds, "feasible": not faults,
            "note": "; ".join(faults[:2])}
