"""One simulated day through the real engine, in virtual time.

Riders book (quote then confirm, taking an alternative time when offered and
willing), some cancel, some do not show up; simulated drivers follow the plans
and tap; the engine's background round runs every few virtual minutes. The
database is a SQLite file in ``workdir``. Returns the engine's KPIs plus what
the baselines need (the requests actually made).
"""

from __future__ import annotations

import heapq
import itertools
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from dispatch.adapter import epoch
from dispatch.bus.memory import InProcessBus
from dispatch.clock import SimClock
from dispatch.config import EngineConfig
from dispatch.domain import (
    DispatchError,
    Offer,
    Refusal,
    RideStatus,
    TripRequest,
)
from dispatch.engine import DispatchEngine
from dispatch.ports import TravelTimes
from dispatch.sim.demand import DemandSource, SimTrip, generate
from dispatch.sim.drivers import SimFleet, utc
from dispatch.sim.kpi import RideOutcome, StopVisit, summarise, usage
from dispatch.sim.live import seed_fleet
from dispatch.sim.scenario import Scenario
from dispatch.store import create_all, make_engine


@dataclass
class DayResult:
    """The engine's KPIs and the trips riders actually asked for (for the baselines)."""

    kpis: dict[str, Any]
    asked: list[SimTrip]
    cancelled: set[str]
    vehicles: list[str]
    engine: DispatchEngine


def _request(trip: SimTrip) -> TripRequest:
    return TripRequest(
        member_id=trip.member_id,
        pickup=trip.pickup,
        dropoff=trip.dropoff,
        depart_at=trip.depart_at,
        arrive_by=trip.arrive_by,
        party_size=trip.party_size,
        wheelchairs=trip.wheelchairs,
        needs_extra_time=trip.needs_extra_time,
        pickup_label=trip.pickup_label,
        dropoff_label=trip.dropoff_label,
        channel=trip.channel,
        rider_name=f"利用者 {trip.member_id}",
        rider_phone="0299-00-0000",
    )


