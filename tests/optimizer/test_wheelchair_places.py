"""A vehicle's ``wheelchair_place_cost_s``: wheelchair cars kept for wheelchair riders where
a sedan can take the others, and still used for them when nothing else can."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import (
    Plan,
    Problem,
    Quote,
    ReoptParams,
    Request,
    TimeWindow,
    Vehicle,
    check,
    quote,
)
from optimizer.reoptimize import plan_cost, reoptimize
from optimizer.solver import SolveParams, solve
from tests.optimizer._instances import line_problem, req

PLACE = 900
PARAMS = SolveParams(excess_ride_weight=0.0, unserved_penalty_s=10**6)
# The wheelchair car waits at point 5, beside the trips; the sedan at 0, five minutes away.
WC = Vehicle("wc", 5, 5, TimeWindow(0, 36000), seats=4, wheelchairs=1)
SEDAN = Vehicle("sedan", 0, 0, TimeWindow(0, 36000), seats=4)
TRIPS = (req("a", 6, 8, 0, 3600), req("b", 7, 9, 0, 3600), req("c", 6, 9, 600, 4200))


def day(cost: int, sedan: Vehicle = SEDAN, requests: tuple[Request, ...] = TRIPS) -> Problem:
    return line_problem(20, requests, (replace(WC, wheelchair_place_cost_s=cost), sedan))


def vehicles_used(plan: Plan) -> dict[str, str | None]:
    return {r: plan.vehicle_of(r) for r in ("a", "b", "c")}


@pytest.mark.parametrize("cost", [0, PLACE])
def test_the_solver_gives_ambulatory_riders_to_the_sedan_only_under_the_rule(cost: int) -> None:
    problem = day(cost)
    plan = solve(problem, params=PARAMS, time_limit_s=0.5)
    assert check(problem, plan) == [] and not plan.unassigned
    expected = "sedan" if cost else "wc"  # without the rule the nearer car takes them all
    assert set(vehicles_used(plan).values()) == {expected}


def test_the_wheelchair_car_still_carries_them_when_the_sedan_cannot() -> None:
    # the sedan has one seat and every party is two: only the wheelchair car fits them
    parties = tuple(replace(r, seats=2) for r in TRIPS)
    problem = day(PLACE, replace(SEDAN, seats=1), parties)
    plan = solve(problem, params=PARAMS, time_limit_s=0.5)
    assert check(problem, plan) == [] and not plan.unassigned
    assert set(vehicles_used(plan).values()) == {"wc"}
    # and a sedan off duty by then leaves them to the wheelchair car as well
    late = day(PLACE, replace(SEDAN, shift=TimeWindow(0, 300)))
    plan = solve(late, params=PARAMS, time_limit_s=0.5)
    assert check(late, plan) == [] and set(vehicles_used(plan).values()) == {"wc"}


def test_a_quote_prefers_the_sedan_under_the_rule_and_says_the_travel_it_adds() -> None:
    off, on = day(0, requests=()), day(PLACE, requests=())
    first = TRIPS[0]
    q_off = quote(off, Plan(()), first)
    q_on = quote(on, Plan(()), first)
    assert isinstance(q_off, Quote) and isinstance(q_on, Quote)
    assert (q_off.vehicle_id, q_on.vehicle_id) == ("wc", "sedan")
    # added travel stays travel (5-6-8-5 and 0-6-8-0): the place cost is not driven
    assert (q_off.added_travel_s, q_on.added_travel_s) == (360, 960)
    # a wheelchair rider pays no place cost on the wheelchair car
    wheel = replace(first, id="w", seats=0, wheelchairs=1)
    q_w = quote(on, Plan(()), wheel)
    assert isinstance(q_w, Quote) and q_w.vehicle_id == "wc"


def test_reoptimize_moves_riders_off_the_wheelchair_car_under_the_rule() -> None:
    problem = day(PLACE)
    on_wc = solve(day(0), params=PARAMS, time_limit_s=0.5)
    assert set(vehicles_used(on_wc).values()) == {"wc"}
    better = reoptimize(problem, on_wc, time_limit_s=1.0, max_rounds=20,
                        params=ReoptParams(use_solver=False))
    assert check(problem, better) == []
    assert plan_cost(problem, better) < plan_cost(problem, on_wc)
    assert set(vehicles_used(better).values()) == {"sedan"}

