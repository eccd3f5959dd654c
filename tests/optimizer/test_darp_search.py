"""Tests of ``optimizer.darp_search``: the dial-a-ride local search after OR-Tools' plan.

Its plans always pass the independent checker, never cost more than the plan
given, stay within the time limit and are the same for the same seed; its fast
route evaluation agrees with the scheduler that builds the final routes.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import darp
from bench._formats import read_darp
from bench.darpgen import GenSpec, write
from optimizer import Plan, Problem, Promise, StopKind, StopRef, TimeWindow, Unassigned, check
from optimizer._darp_routes import Tables
from optimizer.darp_search import Objective, plan_cost, search
from optimizer.params import DarpSearchParams
from optimizer.schedule import build_route, context
from optimizer.solver import SolveParams, solve
from tests.optimizer._instances import advance, random_problem

FEW = DarpSearchParams(max_iterations=40)
PENALTY = Objective(unserved_penalty_s=10**6)


def nothing_served(problem: Problem) -> Plan:
    """The trivial feasible plan of a problem without promises: every request unassigned."""
    return Plan((), tuple(Unassigned(r.id, "not planned yet") for r in problem.requests))


def generated(tmp_path_factory: pytest.TempPathFactory, n: int) -> Problem:
    """A generated Cordeau-format day of ``n`` requests as a ``Problem``."""
    folder = tmp_path_factory.mktemp("darp")
    return darp.to_problem(read_darp(write(GenSpec(n, "clustered", 4, 3), folder)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(2, 7), st.integers(1, 3))
def test_search_from_nothing_passes_the_checker_and_never_costs_more(
        seed: int, n_requests: int, n_vehicles: int) -> None:
    problem = random_problem(seed, n_requests, n_vehicles)
    start = nothing_served(problem)
    out = search(problem, start, params=FEW, objective=PENALTY, time_limit_s=5, seed=seed)
    assert check(problem, out) == []
    assert plan_cost(problem, out, PENALTY) <= plan_cost(problem, start, PENALTY)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(3, 8))
def test_search_after_the_solver_keeps_promises_and_never_costs_more(
        seed: int, n_requests: int) -> None:
    problem = random_problem(seed, n_requests, 2)
    plan = solve(problem, params=SolveParams(excess_ride_weight=0.0), time_limit_s=0.2)
    served = [s for r in plan.routes for s in r.stops if s.kind is StopKind.PICKUP]
    # promise what the plan does: the search must keep those windows and deadlines
    problem = problem.replace(promises=tuple(
        Promise(s.request_id or "", TimeWindow(s.start_s - 300, s.start_s + 300),
                next(d.start_s for r in plan.routes for d in r.stops
                     if d.request_id == s.request_id and d.kind is StopKind.DROPOFF) + 300)
        for s in served))
    assert check(problem, plan) == []
    out = search(problem, plan, params=FEW, objective=PENALTY, time_limit_s=5, seed=seed)
    assert check(problem, out) == []
    assert plan_cost(problem, out, PENALTY) <= plan_cost(problem, plan, PENALTY)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_live_state_riders_on_board_and_locked_stops_stay_put(seed: int) -> None:
    problem = random_problem(seed, 8, 2)
    plan = solve(problem, params=SolveParams(excess_ride_weight=0.0), time_limit_s=0.2)
    got = advance(problem, plan, 2400)
    if got is None:
        return
    live, live_plan = got
    if check(live, live_plan):
        return  # the helper's re-timing is not ours to test
    out = search(live, live_plan, params=FEW, objective=PENALTY, time_limit_s=5, seed=seed)
    assert check(live, out) == []  # on board, locked and promised: all graded here
    for state in live.states:
        for ob in state.onboard:
            assert out.vehicle_of(ob.request_id) == state.vehicle_id


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_fast_evaluation_agrees_with_the_scheduler(seed: int) -> None:
    # The search's own timing must accept exactly the routes build_route accepts
    # (it builds the final plan), at the travel cost of the route it builds.
    rng = random.Random(seed)
    problem = random_problem(seed, rng.randint(1, 6), 2)
    problem = problem.replace(vehicles=tuple(replace(v, breaks=()) for v in problem.vehicles))
    tables, ctx = Tables(problem), context(problem)
    for _ in range(20):
        vi = rng.randrange(len(problem.vehicles))
        picked = rng.sample(range(len(problem.requests)), rng.randint(0, len(problem.requests)))
        nodes = [2 * ri for ri in picked] + [2 * ri + 1 for ri in picked]
        rng.shuffle(nodes)
        seq = tuple(sorted(nodes, key=lambda x: (nodes.index(x & ~1), x & 1))
                    if rng.random() < 0.5 else nodes)
        refs = [StopRef(problem.requests[x >> 1].id,
                        StopKind.DROPOFF if x & 1 else StopKind.PICKUP) for x in seq]
        route = build_route(ctx, problem.vehicles[vi].id, refs)
        cost = tables.evaluate(vi, seq)
        assert (cost is None) == (route is None)
        if route is not None and seq:
            dur = problem.durations_s
            travel = sum(int(dur[a.location, b.location])
                         for a, b in zip(route.stops, route.stops[1:], strict=False))
            place = sum(problem.vehicles[vi].place_cost_s(problem.requests[x >> 1])
                        for x in seq if not x & 1)
            assert cost == travel + place


def test_search_improves_a_poor_first_plan(tmp_path_factory: pytest.TempPathFactory) -> None:
    problem = generated(tmp_path_factory, 40)
    objective = Objective(unserved_penalty_s=10**8)
    start = solve(problem, params=SolveParams(excess_ride_weight=0.0, unserved_penalty_s=10**8,
                                              plain=True, lns=False), time_limit_s=0.5)
    out = search(problem, start, params=DarpSearchParams(max_iterations=300),
                 objective=objective, time_limit_s=60)
    assert check(problem, out) == []
    assert len(out.unassigned) <= len(start.unassigned)
    assert plan_cost(problem, out, objective) < plan_cost(problem, start, objective)


def test_same_seed_same_plan(tmp_path_factory: pytest.TempPathFactory) -> None:
    problem = generated(tmp_path_factory, 30)
    start = nothing_served(problem)
    params = DarpSearchParams(max_iterations=60)
    a = search(problem, start, params=params, objective=PENALTY, time_limit_s=60, seed=7)
    b = search(problem, start, params=params, objective=PENALTY, time_limit_s=60, seed=7)
    assert a == b


def test_time_limit_is_respected(tmp_path_factory: pytest.TempPathFactory) -> None:
    # A clock that moves 0.25 s each time it is read: the 1 s limit is reached on
    # the fifth reading, whatever the machine's speed, and no work starts after it.
    problem = generated(tmp_path_factory, 120)
    start = nothing_served(problem)
    readings: list[float] = []

    def clock() -> float:
        readings.append(0.25 * len(readings))
        return readings[-1]

    out = search(problem, start, params=DarpSearchParams(), objective=PENALTY,
                 time_limit_s=1.0, clock=clock)
    assert readings[-1] >= 1.0
    # past the limit the polish (if running) and the main loop each see it once, then stop
    assert 1 <= sum(1 for t in readings if t >= 1.0) <= 2
    assert check(problem, out) == []


def test_solve_with_the_search_passes_the_checker_and_is_no_worse(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    problem = generated(tmp_path_factory, 40)
    # OR-Tools bounded by work, not time (the same first plan both times even on
    # a busy machine); the search after it by iterations
    base = SolveParams(excess_ride_weight=0.0, unserved_penalty_s=10**8, solution_limit=20)
    objective = Objective(unserved_penalty_s=10**8)
    before = solve(problem, params=base, time_limit_s=60)
    after = solve(problem, params=replace(base, darp=DarpSearchParams(
        share=0.5, max_iterations=100)), time_limit_s=120)
    assert check(problem, after) == []
    assert plan_cost(problem, after, objective) <= plan_cost(problem, before, objective)


def test_excess_ride_weight_is_part_of_the_objective() -> None:
    problem = random_problem(3, 6, 2)
    weighted = Objective(excess_ride_weight=0.1, unserved_penalty_s=10**6)
    start = nothing_served(problem)
    out = search(problem, start, params=FEW, objective=weighted, time_limit_s=5)
    assert check(problem, out) == []
    assert plan_cost(problem, out, weighted) <= plan_cost(problem, start, weighted)


def test_reoptimize_with_the_search_keeps_promises_and_is_no_worse() -> None:
    from optimizer.params import ReoptParams
    from optimizer.reoptimize import plan_cost as reopt_cost
    from optimizer.reoptimize import reoptimize

    problem = random_problem(11, 8, 2)
    plan = solve(problem, params=SolveParams(excess_ride_weight=0.0), time_limit_s=0.3)
    problem = problem.replace(promises=tuple(
        Promise(s.request_id or "", TimeWindow(s.start_s - 600, s.start_s + 600), 10**9)
        for r in plan.routes for s in r.stops if s.kind is StopKind.PICKUP))
    params = ReoptParams(darp_share=0.5)
    new = reoptimize(problem, plan, time_limit_s=2.0, seed=1, params=params)
    assert check(problem, new) == []
    assert reopt_cost(problem, new, params) <= reopt_cost(problem, plan, params)


def test_fast_evaluation_agrees_with_the_scheduler_on_tight_ride_times(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    # A generated Cordeau day (ride time 90, windows of 15 minutes): most routes
    # need the delays that shorten rides, the part most likely to drift apart.
    problem = generated(tmp_path_factory, 30)
    plan = solve(problem, params=SolveParams(excess_ride_weight=0.0, solution_limit=20),
                 time_limit_s=30)
    tables, ctx = Tables(problem), context(problem)
    index = {r.id: ri for ri, r in enumerate(problem.requests)}
    vindex = {v.id: vi for vi, v in enumerate(problem.vehicles)}
    rng = random.Random(5)
    feasible = 0
    for route in plan.routes:
        base = [2 * index[s.request_id] + (s.kind is StopKind.DROPOFF) for s in route.stops
                if s.request_id is not None]
        for _ in range(60):
            seq = list(base)
            k = rng.randrange(max(1, len(seq) - 1))
            seq[k:k + 2] = seq[k:k + 2][::-1]  # swap two neighbours (often breaks pairing)
            refs = [StopRef(problem.requests[x >> 1].id,
                            StopKind.DROPOFF if x & 1 else StopKind.PICKUP) for x in seq]
            built = build_route(ctx, route.vehicle_id, refs)
            cost = tables.evaluate(vindex[route.vehicle_id], tuple(seq))
            assert (cost is None) == (built is None)
            feasible += built is not None
    assert feasible > 0
