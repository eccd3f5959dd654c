"""Tests of optimizer.repair: a plan that serves a request late loses that request only."""

from __future__ import annotations

import numpy as np

from optimizer import Problem, Request, TimeWindow, Vehicle, check
from optimizer.model import Plan, Route, ScheduledStop, StopKind
from optimizer.repair import REASON_LATE, feasible_part


def _problem() -> Problem:
    durations = np.full((3, 3), 600, dtype=np.int64)
    np.fill_diagonal(durations, 0)
    return Problem(
        durations_s=durations,
        requests=(
            Request("T1", 1, 2, pickup_window=TimeWindow(0, 1000)),
            Request("T2", 1, 2, pickup_window=TimeWindow(0, 700)),
        ),
        vehicles=(Vehicle("V1", 0, 0, TimeWindow(0, 20_000)),),
    )


def _stop(kind: StopKind, rid: str, loc: int, t: int, seats: int) -> ScheduledStop:
    return ScheduledStop(kind, loc, t, t, t + 60, rid, seats_after=seats)


def test_a_request_served_late_is_left_out_and_the_route_re_timed() -> None:
    """T2 served one ride too late becomes unassigned; T1 stays and the plan passes check."""
    problem = _problem()
    late = Route("V1", (
        _stop(StopKind.PICKUP, "T1", 1, 600, 1),
        _stop(StopKind.DROPOFF, "T1", 2, 1260, 0),
        _stop(StopKind.PICKUP, "T2", 1, 1920, 1),
        _stop(StopKind.DROPOFF, "T2", 2, 2580, 0),
    ))
    plan = Plan((late,))
    assert check(problem, plan)
    repaired, dropped = feasible_part(problem, plan)
    assert dropped == ["T2"]
    assert check(problem, repaired) == []
    assert [u.request_id for u in repaired.unassigned] == ["T2"]
    assert repaired.unassigned[0].reason == REASON_LATE
    assert repaired.routes[0].request_ids == ("T1",)


def test_a_clean_plan_comes_back_unchanged() -> None:
    """A plan the checker accepts is returned as it is, with nothing dropped."""
    problem = _problem()
    route = Route("V1", (
        _stop(StopKind.PICKUP, "T2", 1, 600, 1),
        _stop(StopKind.DROPOFF, "T2", 2, 1260, 0),
    ))
    plan = Plan((route,), ())
    repaired, dropped = feasible_part(problem, plan)
    assert dropped == []
    assert repaired.routes == plan.routes
