"""The basemap's overview zooms (``maps.overview``) built from the bundled zoom-14
tiles, and the vector-tile codec under them (``maps.mvt``)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from maps import mvt
from maps.config import bundled_city_dir
from maps.overview import build_overview, cached_overview
from maps.tiles import PMTilesReader, write_pmtiles

ARCHIVE = bundled_city_dir("kamisu") / "kamisu_basemap.pmtiles"
CITY_HALL_Z14 = (14593, 6441)  # 神栖市役所's zoom-14 tile


@pytest.fixture(scope="module")
def bundled() -> PMTilesReader:
    return PMTilesReader(ARCHIVE)


def _layers(reader: PMTilesReader, z: int, x: int, y: int) -> dict[str, mvt.Layer]:
    stored = reader.tile(z, x, y)
    assert stored is not None, (z, x, y)
    return {layer.name: layer for layer in mvt.decode(gzip.decompress(stored))}


def test_a_tile_decodes_and_encodes_to_the_same_features(bundled: PMTilesReader) -> None:
    layers = list(_layers(bundled, 14, *CITY_HALL_Z14).values())
    again = mvt.decode(mvt.encode(layers))
    assert [la.name for la in again] == [la.name for la in layers]
    for a, b in zip(layers, again, strict=True):
        assert len(a.features) == len(b.features) > 0, a.name
        for fa, fb in zip(a.features, b.features, strict=True):
            assert (fa.id, fa.properties) == (fb.id, fb.properties)
            assert fa.geometry.geom_type == fb.geometry.geom_type
            assert fa.geometry.symmetric_difference(fb.geometry).area < 1e-6


@pytest.fixture(scope="module")
def quarter(bundled: PMTilesReader, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of the 16 zoom-14 tiles under city hall's zoom-12 tile."""
    x0, y0 = (CITY_HALL_Z14[0] >> 2) << 2, (CITY_HALL_Z14[1] >> 2) << 2
    found = []
    for x in range(x0, x0 + 4):
        for y in range(y0, y0 + 4):
            stored = bundled.tile(14, x, y)
            if stored is not None:
                found.append((14, x, y, gzip.decompress(stored)))
    path = tmp_path_factory.mktemp("overview") / "quarter.pmtiles"
    write_pmtiles(found, path, attribution="© OpenStreetMap contributors", name="q")
    return path


def test_the_overview_halves_its_children_and_thins_them(
    bundled: PMTilesReader, quarter: Path, tmp_path: Path
) -> None:
    counts: list[tuple[int, int]] = []
    out = tmp_path / "ov.pmtiles"
    n = build_overview(
        PMTilesReader(quarter), out, least_zoom=12, progress=lambda d, t: counts.append((d, t))
    )
    # 4 zoom-13 tiles and their one zoom-12 parent, counted one by one
    assert n == 5 and [d for d, _ in counts] == [1, 2, 3, 4, 5] and {t for _, t in counts} == {5}
    ov = PMTilesReader(out)
    assert (ov.min_zoom, ov.max_zoom) == (12, 13)
    z13 = _layers(ov, 13, CITY_HALL_Z14[0] >> 1, CITY_HALL_Z14[1] >> 1)
    z12 = _layers(ov, 12, CITY_HALL_Z14[0] >> 2, CITY_HALL_Z14[1] >> 2)
    # no buildings or points of interest below 14; minor roads at 13 only, unnamed
    assert "building" not in z13 and "poi" not in z13 and "housenumber" not in z13
    road_classes = {f.properties["class"] for f in z13["transportation"].features}
    assert "minor" in road_classes and not {"track", "path", "service"} & road_classes
    named = {f.properties["class"] for f in z13["transportation_name"].features}
    assert {"trunk", "primary"} & named and "minor" not in named
    assert "minor" not in {f.properties["class"] for f in z12["transportation"].features}
    names = {f.properties.get("name:latin") for f in z12["transportation_name"].features}
    assert "国道124号" in names
    # a place's point lands where its zoom-14 tile puts it: half way, in its quarter
    cx, cy = CITY_HALL_Z14
    child = _layers(bundled, 14, cx, cy)
    for f in child.get("place", mvt.Layer("place")).features:
        px, py = f.geometry.x / 2 + (cx & 1) * 2048, f.geometry.y / 2 + (cy & 1) * 2048
        same = [g for g in z13["place"].features if g.properties == f.properties]
        assert same and abs(same[0].geometry.x - px) <= 1 and abs(same[0].geometry.y - py) <= 1
    for layer in z13.values():
        for f in layer.features:
            x0, y0, x1, y1 = f.geometry.bounds
            assert min(x0, y0) >= -1 and max(x1, y1) <= 4097, (layer.name, f.geometry.bounds)


def test_the_overview_is_cached_by_the_archives_digest(quarter: Path, tmp_path: Path) -> None:
    reader = PMTilesReader(quarter)
    calls: list[int] = []
    first = cached_overview(reader, tmp_path, progress=lambda d, t: calls.append(d))
    built = len(calls)
    assert built > 0 and first.is_file() and reader.sha256[:16] in first.name
    assert str(first).startswith(str(tmp_path))  # in the cache, not beside the archive
    again = cached_overview(reader, tmp_path, progress=lambda d, t: calls.append(d))
    assert again == first and len(calls) == built  # read back, not built again
    assert not list(first.parent.glob("*.part"))


def test_import_tiles_writes_the_archive_and_its_overview_with_a_count(
    bundled: PMTilesReader, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``noriai maps import-tiles`` packs the zoom-14 tiles and builds their overview
    into the cache folder (not the city's folder), counting the tiles as it goes."""
    from tests.maps.test_cli import run

    src = tmp_path / "omt"
    x0, y0 = (CITY_HALL_Z14[0] >> 2) << 2, (CITY_HALL_Z14[1] >> 2) << 2
    for x in range(x0, x0 + 4):
        for y in range(y0, y0 + 4):
            stored = bundled.tile(14, x, y)
            if stored is not None:
                (src / "14" / str(x)).mkdir(parents=True, exist_ok=True)
                (src / "14" / str(x) / f"{y}.pbf").write_bytes(stored)  # gzipped, as shipped
    out = tmp_path / "town"
    assert run(["maps", "import-tiles", str(src), "--out", str(out)], tmp_path / "cache") == 0
    err = capsys.readouterr().err
    archive = out / "town_basemap.pmtiles"
    assert archive.is_file() and PMTilesReader(archive).min_zoom == 14
    made = list((tmp_path / "cache").rglob("*-z10.pmtiles"))
    assert len(made) == 1 and PMTilesReader(made[0]).min_zoom == 10
    assert not list(out.glob("*-z10.pmtiles"))
    assert "7/7" in err and str(made[0]) in err  # z13: 4, then one each of 12, 11, 10
