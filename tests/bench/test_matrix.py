"""``noriai bench matrix`` runs end to end on a small size and reports agreement."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import matrix


def test_matrix_benchmark_small(
    shared_cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 40 x 40 run prints the figures and finds CCH and Dijkstra identical."""
    parser = argparse.ArgumentParser()
    matrix.add_arguments(parser)
    args = parser.parse_args(["--size", "40", "--repeat", "1", "--warm-cache"])
    code = matrix.run(args, SimpleNamespace(city="kamisu", cache_dir=shared_cache_dir))
    out = capsys.readouterr().out
    assert code == 0
    assert "CCH build" in out and "scipy Dijkstra" in out and "speed-up" in out
    assert "identical durations and distances" in out


def test_matrix_benchmark_rejects_bad_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A size below 1 is a one-line error with exit code 2."""
    parser = argparse.ArgumentParser()
    matrix.add_arguments(parser)
    code = matrix.run(
        parser.parse_args(["--size", "0"]), SimpleNamespace(city="kamisu", cache_dir=tmp_path)
    )
    assert code == 2 and capsys.readouterr().err.startswith("noriai: ")
