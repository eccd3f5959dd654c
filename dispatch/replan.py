"""Background re-optimisation of a day's plan, refused if it would break a promise.

The leader's loop calls ``replan``: the current plan is improved by
``optimizer.reoptimize`` within the configured time budget, graded by the
independent ``optimizer.check`` (any violation: refused and logged), and saved
only if no other writer changed the day's plans meanwhile. Stranded rides (booked,
no vehicle) are left out: ``dispatch.stranded`` places them. So is a vehicle whose
route reality already made infeasible (far behind, or a rider on board past the
ride time after a 乗車 tapped away from the stop): its route stays as the taps and
the promise check keep it, and the rest of the fleet is still re-planned.
"""

from __future__ import annotations

import logging
from datetime import date

from dispatch.core import EngineCore
from dispatch.retime import schedule, stops_of
from dispatch.store.repo import append_event, read_session, write_session
from optimizer import check, reoptimize, schedule_route
from optimizer.model import Plan, Problem, Route, StopKind, StopRef
from optimizer.params import ReoptParams

_log = logging.getLogger(__name__)


def _key(route: Route | None) -> tuple[tuple[str, str], ...]:
    if route is None:
        return ()
    return tuple((s.kind.value, s.request_id or "") for s in route.stops if s.request_id)


def _without_broken(
    problem: Problem, plan: Plan, noise_s: int
) -> tuple[Problem, Plan, set[str]]:
    """Leave out the vehicles whose current route cannot be kept as it is (with its rides).

    Their routes would fail the checker every round whatever the re-plan does,
    and refuse the whole day's re-plan with them. Also returns those vehicles whose
    stored times reality has left behind (to be re-timed, lateness allowed).
    """
    stale: set[str] = set()
    broken: set[str] = set()
    rides: set[str] = set()
    for route in plan.routes:
        refs = [StopRef(s.request_id or "", s.kind) for s in route.stops
                if s.kind not in (StopKind.START, StopKind.END)]
        if schedule_route(problem, route.vehicle_id, refs) is None:
            broken.add(route.vehicle_id)
            rides |= {s.request_id for s in route.stops if s.request_id}
            if _behind(problem, route, noise_s):
                stale.add(route.vehicle_id)
    if not broken:
        return problem, plan, stale
    problem = problem.replace(
        vehicles=tuple(v for v in problem.vehicles if v.id not in broken),
        states=tuple(st for st in problem.states if st.vehicle_id not in broken),
        requests=tuple(r for r in problem.requests if r.id not in rides),
        promises=tuple(p for p in problem.promises if p.request_id not in rides),
    )
    rest = Plan(tuple(r for r in plan.routes if r.vehicle_id not in broken), plan.unassigned)
    return problem, rest, stale


def _behind(problem: Problem, route: Route, noise_s: int) -> bool:
    """Whether reality puts the route's stops more than ``noise_s`` after their stored times."""
    v = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    state = next((st for st in problem.states if st.vehicle_id == v.id), None)
    now = schedule(problem, v, state, stops_of(route), strict=False)
    if now is None:
        return False
    real = [st.start_s for st in now.stops if st.kind in (StopKind.PICKUP, StopKind.DROPOFF)]
    stored = [st.start_s for st in route.stops if st.kind in (StopKind.PICKUP, StopKind.DROPOFF)]
    return any(a > b + noise_s for a, b in zip(real, stored, strict=False))


def _retime(core: EngineCore, day: date, vehicles: set[str]) -> None:
    """Re-time the routes of ``vehicles`` from now in their order (the tablets' times)."""
    if vehicles:
        with core.publishing(), write_session(core.db, day) as s:
            core.reschedule(s, day, sorted(vehicles))


def replan(core: EngineCore, day: date, *, time_limit_s: float | None = None) -> list[str]:
    """Re-optimise ``day``; return the ids of vehicles whose route changed (empty if refused)."""
    limit = core.config.reoptimize_time_limit_s if time_limit_s is None else time_limit_s
    with read_session(core.db) as s:
        data = core.load_day(s, day)
        versions = {vid: p.version for vid, p in data.plans.items()}
        b = core.builder()
        problem, plan = b.build(data, live=core.is_live(day))
    loose = {r.id for r in data.rides if r.vehicle_id is None}
    if loose:
        # stranded rides (no vehicle) are placed by dispatch.stranded with their status;
        # left in, the checker would refuse every round while one waits
        problem = problem.replace(
            requests=tuple(r for r in problem.requests if r.id not in loose),
            promises=tuple(p for p in problem.promises if p.request_id not in loose),
        )
    problem, plan, stale = _without_broken(problem, plan, core.config.position_noise_s)
    _retime(core, day, stale)
    if not problem.requests:
        return []
    rounds = core.config.reoptimize_max_rounds
    try:
        new = reoptimize(
            problem, plan, time_limit_s=limit, seed=core.config.seed, max_rounds=rounds,
            params=ReoptParams(
                use_solver=rounds is None, darp_share=core.config.reoptimize_darp_share,
                # bounded by rounds, the search is bounded by iterations too (one day a seed)
                darp_max_iterations=None if rounds is None
                else core.config.reoptimize_darp_iterations),
        )
        summary = sorted(str(v) for v in check(problem, new)[:10])
    except Exception as exc:  # a model that cannot be solved: keep the plan, say why
        _log.exception("re-plan of %s failed; the current plan stands", day)
        summary = [f"re-plan failed: {type(exc).__name__}: {exc}"]
    if summary:
        if getattr(core, "_last_refusal", None) == summary:
            return []  # same reason as last round: logged once
        core._last_refusal = summary  # type: ignore[attr-defined]
        with write_session(core.db, day) as s:
            append_event(
                s,
                "replan.refused",
                core.now(),
                payload={"violations": summary},
            )
        return []
    changed = [
        v.id for v in problem.vehicles if _key(plan.route_of(v.id)) != _key(new.route_of(v.id))
    ]
    if not changed:
        return []
    with core.publishing(), write_session(core.db, day) as s:
        data = core.load_day(s, day)
        # the routes re-timed above are not saved here: their versions may move
        now_versions = {vid: p.version for vid, p in data.plans.items() if vid not in stale}
        if now_versions != {vid: n for vid, n in versions.items() if vid not in stale}:
            return []  # someone booked or tapped meanwhile: try again next round
        for vid in changed:
            core.save_route(s, day, vid, b, new.route_of(vid))
        append_event(s, "replan.saved", core.now(), payload={"vehicles": changed})
    return changed