def run_day(
    scenario: Scenario,
    travel: TravelTimes,
    source: DemandSource,
    *,
    vehicles: int,
    seed: int,
    workdir: Path,
    requests: int | None = None,
    tick_every_s: int = 900,
    reoptimize_s: float = 0.3,
    reoptimize_rounds: int | None = None,
    wheelchair_place_cost_s: int | None = None,
    darp_share: float | None = None,
    darp_iterations: int | None = None,
    progress: bool = True,
) -> DayResult:
    """Simulate the scenario's day with the live engine (see the module docstring).

    ``wheelchair_place_cost_s`` overrides the scenario's ``[dispatch]`` rule of that
    name (``EngineConfig.wheelchair_place_cost_s``; default 0), ``darp_share`` its
    ``darp_share`` (``EngineConfig.reoptimize_darp_share``; default 0: off);
    ``darp_iterations`` bounds the search when rounds bound the re-optimisation.
    """
    rules = scenario.raw.get("dispatch", {})
    if wheelchair_place_cost_s is None:
        wheelchair_place_cost_s = int(rules.get("wheelchair_place_cost_s", 0))
    if darp_share is None:
        darp_share = float(rules.get("darp_share", 0.0))
    trips = generate(scenario, source, vehicles=vehicles, seed=seed, requests=requests)
    rng = np.random.default_rng(seed + 1)
    db = make_engine(f"sqlite:///{workdir / 'sim.sqlite'}")
    create_all(db)
    clock = SimClock(trips[0].book_at - timedelta(minutes=1))
    cfg = EngineConfig(
        timezone=scenario.timezone,
        flex_s=scenario.flex_min * 60,
        reoptimize_time_limit_s=reoptimize_s,
        reoptimize_max_rounds=reoptimize_rounds,
        seed=seed,
        wheelchair_place_cost_s=wheelchair_place_cost_s,
        reoptimize_darp_share=darp_share,
    )
    if darp_iterations is not None:
        cfg = replace(cfg, reoptimize_darp_iterations=darp_iterations)
    serial = itertools.count(1)
    engine = DispatchEngine(
        cfg, db=db, bus=InProcessBus(keep=100), travel=travel, clock=clock,
        ids=lambda prefix: f"{prefix}{next(serial):06d}",  # the same ids on every run
    )
    vids = seed_fleet(engine, scenario, vehicles=vehicles)
    no_show_trip = {t.trip_id for t in trips if t.no_show}
    ride_of_trip: dict[str, str] = {}
    trip_of_ride: dict[str, str] = {}
    fleet = SimFleet(
        engine,
        scenario.service_date,
        no_shows=lambda rid: trip_of_ride.get(rid) in no_show_trip,
        position_every_s=600,
    )
    events: list[tuple[datetime, int, str, Any]] = []
    n = 0
    for tp in trips:
        events.append((tp.book_at, n := n + 1, "book", tp))
    start = scenario.at(scenario.shift_start)
    end = scenario.at(scenario.shift_end) + timedelta(hours=2)
    t = start
    while t <= end:
        events.append((t, n := n + 1, "step", None))
        if (t - start).total_seconds() % tick_every_s == 0:
            events.append((t, n := n + 1, "tick", None))
        t += timedelta(seconds=60)
    heapq.heapify(events)
    asked: list[SimTrip] = []
    rejected = 0
    wheelchair_rejected = 0
    cancelled: set[str] = set()
    alt_taken = 0
    quote_ms: list[float] = []
    woken: set[int] = set()
    bar = tqdm(total=len(events), desc="simulate", unit="ev", disable=not progress, file=sys.stderr)
    while events:
        when, _, kind, trip = heapq.heappop(events)
        bar.update(1)
        if when > clock.now():
            clock.set(when)
        if kind in ("step", "due"):
            fleet.step(when)
        elif kind == "tick":
            engine.tick()
        elif kind == "cancel":
            try:
                engine.cancel(ride_of_trip[trip.trip_id], by=trip.member_id, reason="sim")
                cancelled.add(trip.trip_id)
            except DispatchError:
                pass
        elif kind == "book":
            if trip.outbound_of and trip.outbound_of not in ride_of_trip:
                continue  # the rider did not go, so does not come back
            asked.append(trip)
            req = _request(trip)
            t0 = time.perf_counter()
            out = engine.quote(req)
            quote_ms.append((time.perf_counter() - t0) * 1000)
            willing = rng.random() < scenario.raw["riders"]["alternative_accept_share"]
            if isinstance(out, Refusal) and out.alternatives and willing:
                alt = out.alternatives[0]
                req = replace(req, depart_at=alt.pickup_window_start, arrive_by=None)
                out = engine.quote(req)
                alt_taken += isinstance(out, Offer)
            if not isinstance(out, Offer):
                rejected += 1
                wheelchair_rejected += trip.wheelchairs > 0
                continue
            try:
                ride = engine.confirm(out.offer_id, idempotency_key=trip.trip_id)
            except DispatchError:
                rejected += 1
                wheelchair_rejected += trip.wheelchairs > 0
                continue
            ride_of_trip[trip.trip_id] = ride.ride_id
            trip_of_ride[ride.ride_id] = trip.trip_id
            if trip.cancel_at is not None:
                heapq.heappush(events, (trip.cancel_at, n := n + 1, "cancel", trip))
        if kind != "book" or when >= start:
            # wake exactly when the next service is due, so drivers tap on time
            due = fleet.next_due_s()
            if due is not None and due not in woken:
                woken.add(due)
                heapq.heappush(events, (max(utc(due), when), n := n + 1, "due", None))
    bar.close()
    kpis = _engine_kpis(engine, fleet, scenario, len(asked), rejected, vids)
    kpis["cancelled"] = len(cancelled)
    kpis["wheelchair_requests"] = sum(1 for t in asked if t.wheelchairs > 0)
    kpis["wheelchair_rejected"] = wheelchair_rejected
    kpis["wheelchair_place_cost_s"] = wheelchair_place_cost_s
    kpis["darp_share"] = darp_share
    kpis["darp_iterations"] = cfg.reoptimize_darp_iterations
    kpis["alternatives_taken"] = alt_taken
    kpis["driver_taps"] = fleet.taps
    kpis["breaks_taken"] = _count_breaks(engine)
    if quote_ms:
        kpis["engine_quote_p50_ms"] = round(float(np.percentile(quote_ms, 50)), 1)
        kpis["engine_quote_p99_ms"] = round(float(np.percentile(quote_ms, 99)), 1)
    return DayResult(kpis, asked, cancelled, vids, engine)


