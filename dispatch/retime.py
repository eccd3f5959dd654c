"""Re-timing a route as reality goes: forward scheduling that may run late.

``optimizer.schedule_route`` refuses a route that breaks a rule; the engine
must still know *when* a late vehicle will get to each stop, to tell riders a
new time and the board an alert. ``schedule(..., strict=False)`` computes
those times from the vehicle's live state, in the route's order.
"""

from __future__ import annotations

from collections.abc import Sequence

from optimizer.model import (
    OnBoard,
    Problem,
    Request,
    Route,
    ScheduledStop,
    StopKind,
    Vehicle,
    VehicleState,
)

Stop = tuple[StopKind, str]  # (PICKUP | DROPOFF, request id)


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

    With ``strict=False`` lateness and an overfull car are allowed (times are
    still computed), which is how the engine sees what reality does to promises.
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
            if strict and (seats > vehicle.seats or chairs > vehicle.wheelchairs):
                return None  # (reality may overfill a car: a 乗車 tapped for the wrong ride)
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
