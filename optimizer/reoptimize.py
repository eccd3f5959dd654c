"""Promise-keeping re-optimization and the live events that call for it.

``reoptimize`` improves a plan within a time budget by removing requests and
re-inserting them at their cheapest feasible place (on any vehicle), and by
inserting requests left unassigned; every route it builds goes through
``schedule_route``, so promises, riders on board and locked stops are kept by
construction. When ``optimizer.solver.solve`` is available it is also tried,
warm-started from the improved plan, and kept only if the independent checker
passes it and it is better. The event helpers (cancellation, no-show, breakdown,
late vehicle) return new plain data.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace

from optimizer.checker import ViolationKind, check
from optimizer.model import Plan, Problem, Route, StopKind, StopRef, Unassigned
from optimizer.params import DarpSearchParams, ReoptParams
from optimizer.positions import _index, best_insertion, replace_route
from optimizer.schedule import Context, build_route, context


def route_travel_s(problem: Problem, route: Route) -> int:
    """Total driving time of ``route`` from its first to its last stop."""
    dur = problem.durations_s
    return sum(int(dur[a.location, b.location]) for a, b in zip(route.stops, route.stops[1:],
                                                               strict=False))


def route_cost_s(problem: Problem, route: Route) -> int:
    """Driving time of ``route`` plus its vehicle's place cost for each party it picks up."""
    v = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    places = sum(v.place_cost_s(problem.request(rid)) for rid in route.request_ids)
    return route_travel_s(problem, route) + places


def plan_cost(problem: Problem, plan: Plan, params: ReoptParams = ReoptParams()) -> int:
    """Objective of ``plan``: driving time and place costs plus a penalty per unassigned request."""
    cost = sum(route_cost_s(problem, r) for r in plan.routes)
    return cost + params.unassigned_penalty_s * len(plan.unassigned)


def _refs(route: Route) -> list[StopRef]:
    return [StopRef(s.request_id or "", s.kind) for s in route.stops
            if s.kind not in (StopKind.START, StopKind.END)]


def _movable(ctx: Context, route: Route) -> list[str]:
    """Requests whose pickup and drop-off are both on ``route`` and not locked."""
    st = ctx.states.get(route.vehicle_id)
    locked = {r.request_id for r in st.locked} if st else set()
    return [rid for rid in route.request_ids if rid not in locked]


def _without(ctx: Context, route: Route, rid: str) -> Route | None:
    refs = [r for r in _refs(route) if r.request_id != rid or r.kind is StopKind.BREAK]
    return build_route(ctx, route.vehicle_id, refs)


def _retimed(ctx: Context, plan: Plan) -> Plan:
    """Rebuild every route from its stop order under the current state (kept if impossible)."""
    routes = []
    for r in plan.routes:
        new = build_route(ctx, r.vehicle_id, _refs(r))
        routes.append(new if new is not None else r)
    return Plan(tuple(routes), plan.unassigned)


def reoptimize(
    problem: Problem,
    plan: Plan,
    *,
    time_limit_s: float,
    seed: int = 0,
    params: ReoptParams = ReoptParams(),
    max_rounds: int | None = None,
) -> Plan:
    """Return a plan at least as good as ``plan`` found within about ``time_limit_s`` seconds.

    Never breaks a promise, never moves a rider on board, keeps locked stops
    first. A route that is already infeasible (a late vehicle: see
    :func:`late_promises`) is kept as it is unless moving a request out of it
    makes it feasible. Deterministic for a given ``seed`` when ``max_rounds``
    bounds the work before the time limit does.
    """
    deadline = time.monotonic() + time_limit_s
    ctx = context(problem)
    rng = random.Random(seed)
    best = _retimed(ctx, plan)
    rounds = 0
    while time.monotonic() < deadline and (max_rounds is None or rounds < max_rounds):
        rounds += 1
        improved = _insert_unassigned(ctx, best, deadline)
        improved = _relocate_round(ctx, improved, rng, deadline)
        if plan_cost(problem, improved, params) >= plan_cost(problem, best, params):
            break
        best = improved
    solver_time = (deadline - time.monotonic()) * params.solver_share if params.use_solver else 0
    while time.monotonic() < deadline - solver_time and (
        max_rounds is None or rounds < max_rounds
    ):
        rounds += 1
        trial = _ruin_recreate(ctx, best, rng, deadline)
        if trial is not None and plan_cost(problem, trial, params) < plan_cost(
            problem, best, params
        ):
            best = _relocate_round(ctx, trial, rng, deadline)
    if params.use_solver and time.monotonic() < deadline:
        best = _try_solver(problem, best, deadline, seed, params)
    elif params.darp_share > 0 and time.monotonic() < deadline:
        best = _try_darp(problem, best, deadline, seed, params)
    return best


