"""Tests of ``optimizer.solver.solve``: every plan passes the independent checker and
honours each constraint; tiny instances match brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import (
    Break,
    OnBoard,
    Plan,
    Problem,
    Promise,
    Request,
    StopKind,
    StopRef,
    TimeWindow,
    Vehicle,
    VehicleState,
    check,
)
from optimizer.solver import ModelError, SolveParams, solve
from tests.optimizer._instances import grid_durations, line_problem, random_problem, req

FAST = 0.4
NO_EXCESS = SolveParams(excess_ride_weight=0.0, unserved_penalty_s=10**6)


def travel(problem: Problem, plan: Plan) -> int:
    """Total vehicle travel time of ``plan`` recomputed from the matrix."""
    total = 0
    for route in plan.routes:
        locs = [s.location for s in route.stops]
        total += sum(int(problem.durations_s[a, b]) for a, b in itertools.pairwise(locs))
    return total


def stops_of(plan: Plan, vehicle_id: str) -> list[tuple[StopKind, str | None]]:
    route = plan.route_of(vehicle_id)
    assert route is not None
    return [(s.kind, s.request_id) for s in route.stops]


def brute_force(problem: Problem) -> int | None:
    """Cheapest travel time serving every request with the single vehicle (earliest schedule)."""
    v = problem.vehicles[0]
    reqs = problem.requests
    events = [(i, k) for i in range(len(reqs)) for k in (0, 1)]
    best = None
    for order in itertools.permutations(events):
        if any(order.index((i, 0)) > order.index((i, 1)) for i in range(len(reqs))):
            continue
        t, loc, load, cost, ok = v.shift.earliest_s, v.start, 0, 0, True
        start_of: dict[int, int] = {}
        for i, k in order:
            r = reqs[i]
            to = r.pickup if k == 0 else r.dropoff
            cost += int(problem.durations_s[loc, to])
            t += int(problem.durations_s[loc, to])
            w = r.pickup_window if k == 0 else r.dropoff_window
            if w is not None:
                t = max(t, w.earliest_s)
                ok = ok and t <= w.latest_s
            load += r.seats if k == 0 else -r.seats
            ok = ok and load <= v.seats
            if k == 0:
                start_of[i] = t
            else:
                ok = ok and t - start_of[i] - r.pickup_service_s <= problem.max_ride_s(r)
            t += r.pickup_service_s if k == 0 else r.dropoff_service_s
            loc = to
        cost += int(problem.durations_s[loc, v.end])
        ok = ok and t + int(problem.durations_s[loc, v.end]) <= v.shift.latest_s
        if ok and (best is None or cost < best):
            best = cost
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tiny_instances_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    points = [(int(x), int(y)) for x, y in rng.integers(0, 6, size=(7, 2))]
    reqs = []
    for i in range(3):
        p, d = rng.choice(np.arange(1, 7), size=2, replace=False)
        e = int(rng.integers(0, 1200))
        reqs.append(Request(f"r{i}", int(p), int(d), pickup_window=TimeWindow(e, e + 900),
                            seats=int(rng.integers(1, 3)), max_ride_s=5000))
    problem = Problem(
        durations_s=grid_durations(points),
        requests=tuple(reqs),
        vehicles=(Vehicle("v", 0, 0, TimeWindow(0, 20000), seats=3),),
    )
    best = brute_force(problem)
    assert best is not None
    plan = solve(problem, params=NO_EXCESS, time_limit_s=FAST)
    assert check(problem, plan) == []
    assert not plan.unassigned
    assert travel(problem, plan) == best


@st.composite
def small_problems(draw: st.DrawFn) -> Problem:
    points = draw(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)),
                           min_size=6, max_size=6))
    reqs = []
    for i in range(draw(st.integers(1, 5))):
        p = draw(st.integers(1, 5))
        d = draw(st.integers(1, 5).filter(lambda x, p=p: x != p))
        e = draw(st.integers(0, 3000))
        by = draw(st.booleans())
        reqs.append(Request(
            f"r{i}", p, d,
            pickup_window=None if by else TimeWindow(e, e + 600),
            dropoff_window=TimeWindow(e, e + 1500) if by else None,
            seats=draw(st.integers(0, 2)) if i % 2 else draw(st.integers(1, 3)),
            wheelchairs=1 if i % 2 else 0,
        ))
    vehicles = (
        Vehicle("car", 0, 0, TimeWindow(0, 8000), seats=3),
        Vehicle("van", 0, 0, TimeWindow(0, 8000), seats=3, wheelchairs=1,
                breaks=(Break(TimeWindow(1000, 4000), 600),) if draw(st.booleans()) else ()),
    )
    return Problem(durations_s=grid_durations(points), requests=tuple(reqs), vehicles=vehicles)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_random_plans_pass_the_checker(problem: Problem) -> None:
    plan = solve(problem, time_limit_s=0.3)
    assert check(problem, plan) == []


def test_wheelchair_goes_to_a_vehicle_with_a_wheelchair_place() -> None:
    vehicles = (
        Vehicle("car", 0, 0, TimeWindow(0, 36000), seats=4),
        Vehicle("van", 9, 9, TimeWindow(0, 36000), seats=4, wheelchairs=1),
    )
    problem = line_problem(requests=(req("w", 1, 2, seats=0, wheelchairs=1),), vehicles=vehicles)
    plan = solve(problem, time_limit_s=FAST)
    assert check(problem, plan) == []
    assert plan.vehicle_of("w") == "van"


def test_capacity_is_never_exceeded() -> None:
    reqs = tuple(req(f"r{i}", 1, 8, 0, 600, seats=2) for i in range(3))
    vehicles = tuple(Vehicle(f"v{k}", 0, 0, TimeWindow(0, 36000), seats=4) for k in range(2))
    problem = line_problem(requests=reqs, vehicles=vehicles)
    plan = solve(problem, params=NO_EXCESS, time_limit_s=FAST)
    assert check(problem, plan) == []
    assert not plan.unassigned
    assert max(s.seats_after for r in plan.routes for s in r.stops) <= 4
    assert len(plan.routes) == 2


def test_ride_time_limit_forbids_the_detour() -> None:
    # "a" may ride only its direct minute, so "b" must board first or wait its turn.
    reqs = (req("a", 1, 2, 0, 60, max_ride_s=60), req("b", 1, 9, 0, 600))
    problem = line_problem(requests=reqs)
    plan = solve(problem, params=NO_EXCESS, time_limit_s=FAST)
    assert check(problem, plan) == []
    assert not plan.unassigned
    stops = [s for s in plan.routes[0].stops if s.request_id == "a"]
    assert stops[1].start_s - stops[0].departure_s <= 60


def test_arrive_by_deadline_is_met() -> None:
    r = Request("appt", 8, 2, dropoff_window=TimeWindow(5000, 5400))
    problem = line_problem(requests=(r,))
    plan = solve(problem, time_limit_s=FAST)
    assert check(problem, plan) == []
    drop = next(s for s in plan.routes[0].stops if s.kind is StopKind.DROPOFF)
    assert drop.start_s <= 5400


def test_break_is_taken_inside_its_window() -> None:
    v = Vehicle("v", 0, 0, TimeWindow(0, 36000), seats=4,
                breaks=(Break(TimeWindow(1000, 1500), 900),))
    reqs = (req("a", 1, 5, 0, 600), req("b", 6, 2, 1200, 1800), req("c", 3, 7, 2000, 2600))
    problem = line_problem(requests=reqs, vehicles=(v,))
    plan = solve(problem, time_limit_s=FAST)
    assert check(problem, plan) == []
    brk = [s for s in plan.routes[0].stops if s.kind is StopKind.BREAK]
    assert len(brk) == 1
    assert 1000 <= brk[0].start_s <= 1500
    assert brk[0].departure_s - brk[0].start_s >= 900


def test_request_no_vehicle_can_carry_is_unassigned_with_a_reason() -> None:
    problem = line_problem(requests=(req("big", 1, 2, seats=6), req("ok", 1, 2)))
    plan = solve(problem, time_limit_s=FAST)
    assert check(problem, plan) == []
    assert [u.request_id for u in plan.unassigned] == ["big"]
    assert "carry" in plan.unassigned[0].reason


def test_promised_request_is_never_dropped() -> None:
    far = req("far", 9, 0, 0, 3600)
    cheap = SolveParams(unserved_penalty_s=1)
    problem = line_problem(requests=(far,))
    assert [u.request_id for u in solve(problem, params=cheap, time_limit_s=FAST).unassigned] == [
        "far"
    ]
    promised = problem.replace(promises=(Promise("far", TimeWindow(600, 1500), 3000),))
    plan = solve(promised, params=cheap, time_limit_s=FAST)
    assert check(promised, plan) == []
    assert plan.vehicle_of("far") == "v1"
    pickup = next(s for s in plan.routes[0].stops if s.kind is StopKind.PICKUP)
    assert 600 <= pickup.start_s <= 1500


def test_impossible_promise_raises_a_clear_error() -> None:
    problem = line_problem(requests=(req("big", 1, 2, seats=6),),
                           promises=(Promise("big", TimeWindow(0, 600), 3000),))
    with pytest.raises(ModelError, match="big"):
        solve(problem, time_limit_s=FAST)


def test_live_state_onboard_and_locked_stops_are_honoured() -> None:
    reqs = (req("rode", 2, 7), req("next", 4, 8), req("other", 1, 3))
    vehicles = (
        Vehicle("busy", 0, 0, TimeWindow(0, 36000), seats=4),
        Vehicle("free", 0, 0, TimeWindow(0, 36000), seats=4),
    )
    state = VehicleState("busy", location=5, available_at_s=1000,
                         onboard=(OnBoard("rode", 900),),
                         locked=(StopRef("next", StopKind.PICKUP),))
    problem = line_problem(requests=reqs, vehicles=vehicles, states=(state,))
    plan = solve(problem, time_limit_s=FAST)
    assert check(problem, plan) == []
    route = plan.route_of("busy")
    assert route is not None
    assert route.stops[0].location == 5 and route.stops[0].departure_s >= 1000
    assert (route.stops[1].kind, route.stops[1].request_id) == (StopKind.PICKUP, "next")
    assert plan.vehicle_of("rode") == "busy"
    assert (StopKind.PICKUP, "rode") not in stops_of(plan, "busy")


def test_warm_start_is_never_worse_than_the_initial_plan() -> None:
    rng = np.random.default_rng(7)
    points = [(int(x), int(y)) for x, y in rng.integers(0, 10, size=(16, 2))]
    reqs = tuple(
        Request(f"r{i}", 2 * i + 1, 2 * i + 2,
                pickup_window=TimeWindow(300 * i, 300 * i + 1800))
        for i in range(7)
    )
    vehicles = tuple(Vehicle(f"v{k}", 0, 0, TimeWindow(0, 36000), seats=3) for k in range(2))
    problem = Problem(durations_s=grid_durations(points), requests=reqs, vehicles=vehicles)
    first = SolveParams(excess_ride_weight=0.0, first_solution="PATH_CHEAPEST_ARC",
                        metaheuristic="GREEDY_DESCENT", lns=False)
    initial = solve(problem, params=first, time_limit_s=0.2)
    better = solve(problem, params=NO_EXCESS, time_limit_s=FAST, initial=initial)
    assert check(problem, better) == []
    assert len(better.unassigned) <= len(initial.unassigned)
    assert travel(problem, better) <= travel(problem, initial)


@pytest.mark.timeout(30)
def test_many_idle_vehicles_still_respect_the_time_limit() -> None:
    # OR-Tools' iterated local search hangs when most vehicles stay idle.
    vehicles = tuple(Vehicle(f"v{k}", 0, 0, TimeWindow(0, 36000), seats=4) for k in range(20))
    reqs = tuple(req(f"r{i}", i + 1, 9 - i, 0, 3600) for i in range(4))
    problem = line_problem(requests=reqs, vehicles=vehicles)
    plan = solve(problem, time_limit_s=FAST)
    assert check(problem, plan) == []
    assert not plan.unassigned


def test_excess_ride_weight_keeps_riders_from_waiting_on_board() -> None:
    # r1 is picked up on the way to r2, whose window opens late: without a weight
    # on ride time r1 may board early and wait inside; with it, r1 boards late.
    reqs = (req("r1", 1, 9, 0, 3600), req("r2", 3, 9, 1800, 2400))
    problem = line_problem(requests=reqs)
    plan = solve(problem, params=SolveParams(excess_ride_weight=0.5), time_limit_s=FAST)
    assert check(problem, plan) == []
    stops = {(s.kind, s.request_id): s for s in plan.routes[0].stops}
    ride = stops[StopKind.DROPOFF, "r1"].start_s - stops[StopKind.PICKUP, "r1"].departure_s
    direct = int(problem.durations_s[1, 9])
    assert ride <= direct + 2 * 60 + 60  # the detour to r2's stop and its boarding


def test_solve_without_vehicles_leaves_every_request_unassigned() -> None:
    """A problem with no vehicle gives an empty plan (OR-Tools itself would abort)."""
    import numpy as np

    from optimizer import Problem, Request, TimeWindow, solve

    problem = Problem(
        durations_s=np.zeros((2, 2), dtype=np.int64),
        requests=(Request("r1", 0, 1, pickup_window=TimeWindow(0, 100)),),
        vehicles=(),
    )
    plan = solve(problem, time_limit_s=1)
    assert plan.routes == ()
    assert [u.request_id for u in plan.unassigned] == ["r1"]


def test_a_solution_limit_bounds_the_search_by_work_not_time() -> None:
    # A work bound gives one answer whatever the wall-clock budget (and however
    # busy the machine): the tests that check quality rely on it.
    problem = random_problem(3, n_requests=8, n_vehicles=2)
    bounded = SolveParams(solution_limit=20)
    plans = [solve(problem, params=bounded, time_limit_s=limit) for limit in (5.0, 60.0)]
    assert plans[0] == plans[1]
    assert check(problem, plans[0]) == []
    assert not plans[0].unassigned
