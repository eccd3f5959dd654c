"""Small hand-made and random dial-a-ride instances shared by the optimizer tests."""

from __future__ import annotations

import numpy as np

from optimizer.model import Problem, Request, TimeWindow, Vehicle


def grid_durations(points: list[tuple[int, int]], speed_s: int = 60) -> np.ndarray:
    """Manhattan travel times (``speed_s`` seconds per grid step) between ``points``."""
    a = np.array(points, dtype=np.int64)
    return (np.abs(a[:, None, :] - a[None, :, :]).sum(axis=2) * speed_s).astype(np.int64)


def line_problem(
    n_points: int = 10,
    requests: tuple[Request, ...] = (),
    vehicles: tuple[Vehicle, ...] | None = None,
    **kw: object,
) -> Problem:
    """Points 0..n-1 on a line, one minute apart; one 4-seat vehicle at 0 by default."""
    d = grid_durations([(i, 0) for i in range(n_points)])
    if vehicles is None:
        vehicles = (Vehicle("v1", 0, 0, TimeWindow(0, 36000), seats=4),)
    return Problem(durations_s=d, requests=requests, vehicles=vehicles, **kw)  # type: ignore[arg-type]


def req(rid: str, p: int, d: int, e: int = 0, lat: int = 36000, **kw: object) -> Request:
    """A request from ``p`` to ``d`` with pickup window ``[e, lat]``."""
    return Request(rid, p, d, pickup_window=TimeWindow(e, lat), **kw)  # type: ignore[arg-type]


def random_problem(seed: int, n_requests: int = 4, n_vehicles: int = 2) -> Problem:
    """A small random instance on a 4x3 grid: mixed depart-at/arrive-by trips,
    parties of 1-2, the odd wheelchair, vehicles with and without a wheelchair place
    and sometimes a break."""
    import random

    from optimizer.model import Break, RideTimeRule

    rng = random.Random(seed)
    points = [(x, y) for x in range(4) for y in range(3)]
    d = grid_durations(points, 120)
    vehicles = []
    for k in range(n_vehicles):
        breaks = (Break(TimeWindow(2400, 3600), 600),) if rng.random() < 0.3 else ()
        depot = rng.randrange(len(points))
        vehicles.append(Vehicle(f"v{k}", depot, depot, TimeWindow(0, 7200),
                                seats=rng.choice([2, 3, 4]), wheelchairs=rng.choice([0, 1]),
                                breaks=breaks))
    requests = []
    for i in range(n_requests):
        p, q = rng.sample(range(len(points)), 2)
        t = rng.randrange(0, 4800, 60)
        wheel = rng.random() < 0.15
        kw: dict = {"seats": 0 if wheel else rng.choice([1, 1, 2]),
                    "wheelchairs": 1 if wheel else 0,
                    "pickup_service_s": 120 if wheel else 30}
        if rng.random() < 0.6:
            requests.append(Request(f"r{i}", p, q, pickup_window=TimeWindow(t, t + 900), **kw))
        else:
            requests.append(Request(f"r{i}", p, q, dropoff_window=TimeWindow(t + 600, t + 1500),
                                    **kw))
    return Problem(durations_s=d, requests=tuple(requests), vehicles=tuple(vehicles),
                   ride_rule=RideTimeRule(1.5, 300, 3600))


def advance(problem: Problem, plan, t: int):
    """The live state at time ``t``: stops departed by ``t`` are done, the next one is
    committed (locked), riders picked up and not yet dropped are on board. Finished
    trips leave the problem. Returns ``(problem, plan)`` or ``None`` if a route cannot
    be rebuilt from its state."""
    from optimizer.model import OnBoard, Plan, StopKind, StopRef, VehicleState
    from optimizer.schedule import schedule_route

    done: set[str] = set()
    states, remaining = [], {}
    for route in plan.routes:
        body = [s for s in route.stops if s.kind not in (StopKind.START, StopKind.END)]
        past = [s for s in body if s.departure_s <= t]
        rest = body[len(past):]
        if not past:
            continue
        last = past[-1]
        picked = {s.request_id: s.start_s for s in past if s.kind is StopKind.PICKUP}
        dropped = {s.request_id for s in past if s.kind is StopKind.DROPOFF}
        done |= dropped
        onboard = tuple(OnBoard(r, ts) for r, ts in picked.items() if r not in dropped)
        refs = [StopRef(s.request_id or "", s.kind) for s in rest]
        breaks = sum(1 for s in past if s.kind is StopKind.BREAK)
        states.append(VehicleState(route.vehicle_id, last.location, last.departure_s, onboard,
                                   tuple(refs[:1]), breaks))
        remaining[route.vehicle_id] = refs
    live = problem.replace(
        requests=tuple(r for r in problem.requests if r.id not in done),
        promises=tuple(p for p in problem.promises if p.request_id not in done),
        states=tuple(states),
    )
    routes = []
    for route in plan.routes:
        refs = remaining.get(route.vehicle_id)
        if refs is None:
            refs = [StopRef(s.request_id or "", s.kind) for s in route.stops
                    if s.kind not in (StopKind.START, StopKind.END)]
        new = schedule_route(live, route.vehicle_id, refs)
        if new is None:
            return None
        routes.append(new)
    unassigned = tuple(u for u in plan.unassigned if u.request_id not in done)
    return live, Plan(tuple(routes), unassigned)
