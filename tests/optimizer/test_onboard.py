"""A rider on board is planned from the time they boarded, not from their pickup window."""

from __future__ import annotations

import pytest

from optimizer import check, reoptimize, schedule_route, solve
from optimizer.model import (
    OnBoard,
    Plan,
    Promise,
    Request,
    StopKind,
    StopRef,
    TimeWindow,
    VehicleState,
)
from optimizer.solver import ModelError
from tests.optimizer._instances import line_problem

D = StopKind.DROPOFF


def _boarded_early(picked_s: int, now_s: int, dropoff_from_s: int | None = None):  # type: ignore[no-untyped-def]
    """A rider promised a pickup at 10800-11700 who boarded at ``picked_s`` at point 2,
    the vehicle there at ``now_s``; drop-off at point 5 (3 minutes away), not before
    ``dropoff_from_s`` (the boarding time by default)."""
    window = TimeWindow(10800, 11700)
    frm = picked_s if dropoff_from_s is None else dropoff_from_s
    r = Request("a", 2, 5, pickup_window=window, dropoff_window=TimeWindow(frm, 14400))
    state = VehicleState("v1", 2, now_s, onboard=(OnBoard("a", picked_s),))
    return line_problem(requests=(r,), states=(state,), promises=(Promise("a", window, 14400),))


def test_a_rider_who_boarded_before_the_window_is_taken_straight_on() -> None:
    """Boarded at 3600 for a window opening at 10800: the drop-off is at 3600 + 3 minutes,
    not held until after the window (that broke the ride time and the model)."""
    problem = _boarded_early(3600, 3600)
    route = schedule_route(problem, "v1", [StopRef("a", D)])
    assert route is not None
    drop = next(s for s in route.stops if s.kind is D)
    assert drop.start_s == 3600 + 180
    plan = Plan((route,))
    assert check(problem, plan) == []
    solved = solve(problem, time_limit_s=0.5)
    assert check(problem, solved) == []
    assert next(s for s in solved.route_of("v1").stops if s.kind is D).start_s == 3780


def test_bounds_that_contradict_the_ride_time_are_a_model_error_not_a_crash() -> None:
    """On board since 3600 with a drop-off window opening at 10800, past the ride time:
    no plan can keep both. OR-Tools failed with a bare 'CP Solver fail' while building the
    model; now the solver says ModelError and the re-optimiser keeps the plan it was given."""
    problem = _boarded_early(3600, 3600, dropoff_from_s=10800)
    with pytest.raises(ModelError):
        solve(problem, time_limit_s=0.5)
    stale = Plan(())
    assert reoptimize(problem, stale, time_limit_s=0.5) == stale