def _engine_kpis(
    engine: DispatchEngine,
    fleet: SimFleet,
    scenario: Scenario,
    requests: int,
    rejected: int,
    vids: list[str],
) -> dict[str, Any]:
    rides = engine.list_rides(service_date=scenario.service_date)
    done = [r for r in rides if r.status is RideStatus.COMPLETED]
    nodes: dict[str, int] = {}
    all_nodes: list[Any] = []

    def idx(node: Any) -> int:
        key = str(node)
        if key not in nodes:
            nodes[key] = len(all_nodes)
            all_nodes.append(node)
        return nodes[key]

    pairs = []
    for r in done:
        p = engine.snap(r.request.pickup.lat, r.request.pickup.lon).node
        d = engine.snap(r.request.dropoff.lat, r.request.dropoff.lon).node
        pairs.append((idx(p), idx(d)))
    for tr in fleet.tracks.values():
        idx(tr.depot)
        for _, _, node in tr.visits:
            idx(node)
    dur, dist = engine.travel.matrix(all_nodes, all_nodes)
    dur, dist = np.asarray(dur), np.asarray(dist)
    events = _tap_times(engine, [r.ride_id for r in done])
    outcomes = []
    for r, (pi, di) in zip(done, pairs, strict=True):
        picked, dropped = events.get(r.ride_id, (None, None))
        if picked is None or dropped is None or r.vehicle_id is None:
            continue
        outcomes.append(
            RideOutcome(
                r.vehicle_id,
                picked,
                dropped,
                epoch(r.pickup_window_start),
                epoch(r.pickup_window_end),
                epoch(r.latest_dropoff),
                int(dur[pi, di]),
                r.request.party_size + r.request.wheelchairs,
            )
        )
    km = hours = 0.0
    for tr in fleet.tracks.values():
        visits = [StopVisit(a, b, idx(node)) for a, b, node in tr.visits]
        k, h = usage(visits, idx(tr.depot), dur, dist)
        km, hours = km + k, hours + h
    no_show = sum(1 for r in rides if r.status is RideStatus.NO_SHOW)
    late = [
        {"vehicle": o.vehicle_id, "pickup_late_s": o.pickup_s - o.window_end_s,
         "dropoff_late_s": o.dropoff_s - o.latest_dropoff_s}
        for o in outcomes
        if o.pickup_s > o.window_end_s or o.dropoff_s > o.latest_dropoff_s
    ]
    return summarise(
        requests=requests,
        rejected=rejected,
        outcomes=outcomes,
        vehicle_km=km,
        vehicle_hours=hours,
        extra={"no_show": no_show, "vehicles": len(vids), "broken_promise_details": late},
    )


def _tap_times(engine: DispatchEngine, ride_ids: list[str]) -> dict[str, tuple[int, int]]:
    from sqlalchemy import select

    from dispatch.store import read_session
    from dispatch.store.tables import RideRow

    out: dict[str, tuple[int, int]] = {}
    with read_session(engine.db) as s:
        for row in s.scalars(select(RideRow).where(RideRow.id.in_(ride_ids))):
            if row.picked_up_at and row.dropped_off_at:
                out[row.id] = (epoch(row.picked_up_at), epoch(row.dropped_off_at))
    return out


def _count_breaks(engine: DispatchEngine) -> int:
    from sqlalchemy import func, select

    from dispatch.store import read_session
    from dispatch.store.tables import EventRow

    with read_session(engine.db) as s:
        q = select(func.count()).select_from(EventRow).where(EventRow.kind == "vehicle.break")
        return int(s.scalar(q) or 0)
