"""Scale mode: a large fleet and a full day of requests on a synthetic grid city.

Measures what bounds the live service at size: the instant-quote latency
(p50/p99, the optimizer's insertion on the live plan, booked one after
another through ``optimizer.DayBook``) and the time of one background
re-optimisation of the whole day. The engine's own overhead per quote (database
and problem building) is measured by the day simulator on the real map.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from dispatch.grid import GridCity
from optimizer import Quote, QuoteRefusal, accept, quote, reoptimize
from optimizer.model import Plan, Problem, Request, TimeWindow, Vehicle
from optimizer.reoptimize import plan_cost

# an arbitrary day (the optimizer only sees integers): 2027-01-16 00:00 in Asia/Tokyo, so
# the engine's part (local service dates) sees the day's hours as they read
DAY0 = 1_800_025_200


class _Book:
    """Successive bookings with ``quote`` and ``accept`` (when ``optimizer.DayBook`` is absent)."""

    def __init__(self, problem: Problem, plan: Plan) -> None:
        self.problem, self.plan = problem, plan

    def quote(self, request: Request) -> Quote | QuoteRefusal:
        return quote(self.problem, self.plan, request)

    def accept(self, q: Quote, request: Request) -> None:
        self.problem, self.plan = accept(self.problem, q, request), q.plan

    def to_problem(self) -> Problem:
        return self.problem


def _day_book(problem: Problem) -> Any:
    """The optimizer's incremental ``DayBook`` when available, else the plain loop."""
    try:
        from optimizer.insertion import DayBook  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return _Book(problem, Plan(()))
    return DayBook(problem, Plan(()))


def run_scale(
    *,
    vehicles: int,
    requests: int,
    seed: int,
    reoptimize_s: float = 10.0,
    grid_size: int = 40,
    progress: bool = True,
    engine_samples: int = 0,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Fill a day of ``requests`` on ``vehicles`` and time quotes and one re-optimisation.

    With ``engine_samples``, the filled day is then stored in a SQLite file in
    ``workdir`` and that many quotes are timed through the real engine
    (``dispatch.sim.engine_scale``).
    """
    rng = np.random.default_rng(seed)
    city = GridCity(cols=grid_size, rows=grid_size, spacing_m=500.0, speed_kph=30.0)
    n = grid_size * grid_size
    t0 = time.perf_counter()
    dur, dist = city.matrix(range(n), range(n))
    matrix_s = time.perf_counter() - t0
    shift = TimeWindow(DAY0 + 7 * 3600, DAY0 + 21 * 3600)
    fleet = tuple(
        Vehicle(f"V{i:04d}", int(d), int(d), shift, seats=4, wheelchairs=int(i % 4 == 0))
        for i, d in enumerate(rng.integers(0, n, vehicles))
    )
    problem = Problem(durations_s=dur, distances_m=dist, requests=(), vehicles=fleet)
    book = _day_book(problem)
    departs = np.sort(rng.integers(DAY0 + 8 * 3600, DAY0 + 19 * 3600, requests))
    latencies: list[float] = []
    booked = 0
    for i in tqdm(range(requests), desc="quotes", disable=not progress, file=sys.stderr):
        p, d = (int(x) for x in rng.integers(0, n, 2))
        if p == d:
            d = (d + 1) % n
        t = int(departs[i])
        req = Request(
            f"R{i:06d}", p, d, pickup_window=TimeWindow(t, t + 1800),
            seats=int(rng.choice([1, 1, 1, 2])),
        )
        start = time.perf_counter()
        got = book.quote(req)
        if isinstance(got, Quote):
            book.accept(got, req)
            booked += 1
        latencies.append(time.perf_counter() - start)
    lat = np.asarray(latencies) * 1000
    full = book.to_problem()
    before = plan_cost(full, book.plan)
    start = time.perf_counter()
    better = reoptimize(full, book.plan, time_limit_s=reoptimize_s, seed=seed)
    reopt_wall = time.perf_counter() - start
    after = plan_cost(full, better)
    report = {
        "mode": "scale (synthetic grid)",
        "grid": f"{grid_size}x{grid_size} nodes, 500 m blocks",
        "vehicles": vehicles,
        "requests": requests,
        "booked": booked,
        "matrix_s": round(matrix_s, 2),
        "quote_latency_p50_ms": round(float(np.percentile(lat, 50)), 2),
        "quote_latency_p99_ms": round(float(np.percentile(lat, 99)), 2),
        "quote_latency_max_ms": round(float(lat.max()), 2),
        "reoptimize_limit_s": reoptimize_s,
        "reoptimize_wall_s": round(reopt_wall, 2),
        "plan_cost_before": int(before),
        "plan_cost_after": int(after),
    }
    if engine_samples > 0:
        from dispatch.sim.engine_scale import engine_quotes

        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            report |= engine_quotes(
                city, full, book.plan, samples=engine_samples, seed=seed,
                workdir=Path(tmp), progress=progress,
            )
    return report