def _try_darp(
    problem: Problem, plan: Plan, deadline: float, seed: int, params: ReoptParams
) -> Plan:
    """The dial-a-ride search alone from ``plan``; kept if the checker passes it, cheaper."""
    from optimizer import darp_search

    budget = (deadline - time.monotonic()) * min(0.95, params.darp_share)
    search_params = DarpSearchParams(share=params.darp_share,
                                     max_iterations=params.darp_max_iterations)
    objective = darp_search.Objective(unserved_penalty_s=params.unassigned_penalty_s)
    other = darp_search.search(problem, plan, params=search_params, objective=objective,
                               time_limit_s=budget, seed=seed)
    if other is plan or check(problem, other) or plan_cost(problem, other, params) >= plan_cost(
        problem, plan, params
    ):
        return plan
    return other


def _insert_unassigned(ctx: Context, plan: Plan, deadline: float) -> Plan:
    for u in sorted(plan.unassigned, key=lambda u: u.request_id):
        if time.monotonic() >= deadline:
            break
        if u.request_id not in ctx.problem._request_index():
            continue
        r = ctx.problem.request(u.request_id)
        got = best_insertion(ctx, plan, r, ctx.info(r.id), 50)
        if got is not None:
            plan = replace_route(plan, got[1])
    return plan


def _relocate_round(ctx: Context, plan: Plan, rng: random.Random, deadline: float) -> Plan:
    p = ctx.problem
    pairs = sorted((rid, r.vehicle_id) for r in plan.routes for rid in _movable(ctx, r))
    rng.shuffle(pairs)
    for rid, vid in pairs:
        if time.monotonic() >= deadline:
            break
        route = _index(plan)[0].get(vid)
        if route is None or rid not in route.request_ids:
            continue
        shorter = _without(ctx, route, rid)
        if shorter is None:
            continue
        trial = replace_route(plan, shorter)
        got = best_insertion(ctx, trial, p.request(rid), ctx.info(rid), 50)
        if got is None:
            continue
        cost, new_route = got
        saved = route_cost_s(p, route) - route_cost_s(p, shorter)
        if cost < saved:
            plan = replace_route(trial, new_route)
    return plan


def _ruin_recreate(
    ctx: Context, plan: Plan, rng: random.Random, deadline: float
) -> Plan | None:
    """Remove a few random movable requests, then re-insert them cheapest-first."""
    pairs = sorted((rid, r.vehicle_id) for r in plan.routes for rid in _movable(ctx, r))
    if not pairs:
        return None
    chosen = rng.sample(pairs, min(len(pairs), rng.randint(2, 4)))
    for rid, vid in chosen:
        route = plan.route_of(vid)
        shorter = _without(ctx, route, rid) if route is not None else None
        if shorter is None:
            return None
        plan = replace_route(plan, shorter)
    order = [rid for rid, _ in chosen]
    rng.shuffle(order)
    for rid in order:
        if time.monotonic() >= deadline:
            return None
        got = best_insertion(ctx, plan, ctx.problem.request(rid), ctx.info(rid), 50)
        if got is None:
            return None
        plan = replace_route(plan, got[1])
    return plan


def _try_solver(
    problem: Problem, plan: Plan, deadline: float, seed: int, params: ReoptParams
) -> Plan:
    try:
        from optimizer.solver import ModelError, NoSolution, SolveParams, solve
    except ImportError:
        return plan
    budget = (deadline - time.monotonic()) * params.solver_share
    if budget < 0.2:
        return plan
    solve_params = SolveParams(darp=DarpSearchParams(share=params.darp_share))
    try:
        other = solve(problem, params=solve_params, time_limit_s=budget, seed=seed,
                      initial=plan)
    except (ModelError, NoSolution):
        return plan
    if check(problem, other) or plan_cost(problem, other, params) >= plan_cost(
        problem, plan, params
    ):
        return plan
    return other


