"""Noriai's dial-a-ride optimizer: pure data in, plain data out.

Problem data lives in :mod:`optimizer.model`. :func:`solve` plans a day ahead,
:func:`quote` inserts a new request into the current plan, :func:`reoptimize`
improves a live plan without breaking promises, and :func:`check` is the
independent checker every plan is graded by.
"""

from __future__ import annotations

from optimizer.checker import Violation, ViolationKind, check
from optimizer.insertion import Alternative, DayBook, Quote, QuoteRefusal, accept, quote
from optimizer.model import (
    Break,
    OnBoard,
    Plan,
    Problem,
    ProblemError,
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
)
from optimizer.params import QuoteParams, ReoptParams
from optimizer.reoptimize import (
    BreakdownResult,
    breakdown,
    cancel_request,
    late_promises,
    no_show,
    plan_cost,
    reoptimize,
)
from optimizer.schedule import schedule_route
from optimizer.solver import SolveParams, solve

__all__ = [
    "Alternative",
    "Break",
    "BreakdownResult",
    "DayBook",
    "OnBoard",
    "Plan",
    "Problem",
    "ProblemError",
    "Promise",
    "Quote",
    "QuoteParams",
    "QuoteRefusal",
    "ReoptParams",
    "Request",
    "RideTimeRule",
    "Route",
    "ScheduledStop",
    "SolveParams",
    "StopKind",
    "StopRef",
    "TimeWindow",
    "Unassigned",
    "Vehicle",
    "VehicleState",
    "Violation",
    "ViolationKind",
    "accept",
    "breakdown",
    "cancel_request",
    "check",
    "late_promises",
    "no_show",
    "plan_cost",
    "quote",
    "reoptimize",
    "schedule_route",
    "solve",
]
