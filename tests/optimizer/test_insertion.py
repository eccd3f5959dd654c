"""Instant quotes: cheapest feasible insertion, promises kept, refusals with alternatives."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import (
    Plan,
    Problem,
    Quote,
    QuoteParams,
    QuoteRefusal,
    Request,
    StopKind,
    StopRef,
    TimeWindow,
    Vehicle,
    accept,
    check,
    quote,
    schedule_route,
)
from optimizer.insertion import DayBook
from tests.optimizer._instances import line_problem, random_problem, req


def travel(problem: Problem, route) -> int:
    return sum(int(problem.durations_s[a.location, b.location])
               for a, b in itertools.pairwise(route.stops))


def brute_force(problem: Problem, plan: Plan, request: Request) -> int | None:
    """Cheapest insertion cost by rescheduling every vehicle at every pair of positions."""
    with_r = problem.replace(requests=(*problem.requests, request))
    best = None
    for v in problem.vehicles:
        old = plan.route_of(v.id) or schedule_route(problem, v.id, [])
        if old is None:
            continue
        refs = [StopRef(s.request_id or "", s.kind) for s in old.stops[1:-1]]
        pick, drop = StopRef(request.id, StopKind.PICKUP), StopRef(request.id, StopKind.DROPOFF)
        for i in range(len(refs) + 1):
            for j in range(i, len(refs) + 1):
                new = schedule_route(with_r, v.id, [*refs[:i], pick, *refs[i:j], drop, *refs[j:]])
                if new is not None:
                    cost = travel(problem, new) - travel(problem, old)
                    best = cost if best is None else min(best, cost)
    return best


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 2))
def test_quotes_match_brute_force_and_keep_promises(seed: int, n_vehicles: int) -> None:
    full = random_problem(seed, n_requests=5, n_vehicles=n_vehicles)
    problem = full.replace(requests=())
    plan = Plan(())
    for r in full.requests:
        expected = brute_force(problem, plan, r)
        q = quote(problem, plan, r, params=QuoteParams(max_alternatives=1))
        if isinstance(q, QuoteRefusal):
            assert expected is None
            continue
        assert q.added_travel_s == expected
        assert q.promise.pickup_window.contains(q.estimated_pickup_s)
        assert q.estimated_dropoff_s <= q.promise.latest_dropoff_s
        if r.pickup_window:
            w = q.promise.pickup_window
            assert r.pickup_window.earliest_s <= w.earliest_s <= w.latest_s
            assert w.latest_s <= r.pickup_window.latest_s
        problem, plan = accept(problem, q, r), q.plan
        # every earlier promise, and the new one, hold in the new plan
        assert check(problem, plan) == []


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6))
def test_daybook_books_like_accept(seed: int) -> None:
    full = random_problem(seed, n_requests=6, n_vehicles=2)
    problem, plan = full.replace(requests=()), Plan(())
    book = DayBook(problem, plan)
    for r in full.requests:
        q1, q2 = quote(problem, plan, r), book.quote(r)
        assert type(q1) is type(q2)
        if isinstance(q1, Quote) and isinstance(q2, Quote):
            assert (q1.vehicle_id, q1.promise, q1.plan) == (q2.vehicle_id, q2.promise, q2.plan)
            problem, plan = accept(problem, q1, r), q1.plan
            book.accept(q2, r)
    assert check(book.to_problem(), book.plan) == []


def test_wheelchair_goes_to_the_vehicle_with_a_place() -> None:
    car = Vehicle("car", 1, 1, TimeWindow(0, 9000), wheelchairs=0)
    van = Vehicle("van", 9, 9, TimeWindow(0, 9000), wheelchairs=1)
    problem = line_problem(vehicles=(car, van))
    wheel = Request("w", 1, 2, pickup_window=TimeWindow(0, 3000), seats=0, wheelchairs=1,
                    pickup_service_s=180)
    q = quote(problem, Plan(()), wheel)
    assert isinstance(q, Quote) and q.vehicle_id == "van"
    nobody = line_problem(vehicles=(car,))
    refused = quote(nobody, Plan(()), wheel)
    assert isinstance(refused, QuoteRefusal) and "wheelchair" in refused.reason


def test_refusal_offers_the_nearest_times_that_fit() -> None:
    v = Vehicle("v1", 0, 0, TimeWindow(0, 20000), seats=1)
    problem = line_problem(requests=(req("a", 1, 9, 3600, 3660),), vehicles=(v,))
    first = quote(problem.replace(requests=()), Plan(()), problem.requests[0])
    assert isinstance(first, Quote)
    problem, plan = accept(problem.replace(requests=()), first, problem.requests[0]), first.plan
    # the only seat is taken from 3600 to ~4200, and 9 -> 1 for the next one
    clash = req("b", 2, 8, 3700, 3760)
    got = quote(problem, plan, clash, params=QuoteParams(alternative_step_s=600))
    assert isinstance(got, QuoteRefusal)
    assert got.alternatives, got
    nearest = got.alternatives[0]
    # an alternative really fits: quote the shifted request and it is accepted
    shift = nearest.pickup_window.earliest_s - 3700
    moved = req("b", 2, 8, 3700 + shift - shift % 600, 3760 + shift - shift % 600)
    assert abs(moved.pickup_window.earliest_s - 3700) <= 3600
    shifted = [req("b", 2, 8, 3700 + k, 3760 + k) for k in (-1200, -600, 600, 1200, 1800)]
    fits = [isinstance(quote(problem, plan, r), Quote) for r in shifted]
    assert any(fits)
    starts = {a.pickup_window.earliest_s for a in got.alternatives}
    ok_starts = {r.pickup_window.earliest_s for r, f in zip(shifted, fits, strict=True) if f}
    assert starts & {s + d for s in ok_starts for d in range(0, 61)}


def test_known_request_already_served_is_an_error() -> None:
    problem = line_problem(requests=(req("a", 1, 2),))
    q = quote(problem, Plan(()), problem.requests[0])
    assert isinstance(q, Quote)
    try:
        quote(problem, q.plan, problem.requests[0])
    except ValueError as exc:
        assert "already served" in str(exc)
    else:
        raise AssertionError("a served request was quoted again")


def test_bad_input_is_a_clear_error() -> None:
    import pytest

    from optimizer import ProblemError

    problem = line_problem(requests=(req("a", 1, 2),))
    with pytest.raises(ProblemError, match="out of range"):
        quote(problem, Plan(()), req("z", 1, 99))
    with pytest.raises(ProblemError, match="unknown vehicle"):
        schedule_route(problem, "nope", [])
    with pytest.raises(ProblemError, match="unknown request"):
        schedule_route(problem, "v1", [StopRef("zz", StopKind.PICKUP)])
