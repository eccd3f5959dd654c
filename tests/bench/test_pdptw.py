"""Tests of the Li & Lim reader and ``noriai bench pdptw`` on a copied instance."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench._formats import read_lilim
from bench.pdptw import to_problem
from booking_api.cli import main
from optimizer import check
from optimizer.solver import solve

LC101 = Path(__file__).resolve().parents[1] / "data/pdptw/lc101.txt"


def test_reader_pairs_every_pickup_with_its_delivery() -> None:
    inst = read_lilim(LC101)
    assert (inst.vehicles, inst.capacity, len(inst.nodes)) == (25, 200, 107)
    pairs = inst.pairs
    assert len(pairs) == 53
    assert all(inst.nodes[d].pickup == p and inst.nodes[d].demand == -inst.nodes[p].demand
               for p, d in pairs)


def test_problem_of_a_few_requests_solves_feasibly() -> None:
    problem = to_problem(read_lilim(LC101))
    small = problem.replace(requests=problem.requests[:6])
    plan = solve(small, time_limit_s=0.5)
    assert check(small, plan) == []
    assert not plan.unassigned


def test_bench_prints_ours_vroom_and_pyvrp(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "pdptw", "--time-limit", "1", str(LC101)])
    out = capsys.readouterr().out
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("lc101"))
    ours, vroom, pyvrp = row.split("|")[1:4]
    assert all(int(cell.split()[0]) >= 10 for cell in (ours, vroom, pyvrp))
    assert "pyvrp" in out


def test_pyvrp_routes_are_read_back_as_task_ids_and_pass_our_checker() -> None:
    from pyvrp.stop import MaxIterations

    from bench import _pyvrp_peer
    from bench.pdptw import SCALE, VEHICLE_COST

    full = read_lilim(LC101)
    keep = {t for p, d in full.pairs[:8] for t in (p, d)}
    inst = full.__class__(full.name, full.vehicles, full.capacity, tuple(
        nd if nd.id in keep or nd.id == 0 else nd.__class__(
            nd.id, nd.x, nd.y, 0, nd.tw_start, nd.tw_end, nd.service, 0, 0)
        for nd in full.nodes))
    problem = to_problem(inst)
    model = _pyvrp_peer.build(inst, problem.durations_s, SCALE, VEHICLE_COST)
    result = model.solve(stop=MaxIterations(200), seed=0, display=False)
    routes = _pyvrp_peer.task_routes(result.best, inst.pairs)
    assert sorted(t for r in routes for t in r) == sorted(keep)
    for r in routes:
        for p, d in inst.pairs:
            if p in r:
                assert d in r and r.index(p) < r.index(d)
    plan = _pyvrp_peer.as_plan(problem, inst, routes)
    assert plan is not None and check(problem, plan) == []
