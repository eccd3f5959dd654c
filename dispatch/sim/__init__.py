"""The day simulator: synthetic demand through the real engine in virtual time, with baselines.

``simulate(...)`` runs one scenario and returns the report (engine KPIs and the
"no sharing" and "offline" baselines); ``dispatch.sim.live`` moves a simulated
fleet in sped-up real time for the demo.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from dispatch.ports import TravelTimes
from dispatch.sim.baselines import no_sharing, offline
from dispatch.sim.demand import DemandSource
from dispatch.sim.run import run_day
from dispatch.sim.scenario import Scenario


def simulate(
    scenario: Scenario,
    travel: TravelTimes,
    source: DemandSource,
    *,
    vehicles: int,
    seed: int,
    requests: int | None = None,
    offline_time_limit_s: float = 30.0,
    reoptimize_s: float = 0.3,
    reoptimize_rounds: int | None = None,
    wheelchair_place_cost_s: int | None = None,
    darp_share: float | None = None,
    darp_iterations: int | None = None,
    workdir: Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the scenario's day through the engine and both baselines; return the report.

    With ``reoptimize_rounds`` the engine's background re-optimisation is bounded by
    work (``reoptimize_s`` then only caps it), so the engine's KPIs are the same on
    every run of a seed; the offline baseline stays bounded by its time limit.
    ``wheelchair_place_cost_s`` and ``darp_share`` (if given) override the scenario's
    rules of those names; ``darp_iterations`` bounds the dial-a-ride search's work.
    """
    with tempfile.TemporaryDirectory(prefix="noriai-sim-") as tmp:
        day = run_day(
            scenario,
            travel,
            source,
            vehicles=vehicles,
            seed=seed,
            requests=requests,
            workdir=workdir or Path(tmp),
            reoptimize_s=reoptimize_s,
            reoptimize_rounds=reoptimize_rounds,
            wheelchair_place_cost_s=wheelchair_place_cost_s,
            darp_share=darp_share,
            darp_iterations=darp_iterations,
            progress=progress,
        )
        kept = [t for t in day.asked if t.trip_id not in day.cancelled]
        report: dict[str, Any] = {"scenario": scenario.name, "seed": seed, **day.kpis}
        report["no_sharing"] = no_sharing(day.engine, kept) if kept else {}
        report["offline"] = (
            offline(day.engine, kept, time_limit_s=offline_time_limit_s, seed=seed) if kept else {}
        )
        day.engine.db.dispose()
    return report
