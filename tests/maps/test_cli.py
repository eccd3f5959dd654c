"""``noriai maps ...`` commands: output, and one-line errors with exit code 2."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from maps import CityMap
from maps.cli import add_commands, parse_latlon
from tests.maps.test_importer import LAT0, LON0, STEP, write_boundary, write_osm


def run(argv: list[str], cache: Path) -> int:
    """Parse ``argv`` like ``noriai`` does and run the handler with minimal settings."""
    parser = argparse.ArgumentParser(prog="noriai")
    add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.handler(args, SimpleNamespace(city="kamisu", cache_dir=cache)))


def test_route_prints_json(
    kamisu: CityMap, maps_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """City hall -> Hasaki branch: 20-40 min, with distance and snap distances."""
    code = run(
        ["maps", "route", "--from", "35.89003,140.66446", "--to", "35.75682,140.81373"], maps_cache
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert 1200 <= out["duration_s"] <= 2400
    assert 18_000 <= out["distance_m"] <= 25_000
    assert 0 <= out["snap_distance_from_m"] < 100 and 0 <= out["snap_distance_to_m"] < 100
    assert out["from"]["area"] == "B" and out["to"]["area"] == "D"


def test_route_geometry_option(
    kamisu: CityMap, maps_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--geometry adds a GeoJSON LineString."""
    argv = ["maps", "route", "--from", "35.89003,140.66446", "--to", "35.88,140.67", "--geometry"]
    assert run(argv, maps_cache) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["geometry"]["type"] == "LineString" and len(out["geometry"]["coordinates"]) >= 2


@pytest.mark.parametrize(
    ("origin", "reason"),
    [
        ("abc", "expected LAT,LON"),
        ("35.8", "expected LAT,LON"),
        ("135.8,140.7", "not a latitude,longitude"),
        ("35.80,140.85", "outside the service boundary"),
        ("35.772,140.768", "from any road"),
    ],
)
def test_route_bad_input_is_one_line_exit_2(
    kamisu: CityMap, maps_cache: Path, capsys: pytest.CaptureFixture[str], origin: str, reason: str
) -> None:
    """Wrong or unserviceable points print one 'noriai: ...' line and exit 2."""
    assert run(["maps", "route", "--from", origin, "--to", "35.89,140.66"], maps_cache) == 2
    err = capsys.readouterr().err
    assert err.startswith("noriai: ") and reason in err and err.count("\n") == 1


def test_search(kamisu: CityMap, maps_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Search prints places and towns; a category filters; an unknown one is an error."""
    assert run(["maps", "search", "波崎"], maps_cache) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["towns"][0]["name"] == "波崎"
    assert any("波崎" in p["name"] for p in out["places"])
    assert run(["maps", "search", "病院", "--category", "hospital"], maps_cache) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["places"]) == 3 and out["towns"] == []
    assert run(["maps", "search", "x", "--category", "casino"], maps_cache) == 2
    assert "unknown category" in capsys.readouterr().err


def test_preview_writes_html(kamisu: CityMap, maps_cache: Path, tmp_path: Path) -> None:
    """preview --out writes the self-contained page."""
    out = tmp_path / "map.html"
    assert run(["maps", "preview", "--out", str(out)], maps_cache) == 0
    assert "© OpenStreetMap contributors" in out.read_text(encoding="utf-8")


def test_import_then_route_on_the_new_city(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """import writes a city folder that route --data-dir uses."""
    write_osm(tmp_path / "t.osm")
    write_boundary(tmp_path / "b.geojson")
    argv = ["maps", "import", str(tmp_path / "t.osm"), "--boundary", str(tmp_path / "b.geojson")]
    assert run([*argv, "--out", str(tmp_path / "town")], tmp_path / "cache") == 0
    assert (tmp_path / "town" / "city.toml").is_file()
    capsys.readouterr()
    a, b = f"{LAT0},{LON0 + STEP}", f"{LAT0 + 2 * STEP},{LON0 + 2 * STEP}"
    argv = ["maps", "route", "--from", a, "--to", b, "--data-dir", str(tmp_path / "town")]
    assert run(argv, tmp_path / "cache") == 0
    assert 615 <= json.loads(capsys.readouterr().out)["distance_m"] <= 640


def test_import_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing input or a wrong extension is a one-line error."""
    write_boundary(tmp_path / "b.geojson")
    argv = ["maps", "import", str(tmp_path / "nope.osm"), "--boundary", str(tmp_path / "b.geojson")]
    assert run([*argv, "--out", str(tmp_path / "o")], tmp_path) == 2
    assert "no such file" in capsys.readouterr().err
    argv = [
        "maps",
        "import",
        str(tmp_path / "b.geojson"),
        "--boundary",
        str(tmp_path / "b.geojson"),
    ]
    assert run([*argv, "--out", str(tmp_path / "o")], tmp_path) == 2
    assert "expected an .osm" in capsys.readouterr().err


def test_parse_latlon_accepts_spaces_and_fullwidth_comma() -> None:
    """People paste coordinates with spaces or a Japanese comma."""
    assert parse_latlon(" 35.1 , 140.2 ") == (35.1, 140.2)
    assert parse_latlon("35.1，140.2") == (35.1, 140.2)


def test_noriai_maps_route_command(kamisu: CityMap, maps_cache: Path) -> None:
    """The installed `noriai maps route` prints the JSON (end to end, warm cache)."""
    exe = Path(sys.executable).with_name("noriai")
    if not exe.exists():
        pytest.skip("the noriai console script is not installed")
    env = {**os.environ, "NORIAI_CACHE_DIR": str(maps_cache), "NORIAI_CITY": "kamisu"}
    argv = [str(exe), "maps", "route", "--from", "35.89003,140.66446", "--to", "35.75682,140.81373"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert 1200 <= json.loads(done.stdout)["duration_s"] <= 2400
    bad = subprocess.run(
        [*argv[:4], "nowhere", *argv[5:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert (
        bad.returncode == 2 and bad.stderr.startswith("noriai: ") and "Traceback" not in bad.stderr
    )
