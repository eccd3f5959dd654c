"""Re-optimization keeps promises, riders on board and locked stops; live events."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import (
    OnBoard,
    Plan,
    Promise,
    Quote,
    ReoptParams,
    StopKind,
    StopRef,
    TimeWindow,
    Vehicle,
    VehicleState,
    accept,
    breakdown,
    cancel_request,
    check,
    late_promises,
    no_show,
    plan_cost,
    quote,
    reoptimize,
    schedule_route,
)
from tests.optimizer._instances import line_problem, random_problem, req

P, D = StopKind.PICKUP, StopKind.DROPOFF
NO_SOLVER = ReoptParams(use_solver=False)


def booked(seed: int, n_requests: int = 6, n_vehicles: int = 2):
    """A random day filled by successive quotes (each booked with its promise)."""
    full = random_problem(seed, n_requests=n_requests, n_vehicles=n_vehicles)
    problem, plan = full.replace(requests=()), Plan(())
    for r in full.requests:
        q = quote(problem, plan, r)
        if isinstance(q, Quote):
            problem, plan = accept(problem, q, r), q.plan
    return problem, plan


def served(plan: Plan) -> set[str]:
    return {rid for r in plan.routes for rid in r.request_ids}


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6))
def test_reoptimize_keeps_promises_and_never_gets_worse(seed: int) -> None:
    problem, plan = booked(seed)
    assert check(problem, plan) == []
    better = reoptimize(problem, plan, time_limit_s=5, seed=seed, params=NO_SOLVER,
                        max_rounds=4)
    assert check(problem, better) == []
    assert plan_cost(problem, better) <= plan_cost(problem, plan)
    assert served(better) >= served(plan)


def test_reoptimize_is_deterministic_for_a_seed() -> None:
    problem, plan = booked(7, n_requests=7)
    one = reoptimize(problem, plan, time_limit_s=30, seed=3, params=NO_SOLVER, max_rounds=5)
    two = reoptimize(problem, plan, time_limit_s=30, seed=3, params=NO_SOLVER, max_rounds=5)
    assert one == two


def test_reoptimize_finds_a_cheaper_order() -> None:
    # a poor order: 1 -> 8 first, then back to 2 -> 3; both are flexible
    problem = line_problem(requests=(req("a", 8, 9), req("b", 2, 3)))
    poor = schedule_route(problem, "v1", [StopRef("a", P), StopRef("a", D),
                                          StopRef("b", P), StopRef("b", D)])
    assert poor is not None
    better = reoptimize(problem, Plan((poor,)), time_limit_s=5, params=NO_SOLVER, max_rounds=3)
    assert check(problem, better) == []
    assert plan_cost(problem, better) < plan_cost(problem, Plan((poor,)))


def test_onboard_and_locked_stay_put() -> None:
    v1 = Vehicle("v1", 0, 0, TimeWindow(0, 36000))
    v2 = Vehicle("v2", 5, 5, TimeWindow(0, 36000))
    state = VehicleState("v1", 4, 100, onboard=(OnBoard("a", 40),), locked=(StopRef("b", P),))
    problem = line_problem(requests=(req("a", 3, 6), req("b", 9, 5), req("c", 5, 6)),
                           vehicles=(v1, v2), states=(state,))
    route = schedule_route(problem, "v1", [StopRef("b", P), StopRef("c", P), StopRef("a", D),
                                           StopRef("c", D), StopRef("b", D)])
    assert route is not None
    plan = Plan((route,))
    assert check(problem, plan) == []
    better = reoptimize(problem, plan, time_limit_s=5, params=NO_SOLVER, max_rounds=3)
    assert check(problem, better) == []
    r1 = better.route_of("v1")
    assert r1 is not None
    assert r1.stops[1].request_id == "b" and r1.stops[1].kind is P
    assert better.vehicle_of("a") == "v1"


def test_reoptimize_with_the_solver_passes_the_checker() -> None:
    problem, plan = booked(11, n_requests=6)
    better = reoptimize(problem, plan, time_limit_s=2.0, seed=1)
    assert check(problem, better) == []
    assert plan_cost(problem, better) <= plan_cost(problem, plan)


def test_cancel_and_no_show_remove_the_trip() -> None:
    problem, plan = booked(5, n_requests=6)
    rid = sorted(served(plan))[0]
    for event in (cancel_request, no_show):
        p2, plan2 = event(problem, plan, rid)
        assert rid not in {r.id for r in p2.requests}
        assert rid not in {x.request_id for x in p2.promises}
        assert plan2.vehicle_of(rid) is None
        assert check(p2, plan2) == []
    with pytest.raises(ValueError, match="unknown request"):
        cancel_request(problem, plan, "nope")


def test_cancel_of_a_rider_on_board_is_refused() -> None:
    state = VehicleState("v1", 2, 100, onboard=(OnBoard("a", 60),))
    problem = line_problem(requests=(req("a", 1, 5),), states=(state,))
    route = schedule_route(problem, "v1", [StopRef("a", D)])
    with pytest.raises(ValueError, match="on board"):
        cancel_request(problem, Plan((route,)), "a")


def test_breakdown_moves_waiting_riders_and_strands_those_on_board() -> None:
    v1 = Vehicle("v1", 0, 0, TimeWindow(0, 36000))
    v2 = Vehicle("v2", 9, 9, TimeWindow(0, 36000))
    state = VehicleState("v1", 2, 100, onboard=(OnBoard("a", 60),))
    problem = line_problem(
        requests=(req("a", 1, 5), req("b", 3, 4, 0, 3000)),
        vehicles=(v1, v2), states=(state,),
        promises=(Promise("b", TimeWindow(0, 3000), 4000),),
    )
    route = schedule_route(problem, "v1", [StopRef("b", P), StopRef("b", D), StopRef("a", D)])
    plan = Plan((route,))
    assert check(problem, plan) == []
    out = breakdown(problem, plan, "v1")
    assert out.stranded == ("a",) and out.lost == ()
    assert out.plan.vehicle_of("b") == "v2"
    assert check(out.problem, out.plan) == []
    # with a promise v2 cannot keep, the rider is reported lost and listed unassigned
    tight = problem.replace(promises=(Promise("b", TimeWindow(0, 200), 400),))
    route = schedule_route(tight, "v1", [StopRef("b", P), StopRef("b", D), StopRef("a", D)])
    out = breakdown(tight, Plan((route,)), "v1")
    assert out.lost == ("b",)
    assert [u.request_id for u in out.plan.unassigned] == ["b"]
    assert check(out.problem, out.plan) == []


def test_late_vehicle_reports_the_promises_it_can_no_longer_keep() -> None:
    problem = line_problem(
        requests=(req("a", 2, 3), req("b", 6, 7)),
        promises=(Promise("a", TimeWindow(0, 600), 1200), Promise("b", TimeWindow(0, 3000), 4000)),
    )
    route = schedule_route(problem, "v1", [StopRef("a", P), StopRef("a", D),
                                           StopRef("b", P), StopRef("b", D)])
    plan = Plan((route,))
    assert late_promises(problem, plan) == []
    # stuck in traffic: free again at 900 at location 1
    late = problem.replace(states=(VehicleState("v1", 1, 900),))
    assert late_promises(late, plan) == ["a"]
    later = problem.replace(states=(VehicleState("v1", 1, 2950),))
    assert late_promises(later, plan) == ["a", "b"]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(600, 4200))
def test_live_day_quotes_and_reoptimization_keep_every_promise(seed: int, now: int) -> None:
    from hypothesis import assume

    from tests.optimizer._instances import advance

    problem, plan = booked(seed, n_requests=5)
    live = advance(problem, plan, now)
    assume(live is not None)
    problem, plan = live
    assert check(problem, plan) == []
    # new callers during the day, then a re-optimization
    extra = random_problem(seed + 1, n_requests=3, n_vehicles=0)
    for r in extra.requests:
        r = replace(r, id=f"late-{r.id}")
        q = quote(problem, plan, r)
        if isinstance(q, Quote):
            problem, plan = accept(problem, q, r), q.plan
            assert check(problem, plan) == []
    better = reoptimize(problem, plan, time_limit_s=5, seed=seed, params=NO_SOLVER,
                        max_rounds=3)
    assert check(problem, better) == []
    for s in problem.states:
        for ob in s.onboard:
            assert better.vehicle_of(ob.request_id) == s.vehicle_id


def test_reoptimize_of_a_late_plan_does_not_make_it_worse() -> None:
    v2 = Vehicle("v2", 6, 6, TimeWindow(0, 36000))
    problem = line_problem(
        requests=(req("a", 2, 3), req("b", 6, 7)),
        vehicles=(Vehicle("v1", 0, 0, TimeWindow(0, 36000)), v2),
        promises=(Promise("a", TimeWindow(0, 600), 1200), Promise("b", TimeWindow(0, 3000), 4000)),
    )
    route = schedule_route(problem, "v1", [StopRef("a", P), StopRef("a", D),
                                           StopRef("b", P), StopRef("b", D)])
    late = problem.replace(states=(VehicleState("v1", 1, 900),))
    before = check(late, Plan((route,)))
    assert before
    after = reoptimize(late, Plan((route,)), time_limit_s=5, params=NO_SOLVER, max_rounds=3)
    # v2 can still reach a in time: re-optimizing rescues the promise v1 would break
    assert late_promises(late, Plan((route,))) == ["a"]
    assert check(late, after) == []
    assert after.vehicle_of("a") == "v2"
    # with no other vehicle, the late route is kept and the broken promise stays reported
    alone = late.replace(vehicles=late.vehicles[:1])
    kept = reoptimize(alone, Plan((route,)), time_limit_s=5, params=NO_SOLVER, max_rounds=3)
    assert late_promises(alone, kept) == ["a"]
    assert kept.vehicle_of("b") == "v1"
