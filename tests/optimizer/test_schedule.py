"""schedule_route: timed routes that meet every rule, or None; agreement with the checker."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import (
    Break,
    Plan,
    Request,
    RideTimeRule,
    Route,
    ScheduledStop,
    StopKind,
    StopRef,
    TimeWindow,
    Unassigned,
    Vehicle,
    ViolationKind,
    check,
    schedule_route,
)
from tests.optimizer._instances import line_problem, random_problem, req

P, D = StopKind.PICKUP, StopKind.DROPOFF


def order(problem, rids, rng) -> list[StopRef]:
    """A random order with each pickup before its drop-off."""
    keys = {}
    for rid in rids:
        a, b = sorted((rng.random(), rng.random()))
        keys[(rid, P)], keys[(rid, D)] = a, b
    return sorted((StopRef(r, k) for r, k in keys), key=lambda s: keys[(s.request_id, s.kind)])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6))
def test_feasible_exactly_when_the_checker_agrees(seed: int) -> None:
    problem = random_problem(seed, n_requests=3, n_vehicles=1)
    rng = random.Random(seed)
    rids = [r.id for r in problem.requests]
    refs = order(problem, rids, rng)
    route = schedule_route(problem, "v0", refs)
    if route is not None:
        assert check(problem, Plan((route,))) == []
        return
    # untimed stops in the same order: the checker must find a real violation
    stops = tuple(
        ScheduledStop(s.kind, problem.request(s.request_id).pickup if s.kind is P
                      else problem.request(s.request_id).dropoff, 0, 0, 0, s.request_id)
        for s in refs
    )
    ignore = {ViolationKind.TIMES, ViolationKind.LOAD, ViolationKind.BREAK}
    real = [v for v in check(problem, Plan((Route("v0", stops),))) if v.kind not in ignore]
    v = problem.vehicles[0]
    # a missing break is inserted by schedule_route, so only its own failure counts
    assert real or v.breaks


def test_wheelchair_needs_a_wheelchair_place() -> None:
    wheel = Request("w", 1, 3, pickup_window=TimeWindow(0, 900), seats=0, wheelchairs=1)
    car = Vehicle("car", 0, 0, TimeWindow(0, 9000), seats=4, wheelchairs=0)
    van = Vehicle("van", 0, 0, TimeWindow(0, 9000), seats=4, wheelchairs=1)
    problem = line_problem(requests=(wheel,), vehicles=(car, van))
    stops = [StopRef("w", P), StopRef("w", D)]
    assert schedule_route(problem, "car", stops) is None
    route = schedule_route(problem, "van", stops)
    assert route is not None and route.stops[1].wheelchairs_after == 1


def test_arrive_by_deadline_is_met_by_leaving_early_enough() -> None:
    appointment = Request("h", 1, 8, dropoff_window=TimeWindow(3000, 3600))
    problem = line_problem(requests=(appointment,))
    route = schedule_route(problem, "v1", [StopRef("h", P), StopRef("h", D)])
    assert route is not None
    drop = route.stops[2]
    assert 3000 <= drop.start_s <= 3600
    # the pickup is delayed so the ride is not needlessly long (eight-step)
    pick = route.stops[1]
    assert drop.start_s - pick.departure_s <= problem.max_ride_s(appointment)
    assert check(problem, Plan((route,))) == []
    too_late = problem.replace(vehicles=(replace(problem.vehicles[0],
                                                 shift=TimeWindow(3500, 9000)),))
    assert schedule_route(too_late, "v1", [StopRef("h", P), StopRef("h", D)]) is None


def test_break_is_taken_inside_its_window() -> None:
    v = Vehicle("v1", 0, 0, TimeWindow(0, 9000), breaks=(Break(TimeWindow(1000, 1200), 900),))
    problem = line_problem(requests=(req("a", 1, 2, 0, 300), req("b", 3, 4, 1500, 2400)),
                           vehicles=(v,))
    route = schedule_route(problem, "v1", [StopRef("a", P), StopRef("a", D),
                                           StopRef("b", P), StopRef("b", D)])
    assert route is not None
    brk = [s for s in route.stops if s.kind is StopKind.BREAK]
    assert len(brk) == 1 and 1000 <= brk[0].start_s <= 1200
    assert brk[0].departure_s - brk[0].start_s == 900
    assert check(problem, Plan((route,))) == []
    # no window for the break between trips that leave no gap: infeasible
    tight = problem.replace(requests=(req("a", 1, 9, 900, 1000), req("b", 9, 1, 1500, 1560)))
    assert schedule_route(tight, "v1", [StopRef("a", P), StopRef("a", D),
                                        StopRef("b", P), StopRef("b", D)]) is None


def test_capacity_counts_seats() -> None:
    v = Vehicle("v1", 0, 0, TimeWindow(0, 9000), seats=3)
    problem = line_problem(requests=(req("a", 1, 5, seats=2), req("b", 2, 6, seats=2)),
                           vehicles=(v,))
    overlapping = [StopRef("a", P), StopRef("b", P), StopRef("a", D), StopRef("b", D)]
    assert schedule_route(problem, "v1", overlapping) is None
    one_after = [StopRef("a", P), StopRef("a", D), StopRef("b", P), StopRef("b", D)]
    assert schedule_route(problem, "v1", one_after) is not None


def test_ride_time_limit() -> None:
    problem = line_problem(requests=(req("a", 1, 2), req("b", 9, 8)),
                           ride_rule=RideTimeRule(1.0, 30, 5400))
    detour = [StopRef("a", P), StopRef("b", P), StopRef("b", D), StopRef("a", D)]
    assert schedule_route(problem, "v1", detour) is None
    direct = [StopRef("a", P), StopRef("a", D), StopRef("b", P), StopRef("b", D)]
    route = schedule_route(problem, "v1", direct)
    assert route is not None and check(problem, Plan((route,))) == []


def test_route_duration_limit_delays_the_start() -> None:
    v = Vehicle("v1", 0, 0, TimeWindow(0, 9000), max_duration_s=1000)
    problem = line_problem(requests=(req("a", 1, 2, 3000, 3100),), vehicles=(v,))
    route = schedule_route(problem, "v1", [StopRef("a", P), StopRef("a", D)])
    assert route is not None
    assert route.stops[-1].arrival_s - route.stops[0].departure_s <= 1000
    assert check(problem, Plan((route,))) == []
    assert check(problem, Plan((), (Unassigned("a", "x"),))) == []
