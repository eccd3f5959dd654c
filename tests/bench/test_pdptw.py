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


def test_bench_prints_ours_and_vroom(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "pdptw", "--time-limit", "1", str(LC101)])
    out = capsys.readouterr().out
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("lc101"))
    ours, vroom = row.split("|")[1:3]
    assert int(ours.split()[0]) >= 10 and int(vroom.split()[0]) >= 10
    assert "PyVRP" in out
