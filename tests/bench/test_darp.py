"""Tests of the Cordeau DARP reader and ``noriai bench darp`` on a copied small instance."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest

from bench._formats import DarpInstance, FormatError, read_darp
from bench.darp import SCALE, to_problem
from booking_api.cli import main

A2_16 = Path(__file__).resolve().parents[1] / "data/darp/a2-16.txt"


def test_reader_gives_requests_depots_and_limits() -> None:
    inst = read_darp(A2_16)
    assert (inst.vehicles, inst.capacity, inst.max_ride_time, inst.max_route_duration) == (
        2, 3, 30.0, 480.0)
    assert inst.n == 16
    assert len(inst.nodes) == 34  # the file omits the end depot: a copy of node 0 is added
    assert (inst.nodes[33].x, inst.nodes[33].y) == (inst.nodes[0].x, inst.nodes[0].y)
    assert all(inst.nodes[16 + i].load == -inst.nodes[i].load == -1 for i in range(1, 17))


def test_reader_rejects_a_file_of_another_format(tmp_path: Path) -> None:
    bad = tmp_path / "x.txt"
    bad.write_text("2 32 480 3 30\n0 0 0 0 0 0 1440\n1 1 1 3 1 0 1440\n")
    with pytest.raises(FormatError, match=r"x\.txt"):
        read_darp(bad)


def test_problem_travel_times_are_never_optimistic() -> None:
    inst = read_darp(A2_16)
    problem = to_problem(inst)
    for a, b in [(0, 1), (3, 20), (5, 33)]:
        exact = inst.distance(a, b) * SCALE
        assert exact <= problem.durations_s[a, b] < exact + 1


def feasible_sequence(inst: DarpInstance, route: list[int]) -> bool:
    """Exact check of one route with Euclidean times: do service starts exist (Bellman-Ford)?

    Times are the variables of a simple temporal network; the route is feasible
    iff its constraint graph has no negative cycle.
    """
    n = inst.n
    path = [0, *route, 2 * n + 1]
    k = len(path)
    edges: list[tuple[int, int, float]] = []  # x_v - x_u <= w  as edge u -> v
    origin = k  # the time origin 0
    for pos, node in enumerate(path):
        nd = inst.nodes[node]
        edges += [(origin, pos, nd.tw_end), (pos, origin, -nd.tw_start)]
    for pos in range(k - 1):
        a, b = path[pos], path[pos + 1]
        edges.append((pos + 1, pos, -(inst.nodes[a].service + inst.distance(a, b))))
    for pos, node in enumerate(path):
        if 1 <= node <= n:
            d = path.index(node + n)
            edges.append((pos, d, inst.max_ride_time + inst.nodes[node].service))
    edges.append((0, k - 1, inst.max_route_duration))
    dist = [0.0] * (k + 1)
    for _ in range(k + 1):
        changed = False
        for u, v, w in edges:
            if dist[u] + w < dist[v] - 1e-7:
                dist[v] = dist[u] + w
                changed = True
        if not changed:
            return True
    return False


def test_bench_json_result_is_feasible_and_its_routes_recheck(capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    # Bounded by work (OR-Tools' solutions and the dial-a-ride search's iterations), not
    # wall time, so a busy machine (the suite runs in parallel) gets the same plan as an
    # idle one; without the iteration bound the search ran its 42 s share of the limit.
    code = main(["bench", "darp", "--solution-limit", "100", "--darp-iterations", "500",
                 "--time-limit", "60", "--no-baseline", "--json", str(A2_16)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["feasible"], out["total"]) == (1, 1)
    result = out["instances"][0]
    assert result["instance"] == "a2-16" and result["feasible"]
    inst = read_darp(A2_16)
    routes = result["routes"]
    assert len(routes) <= inst.vehicles
    visits = sorted(itertools.chain.from_iterable(routes))
    assert visits == list(range(1, 2 * inst.n + 1))
    for route in routes:
        load = list(itertools.accumulate(inst.nodes[i].load for i in route))
        assert max(load) <= inst.capacity and load[-1] == 0
        assert all(route.index(i) < route.index(i + inst.n) for i in route if i <= inst.n)
        assert feasible_sequence(inst, route)
    cost = sum(
        sum(inst.distance(a, b) for a, b in itertools.pairwise([0, *r, 0])) for r in routes
    )
    assert math.isclose(result["cost"], cost, rel_tol=1e-9)
    # a2-16's optimum is 294.25 (MILP-proven): the bounded work should come very close.
    assert cost <= 294.25 * 1.02
    assert out["solution_limit"] == 100


def test_bench_refuses_a_solution_limit_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "darp", "--solution-limit", "0", "--no-baseline", str(A2_16)])
    err = capsys.readouterr().err
    assert code == 2 and "--solution-limit must be positive" in err


def test_bench_reports_a_missing_file_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "darp", "--no-baseline", "/nonexistent/a9-99.txt"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("noriai: ") and "a9-99" in err and "Traceback" not in err
