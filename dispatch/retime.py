"""Cheapest feasible insertion of one request into the running routes.

The engine's instant quote. It works on ``optimizer.model`` data only: each
vehicle's route (pickup and drop-off stops) is rescheduled forward from the
vehicle's live state, respecting windows, promises, capacity, maximum ride
time and the shift end; the cheapest feasible pair of positions wins (added
route duration, then earliest pickup). Used until/unless ``optimizer.quote``
is available, and for ``late`` checks (``schedule``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.model import (
    OnBoard,
    Plan,
    Problem,
    Request,
    Route,
    ScheduledStop,
    StopKind,
    Vehicle,
    VehicleState,
)

Stop = tuple[StopKind, str]  # (PICKUP | DROPOFF, request id)


@dataclass(frozen=True)
class Insertion:
    """Where a request fits best: the vehicle's new route and the request's times."""

    vehicle_id: str
    route: Route
    pickup_s: int
    dropoff_s: int
    added_s: int


def _window(problem: Problem, req: Request, kind: StopKind) -> tuple[int, int]:
    lo, hi = 0, 2**62
    w = req.pickup_window if kind is StopKind.PICKUP else req.dropoff_window
    if w is not None:
        lo, hi = w.earliest_s, w.latest_s
    elif kind is StopKind.PICKUP and req.dropoff_window is not None:
        # arrive-by: leave no earlier than a direct drive needs, so nobody waits on board
        lo = req.dropoff_window.earliest_s - int(problem.durations_s[req.pickup, req.dropoff])
    for p in problem.promises:
        if p.request_id == req.id:
            if kind is StopKind.PICKUP:
                lo, hi = max(lo, p.pickup_window.earliest_s), min(hi, p.pickup_window.latest_s)
            else:
                hi = min(hi, p.latest_dropoff_s)
    return lo, hi


def schedule(
    problem: Problem,
    vehicle: Vehicle,
    state: VehicleState | None,
    stops: Sequence[Stop],
    *,
    strict: bool = True,
) -> Route | None:
    """Return ``stops`` scheduled as early as possible, or ``None`` if infeasible.

    With ``strict=False`` lateness is allowed (times are still computed), which
    is how the engine sees what reality does to promises.
    """
    reqs = problem._request_index()
    loc, t = (state.location, state.available_at_s) if state else (vehicle.start, 0)
    if state is None:
        t = vehicle.shift.earliest_s
    onboard: tuple[OnBoard, ...] = state.onboard if state else ()
    seats = sum(reqs[o.request_id].seats for o in onboard)
    chairs = sum(reqs[o.request_id].wheelchairs for o in onboard)
    picked = {o.request_id: o.picked_up_s for o in onboard}
    out = [ScheduledStop(StopKind.START, loc, t, t, t, None, seats, chairs)]
    for kind, rid in stops:
        req = reqs[rid]
        dest = req.pickup if kind is StopKind.PICKUP else req.dropoff
        arrive = t + int(problem.durations_s[loc, dest])
        lo, hi = _window(problem, req, kind)
        start = max(arrive, lo)
        if strict and start > hi:
            return None
        if kind is StopKind.PICKUP:
            seats, chairs = seats + req.seats, chairs + req.wheelchairs
            if seats > vehicle.seats or chairs > vehicle.wheelchairs:
                return None
            picked[rid] = start
            t = start + req.pickup_service_s
        else:
            if rid not in picked:
                return None
            if strict and start - picked[rid] > problem.max_ride_s(req):
                return None
            seats, chairs = seats - req.seats, chairs - req.wheelchairs
            t = start + req.dropoff_service_s
        out.append(ScheduledStop(kind, dest, arrive, start, t, rid, seats, chairs))
        loc = dest
    end = t + int(problem.durations_s[loc, vehicle.end])
    if strict and end > vehicle.shift.latest_s:
        return None
    out.append(ScheduledStop(StopKind.END, vehicle.end, end, end, end, None, 0, 0))
    return Route(vehicle.id, tuple(out))


def stops_of(route: Route | None) -> list[Stop]:
    """Return the pickup and drop-off stops of ``route`` in order."""
    if route is None:
        return []
    return [
        (s.kind, s.request_id)
        for s in route.stops
        if s.kind in (StopKind.PICKUP, StopKind.DROPOFF) and s.request_id
    ]


def _duration(route: Route) -> int:
    return route.stops[-1].arrival_s - route.stops[0].departure_s


def best_insertion(problem: Problem, plan: Plan, request: Request) -> Insertion | None:
    """Return the cheapest feasible insertion of ``request`` (already in ``problem``)."""
    states = {s.vehicle_id: s for s in problem.states}
    best: Insertion | None = None
    for v in problem.vehicles:
        if not v.serves(request):
            continue
        state = states.get(v.id)
        base = stops_of(plan.route_of(v.id))
        before = schedule(problem, v, state, base, strict=False)
        base_s = _duration(before) if before else 0
        n_locked = len(state.locked) if state else 0
        for i in range(n_locked, len(base) + 1):
            for j in range(i, len(base) + 1):
                stops = [*base[:i], (StopKind.PICKUP, request.id), *base[i:j]]
                stops += [(StopKind.DROPOFF, request.id), *base[j:]]
                route = schedule(problem, v, state, stops)
                if route is None:
                    continue
                pu = route.stops[i + 1].start_s
                do = route.stops[j + 2].start_s
                added = _duration(route) - base_s
                if best is None or (added, pu) < (best.added_s, best.pickup_s):
                    best = Insertion(v.id, route, pu, do, added)
    return best


def replace_route(plan: Plan, route: Route) -> Plan:
    """Return ``plan`` with the route of ``route.vehicle_id`` replaced."""
    others = tuple(r for r in plan.routes if r.vehicle_id != route.vehicle_id)
    return Plan((*others, route), plan.unassigned)
