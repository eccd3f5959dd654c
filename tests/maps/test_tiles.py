"""PMTiles v3 archive: what ``build_pmtiles`` writes ``PMTilesReader`` reads back."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

import pytest

from maps.config import bundled_city_dir
from maps.errors import MapDataError
from maps.tiles import PMTilesReader, build_pmtiles, zxy_to_tileid


def test_tile_ids_follow_the_spec_order() -> None:
    # Values from the PMTiles v3 spec's examples.
    assert zxy_to_tileid(0, 0, 0) == 0
    assert zxy_to_tileid(1, 0, 0) == 1
    assert zxy_to_tileid(1, 0, 1) == 2
    assert zxy_to_tileid(1, 1, 1) == 3
    assert zxy_to_tileid(1, 1, 0) == 4
    assert zxy_to_tileid(2, 0, 0) == 5
    with pytest.raises(ValueError):
        zxy_to_tileid(1, 2, 0)


def test_folder_and_tarball_round_trip(tmp_path: Path) -> None:
    tiles = {
        (14, 14596, 6441): b"tile-a" * 50,
        (14, 14597, 6441): b"tile-b",
        (14, 14590, 6436): b"tile-a" * 50,
    }
    src = tmp_path / "omt"
    src.mkdir()
    for (_z, x, y), data in tiles.items():
        (src / f"{x}_{y}.pbf").write_bytes(data)
    tar_path = tmp_path / "t.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(src, arcname="omt_z14")
    for source in (src, tar_path):
        out = tmp_path / f"{source.name}.pmtiles"
        assert build_pmtiles(source, out, attribution="© OSM", name="t") == 3
        reader = PMTilesReader(out)
        for (z, x, y), data in tiles.items():
            stored = reader.tile(z, x, y)
            assert stored is not None and gzip.decompress(stored) == data
        assert reader.tile(14, 14600, 6441) is None and reader.tile(3, 99, 0) is None
        assert reader.metadata["attribution"] == "© OSM" and reader.min_zoom == 14


def test_bad_sources_are_explained(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(MapDataError, match=r"no \.pbf tiles"):
        build_pmtiles(tmp_path / "empty", tmp_path / "o.pmtiles", attribution="", name="")
    (tmp_path / "x.pmtiles").write_bytes(b"not an archive")
    with pytest.raises(MapDataError, match="not a PMTiles"):
        PMTilesReader(tmp_path / "x.pmtiles")


def test_bundled_kamisu_basemap_covers_city_hall() -> None:
    reader = PMTilesReader(bundled_city_dir("kamisu") / "kamisu_basemap.pmtiles")
    west, south, east, north = reader.bounds
    assert west < 140.66446 < east and south < 35.89003 < north
    # 神栖市役所 lies in z14 tile 14593/6441
    stored = reader.tile(14, 14593, 6441)
    assert stored is not None and b"transportation_name" in gzip.decompress(stored)
