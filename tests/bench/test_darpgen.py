"""Tests of the generated DARP days (``noriai bench darp-gen``) and the ladder's references."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench._formats import read_darp
from bench.darp import to_problem
from bench.darpgen import DAY, RIDE, WINDOW, GenSpec, generate, write
from bench.ladder import ensure, read_references, update_reference
from booking_api.cli import main
from optimizer import StopKind, StopRef, schedule_route


@pytest.mark.parametrize("points", ["uniform", "clustered"])
def test_a_generated_day_reads_back_with_its_size_and_limits(tmp_path: Path,
                                                               points: str) -> None:
    spec = GenSpec(120, points, capacity=5, seed=3)
    inst = read_darp(write(spec, tmp_path))
    assert (inst.n, inst.vehicles, inst.capacity, inst.max_ride_time) == (120, 12, 5, RIDE)
    assert len(inst.nodes) == 2 * 120 + 2
    for i in range(1, inst.n + 1):
        pick, drop = inst.nodes[i], inst.nodes[inst.n + i]
        assert drop.load == -pick.load and pick.load in (1, 2)
        widths = sorted([pick.tw_end - pick.tw_start, drop.tw_end - drop.tw_start])
        assert widths == pytest.approx([WINDOW, DAY])  # one tight window, on one end only
        assert all(-10 <= c <= 10 for c in (pick.x, pick.y, drop.x, drop.y))


def test_the_same_spec_gives_the_same_file_and_another_seed_another() -> None:
    a = generate(GenSpec(100, "clustered", 4, 1))
    assert a == generate(GenSpec(100, "clustered", 4, 1))
    assert a != generate(GenSpec(100, "clustered", 4, 2))
    assert a != generate(GenSpec(100, "uniform", 4, 1))


def test_every_request_fits_a_vehicle_alone(tmp_path: Path) -> None:
    problem = to_problem(read_darp(write(GenSpec(100, "uniform", 3, 7), tmp_path)))
    vehicle = problem.vehicles[0].id
    for r in problem.requests:
        route = schedule_route(problem, vehicle, [StopRef(r.id, StopKind.PICKUP),
                                                  StopRef(r.id, StopKind.DROPOFF)])
        assert route is not None, r.id


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        generate(GenSpec(10, "ring", 4, 1))


def test_references_keep_the_lower_value(tmp_path: Path) -> None:
    assert update_reference(tmp_path, "g1", 100.0, "run A")
    assert not update_reference(tmp_path, "g1", 120.0, "run B")
    assert update_reference(tmp_path, "g1", 90.5, "run C")
    assert update_reference(tmp_path, "g2", 50.0, "run D")
    refs = read_references(tmp_path)
    assert (refs["g1"]["reference_cost"], refs["g1"]["note"]) == ("90.50", "run C")
    assert set(refs) == {"g1", "g2"}


def test_darp_gen_command_and_the_ladder_gap(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "darp-gen", "-n", "12", "--points", "uniform", "-o",
                 str(tmp_path)]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == tmp_path / "g12-u1-q4.txt"
    update_reference(tmp_path, "g12-u1-q4", 1.0, "made up, to see a gap printed")
    code = main(["bench", "darp", str(path), "--time-limit", "1", "--solution-limit", "20",
                 "--no-baseline"])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("g12-u1-q4"))
    assert code == 0 and row.split()[2] == "1.00"  # the reference beside the file is read
    assert ensure((GenSpec(12, "uniform", 4, 1),), tmp_path) == [path]

