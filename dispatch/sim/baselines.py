"""The two baselines a simulated day is compared with, on the same requests.

(b) No sharing: requests in booking order, each inserted (``optimizer.quote``)
into a fleet that carries one party at a time. (c) Offline: every request
known in advance, planned at once by ``optimizer.solve`` with a longer time
limit. Cancelled trips are left out of both; no-shows count as served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from dispatch.adapter import DayData, ProblemBuilder
from dispatch.engine import DispatchEngine
from dispatch.sim.demand import SimTrip
from dispatch.sim.kpi import plan_kpis
from dispatch.sim.run import _request
from dispatch.store import read_session
from dispatch.store.tables import ShiftRow, VehicleRow
from optimizer import Quote, accept, quote, solve
from optimizer.model import Plan, Problem, Request
from optimizer.repair import REASON_LATE, feasible_part


def _static_problem(
    engine: DispatchEngine, trips: Sequence[SimTrip]
) -> tuple[Problem, list[Request]]:
    """The day's vehicles and ``trips`` as an offline problem (no live state)."""
    day = engine.local_date(trips[0].when)
    b = ProblemBuilder(engine.travel, engine.config, trips[0].book_at)
    with read_session(engine.db) as s:
        # every vehicle that had a shift, even if the day is over (shifts ended)
        shifts = {
            sh.vehicle_id: sh
            for sh in s.scalars(select(ShiftRow).where(ShiftRow.service_date == day))
        }
        vehicles = [v for v in s.scalars(select(VehicleRow).order_by(VehicleRow.id))
                    if v.id in shifts]
    depots = {v.id: engine.snap(v.depot_lat, v.depot_lon).node for v in vehicles}
    data = DayData(vehicles, shifts, [], {}, depots)
    reqs = []
    for t in trips:
        p = engine.snap(t.pickup.lat, t.pickup.lon)
        d = engine.snap(t.dropoff.lat, t.dropoff.lon)
        areas = {a for a in (p.area, d.area) if a}
        reqs.append(b.new_request(t.trip_id, _request(t), p.node, d.node, areas))
    problem, _ = b.build(data, reqs, live=False)
    return problem, reqs


def _windows(problem: Problem) -> dict[str, tuple[int, int, int]]:
    out = {}
    for r in problem.requests:
        if r.pickup_window is not None:
            w0, w1 = r.pickup_window.earliest_s, r.pickup_window.latest_s
        else:
            w0, w1 = 0, 2**62
        latest = r.dropoff_window.latest_s if r.dropoff_window else 2**62
        out[r.id] = (w0, w1, latest)
    return out


def no_sharing(engine: DispatchEngine, trips: Sequence[SimTrip]) -> dict[str, Any]:
    """Baseline (b): one party per vehicle at a time, booked in order."""
    problem, reqs = _static_problem(engine, trips)
    passengers = {r.id: r.seats + r.wheelchairs for r in reqs}
    # one party at a time: every party takes the vehicle's single "party place"
    vehicles = tuple(replace(v, seats=1, wheelchairs=1) for v in problem.vehicles)
    single = [replace(r, seats=1, wheelchairs=min(1, r.wheelchairs)) for r in reqs]
    live = problem.replace(vehicles=vehicles, requests=())
    plan = Plan(())
    windows: dict[str, tuple[int, int, int]] = {}
    for r in single:
        got = quote(live, plan, r)
        if isinstance(got, Quote):
            live = accept(live, got, r)
            plan = got.plan
            p = got.promise
            windows[r.id] = (p.pickup_window.earliest_s, p.pickup_window.latest_s,
                             p.latest_dropoff_s)
    return plan_kpis(live, plan, requests=len(reqs), windows=windows, passengers=passengers)


def offline(
    engine: DispatchEngine, trips: Sequence[SimTrip], *, time_limit_s: float, seed: int
) -> dict[str, Any]:
    """Baseline (c): all requests known in advance, planned by OR-Tools."""
    problem, reqs = _static_problem(engine, trips)
    passengers = {r.id: r.seats + r.wheelchairs for r in reqs}
    # solve() already leaves out what it could only serve late; a second pass is a no-op
    # for it and keeps the baseline honest for any plan handed in.
    plan, _ = feasible_part(problem, solve(problem, time_limit_s=time_limit_s, seed=seed))
    dropped = [u.request_id for u in plan.unassigned if u.reason == REASON_LATE]
    kpis = plan_kpis(
        problem, plan, requests=len(reqs), windows=_windows(problem), passengers=passengers
    )
    kpis["infeasible_dropped"] = dropped
    return kpis
