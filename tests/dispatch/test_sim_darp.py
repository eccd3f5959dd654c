"""The dial-a-ride search in the engine's re-optimisation: the city file's ``[dispatch]
darp_share``, and bounded by work (``reoptimize_max_rounds`` and the search's iterations)
the simulated day is the same on every run with the search on."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from booking_api.city import CITIES_DIR, CityFileError, parse_city
from dispatch.config import EngineConfig
from dispatch.sim.demand import source_from_grid
from dispatch.sim.run import run_day
from dispatch.sim.scenario import load_scenario
from optimizer import check
from optimizer.params import ReoptParams
from optimizer.reoptimize import plan_cost, reoptimize
from optimizer.solver import SolveParams, solve
from tests.dispatch.test_sim import KAMISU_GRID
from tests.optimizer._instances import random_problem


def test_the_city_file_sets_darp_share_and_refuses_a_bad_one() -> None:
    base = tomllib.loads((CITIES_DIR / "kamisu.toml").read_text(encoding="utf-8"))
    rules = parse_city({**base, "dispatch": {**base.get("dispatch", {}), "darp_share": 0.5}})
    assert rules.darp_share == 0.5
    assert parse_city({k: v for k, v in base.items() if k != "dispatch"}).darp_share == 0.0
    for bad in (-0.1, 1.0, "half", True):
        with pytest.raises(CityFileError, match="darp_share"):
            parse_city({**base, "dispatch": {"darp_share": bad}})
    with pytest.raises(ValueError, match="reoptimize_darp_share"):
        EngineConfig(reoptimize_darp_share=1.5)


def test_rounds_bounded_reoptimisation_runs_the_search_by_iterations() -> None:
    # a poor first plan (OR-Tools' first solution only), re-optimised by work: with the
    # search the plan is cheaper than by rounds alone, and the same on a second run
    problem = random_problem(11, 14, 3)
    plan = solve(problem, params=SolveParams(excess_ride_weight=0.0, solution_limit=1),
                 time_limit_s=5)
    rounds_only = ReoptParams(use_solver=False)
    with_search = ReoptParams(use_solver=False, darp_share=0.5, darp_max_iterations=200)
    plain = reoptimize(problem, plan, time_limit_s=60, seed=2, max_rounds=3, params=rounds_only)
    runs = [reoptimize(problem, plan, time_limit_s=60, seed=2, max_rounds=3, params=with_search)
            for _ in range(2)]
    assert runs[0] == runs[1]
    assert check(problem, runs[0]) == []
    assert plan_cost(problem, runs[0], with_search) < plan_cost(problem, plain, rounds_only)


def test_a_seed_gives_the_same_engine_day_with_the_search_on(tmp_path: Path) -> None:
    sc = load_scenario("kamisu-weekday")
    kpis = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        day = run_day(sc, KAMISU_GRID, source_from_grid(KAMISU_GRID, seed=3), vehicles=3,
                      seed=4, requests=16, workdir=tmp_path / run, reoptimize_s=30.0,
                      reoptimize_rounds=3, darp_share=0.5, darp_iterations=50, progress=False)
        day.engine.db.dispose()
        k = {n: v for n, v in day.kpis.items() if not n.startswith("engine_quote_")}
        kpis.append(k)
        assert k["served"] > 0 and k["broken_promises"] == 0
        assert k["darp_share"] == 0.5 and k["darp_iterations"] == 50
    assert kpis[0] == kpis[1]
