"""Compressed answers: pages, scripts and JSON travel gzip-compressed when the client accepts it."""

from __future__ import annotations

import gzip

from tests.booking_api.conftest import Api


def test_text_answers_are_compressed(api: Api) -> None:
    r = api.client.get("/static/common/i18n.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    raw = api.client.get(
        "/static/common/lang/ja.json", headers={"Accept-Encoding": "gzip"}
    )
    assert raw.headers["content-encoding"] == "gzip"
    plain = api.client.get("/static/common/lang/ja.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert raw.json() == plain.json()
    # httpx decodes for us: check the wire size through a raw gzip round-trip
    assert len(gzip.compress(plain.content)) < len(plain.content) / 2
