"""The derived forms of a map are built by one process at a time and written whole."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from maps import MapsConfig, load_map
from maps.importer import import_osm
from maps.network import cache_folder
from tests.maps.test_importer import LAT0, LON0, STEP, write_boundary, write_osm


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small grid town's folder, as ``noriai maps import`` writes it."""
    tmp = tmp_path_factory.mktemp("town")
    write_osm(tmp / "town.osm")
    write_boundary(tmp / "boundary.geojson")
    result = import_osm(tmp / "town.osm", tmp / "boundary.geojson", tmp / "town", progress=False)
    return result.out_dir


def test_a_start_waits_for_the_process_that_is_building(town: Path, tmp_path: Path) -> None:
    """While another process holds the cache folder's lock (it is building the forms),
    ``load_map`` waits for it instead of building the same forms beside it."""
    config = MapsConfig(data_dir=town, cache_dir=tmp_path / "cache")
    folder, _, _ = cache_folder(config)
    released = tmp_path / "released"
    holder = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from maps.network import build_lock
        with build_lock(Path({str(folder)!r})):
            print("held", flush=True)
            time.sleep(1.5)
            Path({str(released)!r}).write_text("yes")
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held"
        city_map = load_map(config)
        assert released.exists(), "load_map went on while another process held the lock"
    finally:
        proc.wait(timeout=30)
    node = city_map.snap(LAT0, LON0 + STEP).node
    durations, _ = city_map.matrix([node], [node])
    assert durations[0, 0] == 0


def test_the_topology_is_renamed_into_place(town: Path, tmp_path: Path) -> None:
    """After a first load the cache holds the contraction hierarchy's folder and no
    half-written copy beside it; a stale one left by another graph is replaced."""
    config = MapsConfig(data_dir=town, cache_dir=tmp_path / "cache")
    folder, _, _ = cache_folder(config)
    (folder / "cch").mkdir(parents=True)
    (folder / "cch" / "order").write_bytes(b"not a topology")
    city_map = load_map(config)
    if city_map.router.engine != "cch":
        pytest.skip("pyroutingkit is not installed: no topology to cache")
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("cch")) == ["cch"]
    assert (folder / "cch" / "order").read_bytes() != b"not a topology"
    # a new process reads the saved topology and routes the same
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from maps import MapsConfig, load_map
        cache = Path({str(tmp_path / "cache")!r})
        m = load_map(MapsConfig(data_dir=Path({str(town)!r}), cache_dir=cache))
        a = m.snap({LAT0}, {LON0 + STEP}).node
        b = m.snap({LAT0 + 2 * STEP}, {LON0 + 2 * STEP}).node
        print(int(m.matrix([a], [b])[0][0, 0]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path.cwd()
    )
    a = city_map.snap(LAT0, LON0 + STEP).node
    b = city_map.snap(LAT0 + 2 * STEP, LON0 + 2 * STEP).node
    assert int(out.stdout.strip()) == int(city_map.matrix([a], [b])[0][0, 0])
