"""Scale mode through the real engine: a full day of bookings stored, then quotes timed.

``dispatch.sim.scale`` fills a day on a synthetic grid with the optimizer alone.
This module stores that day the way the engine does (vehicles and shifts through
the engine's own calls, the booked rides and each vehicle's plan as the engine
persists them, in one transaction) and then asks ``DispatchEngine.quote`` for
more rides, day-ahead, timing each end to end (database read, problem building,
travel-time matrix, insertion, storing the offer) and by phase. Booking
thousands of rides one ``confirm`` at a time would take hours, since every
confirmation re-reads the whole day; how that cost grows is what this measures.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from tqdm import tqdm

from dispatch.adapter import ProblemBuilder, node_key
from dispatch.bus.memory import InProcessBus
from dispatch.clock import SimClock
from dispatch.config import EngineConfig
from dispatch.domain import LatLon, Offer, TripRequest
from dispatch.engine import DispatchEngine
from dispatch.grid import GridCity
from dispatch.store import create_all, make_engine, read_session, write_session
from dispatch.store.tables import PlanRow, RideRow
from optimizer import quote
from optimizer.model import Plan, Problem, StopKind


def _utc(t_s: int) -> datetime:
    return datetime.fromtimestamp(t_s, tz=UTC)


def store_day(engine: DispatchEngine, city: GridCity, problem: Problem, plan: Plan) -> int:
    """Store ``plan`` (made on ``city``'s nodes, location index = node) as the engine would.

    Vehicles and shifts go through the engine's own calls; every routed request
    becomes an ``assigned`` ride with its promise, and each route the vehicle's
    persisted plan. Returns the number of rides stored.
    """
    promises = {p.request_id: p for p in problem.promises}
    reqs = problem._request_index()
    tz = engine.tz
    day = datetime.fromtimestamp(problem.vehicles[0].shift.earliest_s, tz=tz).date()
    for v in problem.vehicles:
        depot = LatLon(*city.node_latlon(v.start))
        engine.add_vehicle(v.id, depot=depot, seats=v.seats, wheelchairs=v.wheelchairs)
        engine.set_shift(v.id, day, _utc(v.shift.earliest_s), _utc(v.shift.latest_s))
    builder = ProblemBuilder(city, engine.config, engine.now())
    builder.nodes = list(range(len(problem.durations_s)))
    now = engine.now()
    stored = 0
    with write_session(engine.db, day) as s:
        for route in plan.routes:
            times: dict[tuple[str, StopKind], int] = {
                (st.request_id, st.kind): st.start_s for st in route.stops if st.request_id
            }
            for st in route.stops:
                if st.kind is not StopKind.PICKUP or st.request_id is None:
                    continue
                r, prom = reqs[st.request_id], promises[st.request_id]
                plat, plon = city.node_latlon(r.pickup)
                dlat, dlon = city.node_latlon(r.dropoff)
                s.add(RideRow(
                    id=r.id, member_id=f"M{stored % 5000:05d}",
                    pickup_lat=plat, pickup_lon=plon, dropoff_lat=dlat, dropoff_lon=dlon,
                    pickup_node=node_key(r.pickup), dropoff_node=node_key(r.dropoff),
                    areas=sorted(r.areas),
                    depart_at=_utc(r.pickup_window.earliest_s) if r.pickup_window else None,
                    party_size=r.seats, wheelchairs=r.wheelchairs, status="assigned",
                    service_date=day,
                    pickup_window_start=_utc(prom.pickup_window.earliest_s),
                    pickup_window_end=_utc(prom.pickup_window.latest_s),
                    latest_dropoff=_utc(prom.latest_dropoff_s), vehicle_id=route.vehicle_id,
                    estimated_pickup=_utc(st.start_s),
                    estimated_dropoff=_utc(times[(r.id, StopKind.DROPOFF)]),
                    created_at=now,
                ))
                stored += 1
            s.flush()
            s.add(PlanRow(vehicle_id=route.vehicle_id, service_date=day,
                          stops=builder.stops_json(route), version=1, updated_at=now))
    return stored


@contextmanager
def _timed(into: list[float]) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    into.append((time.perf_counter() - t0) * 1000)


def _pct(xs: list[float], q: float) -> float:
    return round(float(np.percentile(xs, q)), 1) if xs else 0.0


def engine_quotes(
    city: GridCity,
    problem: Problem,
    plan: Plan,
    *,
    samples: int,
    seed: int,
    workdir: Path,
    progress: bool = True,
) -> dict[str, Any]:
    """Store the day in a SQLite file in ``workdir`` and time ``samples`` engine quotes.

    They are asked twice: the evening before (day-ahead) and on the morning of the
    day, when every vehicle on shift gets a live state. The first ``min(samples, 5)``
    of each are also timed by phase (reading the day, building the problem with its
    matrix, the insertion itself).
    """
    db = make_engine(f"sqlite:///{workdir / 'scale.sqlite'}")
    create_all(db)
    cfg = EngineConfig(flex_s=1800)
    tz = ZoneInfo(cfg.timezone)
    first_s = min(v.shift.earliest_s for v in problem.vehicles)
    day = datetime.fromtimestamp(first_s, tz=tz).date()
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    clock = SimClock(midnight - timedelta(hours=4))  # 20:00 the evening before
    engine = DispatchEngine(cfg, db=db, bus=InProcessBus(keep=10), travel=city, clock=clock)
    t0 = time.perf_counter()
    stored = store_day(engine, city, problem, plan)
    out: dict[str, Any] = {
        "engine_rides_stored": stored,
        "engine_store_s": round(time.perf_counter() - t0, 1),
        "engine_quote_samples": samples,
    }
    # the old path on the same database: the whole day read and rebuilt per quote
    plain = DispatchEngine(replace(cfg, day_cache=False), db=db, bus=InProcessBus(keep=10),
                           travel=city, clock=clock)
    rng = np.random.default_rng(seed + 7)
    out |= _sample(engine, plain, city, rng, samples, "day_ahead", first_s + 3600, progress)
    clock.set(_utc(first_s) - timedelta(hours=1))  # the morning of the day: live states
    out |= _sample(engine, plain, city, rng, samples, "same_day", first_s + 3 * 3600, progress)
    if engine.days is not None:
        out["engine_day_matrix_mb"] = round(engine.days.locations(day).nbytes() / 2**20, 1)
        out["engine_day_nodes"] = len(engine.days.locations(day))
    return out


def _sample(
    engine: DispatchEngine,
    plain: DispatchEngine,
    city: GridCity,
    rng: np.random.Generator,
    samples: int,
    label: str,
    earliest_s: int,
    progress: bool,
) -> dict[str, Any]:
    """Time ``samples`` engine quotes departing after ``earliest_s`` (see ``engine_quotes``)."""
    n = city.cols * city.rows
    last_s = earliest_s + 6 * 3600
    total: list[float] = []
    total_old: list[float] = []
    phases: dict[str, list[float]] = {"load_day": [], "build": [], "insertion": []}
    offers = 0
    bar = tqdm(total=samples, desc=f"engine quotes ({label})", disable=not progress,
               file=sys.stderr)
    for i in range(samples):
        p, d = (int(x) for x in rng.choice(n, 2, replace=False))
        t = int(rng.integers(earliest_s, last_s))
        req = TripRequest(
            member_id=f"S{i:05d}", pickup=LatLon(*city.node_latlon(p)),
            dropoff=LatLon(*city.node_latlon(d)), depart_at=_utc(t),
        )
        with _timed(total):
            got = engine.quote(req)
        offers += isinstance(got, Offer)
        if i < max(5, samples // 4):  # the old path is slow: fewer of it
            with _timed(total_old):
                plain.quote(req)
        bar.update(1)
        if i >= 5:
            continue
        # the same steps once more, each timed (what engine.quote does inside)
        with read_session(engine.db) as s:
            with _timed(phases["load_day"]):
                data = engine.load_day(s, engine.local_date(_utc(t)))
            with _timed(phases["build"]):
                prob, cur, new, _b = engine._prepare(s, req, "probe", data)
            with _timed(phases["insertion"]):
                quote(prob, cur, new, params=engine.quote_params())
    bar.close()
    out: dict[str, Any] = {
        f"engine_{label}_offers": offers,
        f"engine_{label}_quote_p50_ms": _pct(total, 50),
        f"engine_{label}_quote_p99_ms": _pct(total, 99),
        f"engine_{label}_nocache_quote_p50_ms": _pct(total_old, 50),
        f"engine_{label}_nocache_quote_p99_ms": _pct(total_old, 99),
    }
    for name, xs in phases.items():
        out[f"engine_{label}_{name}_p50_ms"] = _pct(xs, 50)
    return out
