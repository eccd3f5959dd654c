"""``/tiles/{z}/{x}/{y}.pbf``: the basemap's tiles, sent gzip-encoded as stored, cached
under an ETag that is the archive's digest; ``/glyphs/...``: the labels' glyph ranges."""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

from booking_api.routes import tiles
from maps.config import bundled_city_dir
from maps.mvt import read_varint


def test_tiles_are_served_gzip_with_caching(api: Any) -> None:
    c = api.client
    r = c.get("/tiles/14/14593/6441.pbf", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert "max-age" in r.headers["cache-control"]
    assert b"transportation_name" in r.content or b"transportation_name" in gzip.decompress(
        r.content
    )
    again = c.get("/tiles/14/14593/6441.pbf", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    listed = f'"x", W/{r.headers["etag"]}'  # a list, and a weak tag, name it as well
    assert c.get("/tiles/14/14593/6441.pbf", headers={"If-None-Match": listed}).status_code == 304
    assert c.get("/tiles/14/0/0.pbf").status_code == 204
    assert c.get("/tiles/99/0/0.pbf").status_code == 422


def test_tile_etag_is_the_archives_digest_and_survives_a_restart(api: Any) -> None:
    """A restarted server (a new reader of the same file) sends the same ETag, so a
    browser's cached tiles stay valid; it is the archive's SHA-256, not the process's."""
    archive = bundled_city_dir("kamisu") / "kamisu_basemap.pmtiles"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    first = api.client.get("/tiles/14/14593/6441.pbf").headers["etag"]
    tiles._readers.clear()  # what a restart does: the archive is read again
    second = api.client.get("/tiles/14/14593/6441.pbf")
    assert first == second.headers["etag"] == f'"{digest[:32]}"'
    assert api.client.get(
        "/tiles/14/14593/6441.pbf", headers={"If-None-Match": first}
    ).status_code == 304


def test_zoomed_out_tiles_come_from_the_overview(api: Any) -> None:
    """The archive has zoom 14 only; a zoom-12 tile of the town centre (city hall's) is
    built from it (maps.overview) and served with the town's main roads, gzip-encoded;
    below zoom 10 there is nothing."""
    from maps import mvt

    r = api.client.get("/tiles/12/3648/1610.pbf")
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    layers = {layer.name: layer for layer in mvt.decode(r.content)}  # httpx unpacked it
    roads = {f.properties["class"] for f in layers["transportation"].features}
    assert {"trunk", "primary"} <= roads and "track" not in roads
    assert "building" not in layers and layers["water"].features
    # its own ETag (the overview's digest), honoured like the archive's
    etag = r.headers["etag"]
    assert etag != api.client.get("/tiles/14/14593/6441.pbf").headers["etag"]
    again = api.client.get("/tiles/12/3648/1610.pbf", headers={"If-None-Match": etag})
    assert again.status_code == 304
    for z, x, y in ((13, 7296, 3220), (11, 1824, 805), (10, 912, 402)):
        assert api.client.get(f"/tiles/{z}/{x}/{y}.pbf").status_code == 200, z
    assert api.client.get("/tiles/9/456/201.pbf").status_code == 204


def _glyph_ids(pbf: bytes) -> set[int]:
    """The code points in a glyph PBF (glyphs > stacks > glyph.id), read by hand."""

    def fields(buf: bytes) -> Any:
        pos = 0
        while pos < len(buf):
            key, pos = read_varint(buf, pos)
            if key & 7 == 2:
                n, pos = read_varint(buf, pos)
                yield key >> 3, buf[pos : pos + n]
                pos += n
            else:
                value, pos = read_varint(buf, pos)
                yield key >> 3, value

    ids: set[int] = set()
    for _, stack in fields(pbf):
        for number, glyph in fields(stack):
            if number == 3:
                ids.update(v for f, v in fields(glyph) if f == 1)
    return ids


def test_glyph_ranges_hold_the_digits_of_road_names(api: Any) -> None:
    """The style's font answers real glyphs (the 1, 2, 4 of 国道124号, Latin, （）); a
    font or range not shipped is a 404, which MapLibre draws with the device's fonts."""
    c = api.client
    r = c.get("/glyphs/Noto%20Sans%20CJK%20JP%20Regular/0-255.pbf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-protobuf"
    assert "max-age" in r.headers["cache-control"]
    assert {ord(ch) for ch in "0123456789ABCxyz()-"} <= _glyph_ids(r.content)
    # MapLibre joins the text-font list with commas; the first font is the one shipped
    full = c.get("/glyphs/Noto%20Sans%20CJK%20JP%20Regular,Arial%20Unicode%20MS/65280-65535.pbf")
    assert full.status_code == 200 and {0xFF08, 0xFF09, 0xFF11} <= _glyph_ids(full.content)
    # kana and ideographs are drawn from the device's fonts, not shipped
    kana = c.get("/glyphs/Noto%20Sans%20CJK%20JP%20Regular/12288-12543.pbf").content
    assert 0x3001 in _glyph_ids(kana) and 0x30A2 not in _glyph_ids(kana)
    for path in (
        "/glyphs/Noto%20Sans%20Regular/0-255.pbf",  # not shipped
        "/glyphs/Noto%20Sans%20CJK%20JP%20Regular/1024-1279.pbf",  # Cyrillic: not shipped
        "/glyphs/Noto%20Sans%20CJK%20JP%20Regular/1-256.pbf",  # not a range
        "/glyphs/..%2F..%2Fetc/0-255.pbf",
    ):
        refused = c.get(path)
        assert refused.status_code == 404, path
        assert refused.json()["detail"]["message_ja"]
