"""``/tiles/{z}/{x}/{y}.pbf``: the basemap's tiles, sent gzip-encoded as stored, cached."""

from __future__ import annotations

import gzip
from typing import Any


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
    assert c.get("/tiles/14/0/0.pbf").status_code == 204
    assert c.get("/tiles/99/0/0.pbf").status_code == 422
    assert c.get("/glyphs/Noto%20Sans%20Regular/0-255.pbf").status_code == 200
