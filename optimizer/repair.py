"""Repair of a plan whose timing breaks windows: leave out what it serves late, re-time the rest.

OR-Tools may take a driver's break in the middle of a drive, while a plan takes
it where the vehicle stands; re-timing such a route can push later stops past
their windows. ``feasible_part`` turns that into a plan the checker accepts.
"""

from __future__ import annotations

from optimizer.checker import check
from optimizer.model import Plan, Problem, Route, StopKind, StopRef, Unassigned
from optimizer.schedule import schedule_route

REASON_LATE = "the plan could serve it only outside its time window"


def feasible_part(problem: Problem, plan: Plan) -> tuple[Plan, list[str]]:
    """Return ``plan`` without the requests ``check`` finds it breaking, and their ids.

    A request the plan can only serve late is not served at all: it becomes
    unassigned (reason ``REASON_LATE``) and its route is re-timed without it; a
    route that still cannot be timed is dropped whole. A plan that passes the
    checker comes back unchanged with no ids.
    """
    dropped: list[str] = []
    routes = list(plan.routes)
    for _ in range(len(problem.requests) + 1):
        bad: dict[str, set[str]] = {}
        for v in check(problem, Plan(tuple(routes), plan.unassigned)):
            if v.vehicle_id is not None:
                bad.setdefault(v.vehicle_id, set()).add(v.request_id or "")
        if not bad:
            break
        kept: list[Route] = []
        for route in routes:
            rids = bad.get(route.vehicle_id)
            if rids is None:
                kept.append(route)
                continue
            if "" in rids:  # a violation of the route as a whole: no single request to blame
                rids = set(route.request_ids)
            refs = [
                StopRef(s.request_id, s.kind)
                for s in route.stops
                if s.kind in (StopKind.PICKUP, StopKind.DROPOFF)
                and s.request_id is not None
                and s.request_id not in rids
            ]
            new = schedule_route(problem, route.vehicle_id, refs) if refs else None
            if new is None:  # cannot be re-timed: nothing of the route is kept
                rids = set(route.request_ids)
            else:
                kept.append(new)
            dropped += sorted(rids & set(route.request_ids))
        routes = kept
    unassigned = plan.unassigned + tuple(Unassigned(rid, REASON_LATE) for rid in dropped)
    return Plan(tuple(routes), unassigned), dropped
