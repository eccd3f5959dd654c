"""Small hand-made and random dial-a-ride instances shared by the optimizer tests."""

from __future__ import annotations

import numpy as np

from optimizer.model import Problem, Request, TimeWindow, Vehicle


def grid_durations(points: list[tuple[int, int]], speed_s: int = 60) -> np.ndarray:
    """Manhattan travel times (``speed_s`` seconds per grid step) between ``points``."""
    a = np.array(points, dtype=np.int64)
    return (np.abs(a[:, None, :] - a[None, :, :]).sum(axis=2) * speed_s).astype(np.int64)


def line_problem(
    n_points: int = 10,
    requests: tuple[Request, ...] = (),
    vehicles: tuple[Vehicle, ...] | None = None,
    **kw: object,
) -> Problem:
    """Points 0..n-1 on a line, one minute apart; one 4-seat vehicle at 0 by default."""
    d = grid_durations([(i, 0) for i in range(n_points)])
    if vehicles is None:
        vehicles = (Vehicle("v1", 0, 0, TimeWindow(0, 36000), seats=4),)
    return Problem(durations_s=d, requests=requests, vehicles=vehicles, **kw)  # type: ignore[arg-type]


def req(rid: str, p: int, d: int, e: int = 0, lat: int = 36000, **kw: object) -> Request:
    """A request from ``p`` to ``d`` with pickup window ``[e, lat]``."""
    return Request(rid, p, d, pickup_window=TimeWindow(e, lat), **kw)  # type: ignore[arg-type]
