"""KPIs of a simulated day, computed the same way for the live engine and the baselines.

A vehicle's usage runs from leaving its depot for its first stop to getting
back after its last one (waits in between count); distance adds the legs
between stops and to and from the depot.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizer.model import Plan, Problem, StopKind


@dataclass(frozen=True)
class StopVisit:
    """A served stop: start and end of service and its location index."""

    start_s: int
    departure_s: int
    loc: int


@dataclass(frozen=True)
class RideOutcome:
    """A served ride: when it was picked up and dropped off, versus its window and promise."""

    vehicle_id: str
    pickup_s: int
    dropoff_s: int
    window_start_s: int
    window_end_s: int
    latest_dropoff_s: int
    direct_s: int
    passengers: int


def usage(
    visits: Sequence[StopVisit], depot: int, dur: np.ndarray, dist: np.ndarray
) -> tuple[float, float]:
    """Return (km, hours) of one vehicle's day."""
    if not visits:
        return 0.0, 0.0
    first, last = visits[0], visits[-1]
    m = int(dist[depot, first.loc]) + int(dist[last.loc, depot])
    m += sum(int(dist[a.loc, b.loc]) for a, b in itertools.pairwise(visits))
    t0 = first.start_s - int(dur[depot, first.loc])
    t1 = last.departure_s + int(dur[last.loc, depot])
    return m / 1000.0, max(0, t1 - t0) / 3600.0


def summarise(
    *,
    requests: int,
    rejected: int,
    outcomes: Sequence[RideOutcome],
    vehicle_km: float,
    vehicle_hours: float,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the KPI dictionary (minutes, ratios and shares rounded for reading)."""
    # arrive-by trips of the offline baseline have no pickup window (start 0): no deviation
    dev = np.asarray(
        [(o.pickup_s - o.window_start_s) / 60 for o in outcomes if o.window_start_s > 0],
        dtype=float,
    )
    ratio = np.asarray(
        [(o.dropoff_s - o.pickup_s) / max(o.direct_s, 60) for o in outcomes], dtype=float
    )
    broken = sum(
        1 for o in outcomes if o.pickup_s > o.window_end_s or o.dropoff_s > o.latest_dropoff_s
    )
    shared = 0
    by_vehicle: dict[str, list[RideOutcome]] = {}
    for o in outcomes:
        by_vehicle.setdefault(o.vehicle_id, []).append(o)
    for rides in by_vehicle.values():
        for o in rides:
            if any(
                p is not o and p.pickup_s < o.dropoff_s and o.pickup_s < p.dropoff_s for p in rides
            ):
                shared += 1
    passengers = sum(o.passengers for o in outcomes)
    out: dict[str, Any] = {
        "requests": requests,
        "served": len(outcomes),
        "rejected": rejected,
        "broken_promises": broken,
        "pickup_deviation_mean_min": round(float(dev.mean()), 1) if dev.size else 0.0,
        "pickup_deviation_p95_min": round(float(np.percentile(dev, 95)), 1) if dev.size else 0.0,
        "ride_time_ratio_mean": round(float(ratio.mean()), 2) if ratio.size else 0.0,
        "vehicle_km": round(vehicle_km, 1),
        "vehicle_hours": round(vehicle_hours, 2),
        "passengers": passengers,
        "passengers_per_vehicle_hour": round(passengers / vehicle_hours, 2)
        if vehicle_hours
        else 0.0,
        "shared_ride_share": round(shared / len(outcomes), 3) if outcomes else 0.0,
    }
    out.update(extra or {})
    return out


def plan_kpis(
    problem: Problem,
    plan: Plan,
    *,
    requests: int,
    windows: dict[str, tuple[int, int, int]],
    passengers: dict[str, int],
) -> dict[str, Any]:
    """KPIs of an optimizer ``Plan`` (baselines); ``windows`` maps request id to
    (window start, window end, latest drop-off) it is judged against."""
    dur, dist = problem.durations_s, problem.distances_m
    assert dist is not None
    vehicles = {v.id: v for v in problem.vehicles}
    outcomes: list[RideOutcome] = []
    km = hours = 0.0
    for route in plan.routes:
        visits = [
            StopVisit(s.start_s, s.departure_s, s.location)
            for s in route.stops
            if s.kind in (StopKind.PICKUP, StopKind.DROPOFF)
        ]
        k, h = usage(visits, vehicles[route.vehicle_id].start, dur, dist)
        km, hours = km + k, hours + h
        picks = {s.request_id: s for s in route.stops if s.kind is StopKind.PICKUP}
        for s in route.stops:
            rid = s.request_id
            if s.kind is not StopKind.DROPOFF or rid is None or rid not in picks:
                continue
            p = picks[rid]
            req = problem.request(rid)
            w0, w1, latest = windows[rid]
            outcomes.append(
                RideOutcome(
                    route.vehicle_id,
                    p.start_s,
                    s.start_s,
                    w0,
                    w1,
                    latest,
                    int(dur[req.pickup, req.dropoff]),
                    passengers[rid],
                )
            )
    served = len(outcomes)
    return summarise(
        requests=requests,
        rejected=requests - served,
        outcomes=outcomes,
        vehicle_km=km,
        vehicle_hours=hours,
    )
