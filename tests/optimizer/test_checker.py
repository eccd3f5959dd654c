"""The independent checker: a clean plan passes, each hand-made violation is named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import (
    Break,
    OnBoard,
    Plan,
    Promise,
    Request,
    RideTimeRule,
    Route,
    ScheduledStop,
    StopKind,
    StopRef,
    TimeWindow,
    Unassigned,
    Vehicle,
    VehicleState,
    ViolationKind,
    check,
    schedule_route,
)
from tests.optimizer._instances import line_problem, req

P, D, B = StopKind.PICKUP, StopKind.DROPOFF, StopKind.BREAK


def refs(*pairs: tuple[str, StopKind]) -> list[StopRef]:
    return [StopRef(rid, kind) for rid, kind in pairs]


def kinds(problem, plan) -> set[ViolationKind]:
    return {v.kind for v in check(problem, plan)}


def with_stop(route: Route, index: int, **changes) -> Route:
    stops = list(route.stops)
    stops[index] = replace(stops[index], **changes)
    return Route(route.vehicle_id, tuple(stops))


@pytest.fixture
def two():
    problem = line_problem(requests=(req("a", 1, 5), req("b", 2, 4)))
    route = schedule_route(problem, "v1", refs(("a", P), ("b", P), ("b", D), ("a", D)))
    assert route is not None
    return problem, route


def test_clean_plan_has_no_violation(two) -> None:
    problem, route = two
    assert check(problem, Plan((route,))) == []


def test_times_are_recomputed_not_trusted(two) -> None:
    problem, route = two
    # claim the first pickup happens before the vehicle could get there
    bad = with_stop(route, 1, arrival_s=0, start_s=0, departure_s=60)
    found = check(problem, Plan((bad,)))
    assert [v.kind for v in found] == [ViolationKind.TIMES]
    assert found[0].request_id == "a"


def test_reported_load_must_match(two) -> None:
    problem, route = two
    bad = with_stop(route, 2, seats_after=1)
    assert kinds(problem, Plan((bad,))) == {ViolationKind.LOAD}


def test_pickup_window_missed() -> None:
    problem = line_problem(requests=(req("a", 9, 1, 0, 300),))
    # the vehicle starts at 0 at t=0 and needs 540 s to reach 9
    route = Route("v1", (
        ScheduledStop(StopKind.START, 0, 0, 0, 0),
        ScheduledStop(P, 9, 540, 540, 600, "a", 1),
        ScheduledStop(D, 1, 1080, 1080, 1140, "a", 0),
        ScheduledStop(StopKind.END, 0, 1200, 1200, 1200),
    ))
    found = kinds(problem, Plan((route,)))
    assert ViolationKind.PICKUP_WINDOW in found


def test_arrive_by_deadline_missed() -> None:
    late = Request("a", 1, 9, dropoff_window=TimeWindow(0, 400))
    problem = line_problem(requests=(late,))
    route = Route("v1", (
        ScheduledStop(P, 1, 60, 60, 120, "a", 1),
        ScheduledStop(D, 9, 600, 600, 660, "a", 0),
    ))
    assert ViolationKind.DROPOFF_WINDOW in kinds(problem, Plan((route,)))


def test_ride_time_too_long() -> None:
    # a goes 1 -> 2 (direct 60 s, max 60 + 30) but the vehicle detours via 9
    problem = line_problem(
        requests=(req("a", 1, 2), req("b", 9, 8)), ride_rule=RideTimeRule(1.0, 30, 5400)
    )
    route = schedule_route(problem, "v1", refs(("a", P), ("b", P), ("b", D), ("a", D)))
    assert route is None
    forced = Route("v1", (
        ScheduledStop(P, 1, 60, 60, 120, "a", 1),
        ScheduledStop(P, 9, 600, 600, 660, "b", 2),
        ScheduledStop(D, 8, 720, 720, 780, "b", 1),
        ScheduledStop(D, 2, 1140, 1140, 1200, "a", 0),
    ))
    found = check(problem, Plan((forced,)))
    # the recomputed ride is too long, and so is the one the plan reports
    assert {(v.kind, v.request_id) for v in found} == {
        (ViolationKind.RIDE_TIME, "a"), (ViolationKind.TIMES, "a")}


def test_capacity_and_wheelchair() -> None:
    wheel = Request("w", 1, 3, pickup_window=TimeWindow(0, 9000), seats=0, wheelchairs=1)
    problem = line_problem(requests=(wheel, req("a", 1, 3, seats=4), req("b", 1, 3)))
    route = Route("v1", (
        ScheduledStop(P, 1, 60, 60, 120, "a", 4),
        ScheduledStop(P, 1, 120, 120, 180, "b", 5),
        ScheduledStop(D, 3, 300, 300, 360, "a", 1),
        ScheduledStop(D, 3, 360, 360, 420, "b", 0),
    ))
    plan = Plan((route,), (Unassigned("w", "test"),))
    assert kinds(problem, plan) == {ViolationKind.CAPACITY}
    # the car has no wheelchair place: a wheelchair user may not ride it
    wroute = Route("v1", (
        ScheduledStop(P, 1, 60, 60, 120, "w", 0, 1),
        ScheduledStop(D, 3, 240, 240, 300, "w", 0, 0),
    ))
    plan = Plan((wroute,), (Unassigned("a", "t"), Unassigned("b", "t")))
    assert {ViolationKind.CANNOT_SERVE, ViolationKind.CAPACITY} <= kinds(problem, plan)


def test_pairing_duplicates_and_missing(two) -> None:
    problem, route = two
    # drop-off before pickup
    swapped = Route("v1", (route.stops[0], route.stops[4], route.stops[2], route.stops[3],
                           route.stops[1], route.stops[5]))
    assert ViolationKind.PAIRING in kinds(problem, Plan((swapped,)))
    # the same route twice on two vehicles' worth: served twice
    problem2 = problem.replace(vehicles=(*problem.vehicles, replace(problem.vehicles[0], id="v2")))
    twice = Plan((route, Route("v2", route.stops)))
    assert ViolationKind.DUPLICATE in kinds(problem2, twice)
    # a request neither served nor unassigned
    only_b = schedule_route(problem, "v1", refs(("b", P), ("b", D)))
    assert kinds(problem, Plan((only_b,))) == {ViolationKind.MISSING}
    assert check(problem, Plan((only_b,), (Unassigned("a", "no room"),))) == []
    # unknown vehicle or request
    assert ViolationKind.UNKNOWN in kinds(problem, Plan((Route("zz", route.stops),)))


def test_shift_end_and_route_duration(two) -> None:
    problem, route = two
    short = problem.replace(vehicles=(replace(problem.vehicles[0], shift=TimeWindow(0, 500)),))
    assert ViolationKind.SHIFT in kinds(short, Plan((route,)))
    capped = problem.replace(vehicles=(replace(problem.vehicles[0], max_duration_s=300),))
    assert ViolationKind.SHIFT in kinds(capped, Plan((route,)))


def test_break_must_be_taken_in_its_window() -> None:
    brk = Break(TimeWindow(600, 900), 1800)
    v = Vehicle("v1", 0, 0, TimeWindow(0, 36000), breaks=(brk,))
    problem = line_problem(requests=(req("a", 1, 2),), vehicles=(v,))
    no_break = Route("v1", (
        ScheduledStop(P, 1, 60, 60, 120, "a", 1),
        ScheduledStop(D, 2, 180, 180, 240, "a", 0),
    ))
    assert kinds(problem, Plan((no_break,))) == {ViolationKind.BREAK}
    late_break = Route("v1", (
        *no_break.stops,
        ScheduledStop(B, 2, 240, 1000, 2800),
    ))
    found = check(problem, Plan((late_break,)))
    # the recomputed break starts at 600 (fine) but the reported 1000 is outside its window
    assert [v.kind for v in found] == [ViolationKind.TIMES]
    good = schedule_route(problem, "v1", refs(("a", P), ("a", D)))
    assert good is not None and any(s.kind is B for s in good.stops)
    assert check(problem, Plan((good,))) == []


def test_promises() -> None:
    problem = line_problem(
        requests=(req("a", 5, 6),),
        promises=(Promise("a", TimeWindow(100, 200), 400),),
    )
    route = schedule_route(problem.replace(promises=()), "v1", refs(("a", P), ("a", D)))
    assert route is not None  # pickup at 300 > promised 200
    found = check(problem, Plan((route,)))
    assert {v.kind for v in found} >= {ViolationKind.PROMISE}
    assert {v.request_id for v in found if v.kind is ViolationKind.PROMISE} == {"a"}
    unassigned = Plan((), (Unassigned("a", "no room"),))
    assert ViolationKind.PROMISE in kinds(problem, unassigned)


def test_onboard_riders_stay_on_their_vehicle() -> None:
    v2 = Vehicle("v2", 9, 9, TimeWindow(0, 36000))
    state = VehicleState("v1", 3, 100, onboard=(OnBoard("a", 50),))
    problem = line_problem(requests=(req("a", 1, 5),), vehicles=(
        Vehicle("v1", 0, 0, TimeWindow(0, 36000)), v2), states=(state,))
    good = schedule_route(problem, "v1", refs(("a", D)))
    assert good is not None and good.stops[0].location == 3
    assert check(problem, Plan((good,))) == []
    assert ViolationKind.ONBOARD in kinds(problem, Plan(()))
    moved = Route("v2", (ScheduledStop(D, 5, 240, 240, 300, "a", 0),))
    assert ViolationKind.ONBOARD in kinds(problem, Plan((moved,)))


def test_locked_stops_come_first() -> None:
    state = VehicleState("v1", 0, 0, locked=(StopRef("b", P),))
    problem = line_problem(requests=(req("a", 1, 5), req("b", 2, 4)), states=(state,))
    ok = schedule_route(problem, "v1", refs(("b", P), ("a", P), ("b", D), ("a", D)))
    assert ok is not None and check(problem, Plan((ok,))) == []
    assert schedule_route(problem, "v1", refs(("a", P), ("b", P), ("b", D), ("a", D))) is None
    free = schedule_route(problem.replace(states=()), "v1",
                          refs(("a", P), ("b", P), ("b", D), ("a", D)))
    assert free is not None
    assert kinds(problem, Plan((free,))) == {ViolationKind.LOCKED}
