"""Noriai's dial-a-ride optimizer: pure data in, plain data out.

Problem data lives in :mod:`optimizer.model`; :func:`check` is the independent
checker every plan is graded by.
"""

from __future__ import annotations

from optimizer.checker import Violation, ViolationKind, check
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

__all__ = [
    "Break",
    "OnBoard",
    "Plan",
    "Problem",
    "ProblemError",
    "Promise",
    "Request",
    "RideTimeRule",
    "Route",
    "ScheduledStop",
    "StopKind",
    "StopRef",
    "TimeWindow",
    "Unassigned",
    "Vehicle",
    "VehicleState",
    "Violation",
    "ViolationKind",
    "check",
]