def _drop(problem: Problem, plan: Plan, request_id: str) -> tuple[Problem, Plan]:
    """Remove a request from the problem (with its promise and locks) and from the plan."""
    if request_id not in problem._request_index():
        msg = f"unknown request {request_id}"
        raise ValueError(msg)
    for s in problem.states:
        if any(ob.request_id == request_id for ob in s.onboard):
            msg = f"request {request_id} is on board {s.vehicle_id}; drop it off instead"
            raise ValueError(msg)
    states = tuple(
        replace(s, locked=tuple(x for x in s.locked if x.request_id != request_id))
        for s in problem.states
    )
    new = problem.replace(
        requests=tuple(r for r in problem.requests if r.id != request_id),
        promises=tuple(x for x in problem.promises if x.request_id != request_id),
        states=states,
    )
    ctx = context(new)
    routes = []
    for r in plan.routes:
        if any(s.request_id == request_id for s in r.stops):
            refs = [x for x in _refs(r) if x.request_id != request_id or x.kind is StopKind.BREAK]
            rebuilt = build_route(ctx, r.vehicle_id, refs)
            if rebuilt is None:
                stops = tuple(s for s in r.stops if s.request_id != request_id)
                rebuilt = Route(r.vehicle_id, stops)
            routes.append(rebuilt)
        else:
            routes.append(r)
    unassigned = tuple(u for u in plan.unassigned if u.request_id != request_id)
    return new, Plan(tuple(routes), unassigned)


def cancel_request(problem: Problem, plan: Plan, request_id: str) -> tuple[Problem, Plan]:
    """Cancel a request not yet on board: the new problem and plan without it."""
    return _drop(problem, plan, request_id)


def no_show(problem: Problem, plan: Plan, request_id: str) -> tuple[Problem, Plan]:
    """The rider was not at the pickup: forget the trip (its drop-off too) and re-time."""
    return _drop(problem, plan, request_id)


@dataclass(frozen=True)
class BreakdownResult:
    """After a breakdown: the new problem and plan, who could not be re-planned, who is stuck.

    ``lost`` are riders not yet on board who no longer fit anywhere (their
    promise is released and they are listed as unassigned); ``stranded`` are the
    riders in the broken vehicle, for the operators to fetch.
    """

    problem: Problem
    plan: Plan
    lost: tuple[str, ...]
    stranded: tuple[str, ...]


def breakdown(problem: Problem, plan: Plan, vehicle_id: str) -> BreakdownResult:
    """Take ``vehicle_id`` out of service and re-plan its riders not yet on board."""
    state = next((s for s in problem.states if s.vehicle_id == vehicle_id), None)
    stranded = tuple(ob.request_id for ob in state.onboard) if state else ()
    route = plan.route_of(vehicle_id)
    waiting = [rid for rid in (route.request_ids if route else ()) if rid not in stranded]
    new = problem.replace(
        vehicles=tuple(v for v in problem.vehicles if v.id != vehicle_id),
        states=tuple(s for s in problem.states if s.vehicle_id != vehicle_id),
        requests=tuple(r for r in problem.requests if r.id not in stranded),
        promises=tuple(p for p in problem.promises if p.request_id not in stranded),
    )
    rest = Plan(tuple(r for r in plan.routes if r.vehicle_id != vehicle_id), plan.unassigned)
    ctx = context(new)
    lost: list[str] = []
    waiting.sort(key=lambda rid: (ctx.info(rid).l_p, rid))
    for rid in waiting:
        got = best_insertion(ctx, rest, new.request(rid), ctx.info(rid), 200)
        if got is None:
            lost.append(rid)
        else:
            rest = replace_route(rest, got[1])
    if lost:
        gone = set(lost)
        new = new.replace(promises=tuple(p for p in new.promises if p.request_id not in gone))
        reason = "vehicle broke down; no other vehicle can keep this trip"
        rest = Plan(rest.routes, (*rest.unassigned, *(Unassigned(r, reason) for r in lost)))
    return BreakdownResult(new, rest, tuple(lost), stranded)


def late_promises(problem: Problem, plan: Plan) -> list[str]:
    """Return the ids of promised requests whose promise the plan can no longer keep.

    Call it after updating a late vehicle's state (``available_at_s``): every
    route is rescheduled from that state in its current order.
    """
    promised = {p.request_id for p in problem.promises}
    broken = {
        v.request_id
        for v in check(problem, plan)
        if v.kind is ViolationKind.PROMISE and v.request_id in promised
    }
    return sorted(broken)
