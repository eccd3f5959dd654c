"""Background re-optimisation of a day's plan, refused if it would break a promise.

The leader's loop calls ``replan``: the current plan is improved by
``optimizer.reoptimize`` within the configured time budget, graded by the
independent ``optimizer.check`` (any violation: refused and logged), and saved
only if no other writer changed the day's plans meanwhile. Stranded rides (booked,
no vehicle) are left out: ``dispatch.stranded`` places them.
"""

from __future__ import annotations

from datetime import date

from dispatch.core import EngineCore
from dispatch.store.repo import append_event, read_session, write_session
from optimizer import check, reoptimize
from optimizer.model import Route
from optimizer.params import ReoptParams


def _key(route: Route | None) -> tuple[tuple[str, str], ...]:
    if route is None:
        return ()
    return tuple((s.kind.value, s.request_id or "") for s in route.stops if s.request_id)


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
    if not problem.requests:
        return []
    rounds = core.config.reoptimize_max_rounds
    new = reoptimize(
        problem, plan, time_limit_s=limit, seed=core.config.seed, max_rounds=rounds,
        params=ReoptParams(use_solver=rounds is None),
    )
    violations = check(problem, new)
    if violations:
        summary = sorted(str(v) for v in violations[:10])
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
        now_versions = {vid: p.version for vid, p in data.plans.items()}
        if now_versions != versions:
            return []  # someone booked or tapped meanwhile: try again next round
        for vid in changed:
            core.save_route(s, day, vid, b, new.route_of(vid))
        append_event(s, "replan.saved", core.now(), payload={"vehicles": changed})
    return changed
