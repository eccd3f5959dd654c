"""Noriai's dial-a-ride optimizer: pure data in, plain data out.

Problem data lives in :mod:`optimizer.model`. :func:`solve` plans a day ahead,
:func:`quote` inserts a new request into the current plan (:func:`accept` turns
a quote into the next problem; :class:`DayBook` does many bookings fast),
:func:`reoptimize` improves a live plan without breaking promises, and
:func:`check` is the independent checker every plan is graded by.

Conventions every plan follows: a route starts with a START stop (the live
position, or the depot at shift start) and ends with an END stop at the end
depot; a BREAK stop happens where the vehicle already is, and the k-th BREAK of
a route is the vehicle's break ``breaks_taken + k``; ride time runs from the end
of the pickup service (``OnBoard.picked_up_s`` is when that service began) to
the start of the drop-off service. Quoting temporarily registers the new request
in the problem's cached context, so one problem object must not be quoted from
two threads at once.
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
