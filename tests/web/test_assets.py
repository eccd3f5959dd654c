"""Versioned assets and compression (no browser): what a repeat visit needs from the network."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from booking_api.assets import IMMUTABLE, Assets
from booking_api.web import ROOTS, build_router


def _client(assets: Assets) -> TestClient:
    app = FastAPI()
    app.include_router(build_router(assets))
    return TestClient(app)


def test_build_id_follows_every_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    (a / "x.js").write_text("export const x = 1;\n")
    shutil.copytree(a, b)
    assert Assets.scan((a,)).build == Assets.scan((b,)).build
    (b / "x.js").write_text("export const x = 2;\n")
    assert Assets.scan((a,)).build != Assets.scan((b,)).build
    (a / "x.js").rename(a / "y.js")  # same bytes, another name
    assert Assets.scan((a,)).build != Assets.scan((b,)).build
    assert Assets.scan((a,), enabled=False).build is None


def test_rewrite_points_absolute_references_at_the_build() -> None:
    assets = Assets("abc123")
    src = (
        b'import { t } from "/static/common/i18n.js";\n'
        b"const u = '/driver/static/driver.css'; const v = `/static/x/${n}.png`;\n"
        b'new URL("./lang/", import.meta.url); fetch("/api/v1/static/x");\n'
        b'a { background: url(/static/vendor/leaflet/images/x.png) }\n'
        b'"/static/v/abc123/already.js"\n'
    )
    out = assets.rewrite(src, ".js").decode()
    assert '"/static/v/abc123/common/i18n.js"' in out
    assert "'/driver/static/v/abc123/driver.css'" in out
    assert "`/static/v/abc123/x/${n}.png`" in out
    assert "url(/static/v/abc123/vendor/leaflet/images/x.png)" in out
    assert '"./lang/"' in out and '"/api/v1/static/x"' in out  # relative and API untouched
    assert '"/static/v/abc123/already.js"' in out and "v/abc123/v/" not in out
    assert assets.rewrite(b"\x89PNG/static/", ".png") == b"\x89PNG/static/"
    assert Assets(None).rewrite(src, ".js") == src


def test_pages_load_versioned_assets_cached_for_a_year() -> None:
    assets = Assets.scan(ROOTS)
    c = _client(assets)
    page = c.get("/")
    assert page.headers["cache-control"] == "no-cache"
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert urls and all(u.startswith(f"/static/v/{assets.build}/") for u in urls), urls
    for url in urls:
        r = c.get(url)
        assert r.status_code == 200, url
        assert r.headers["cache-control"] == IMMUTABLE
    script = c.get(f"/static/v/{assets.build}/resident/app.js").text
    assert f'"/static/v/{assets.build}/common/i18n.js"' in script
    assert '"/static/common/i18n.js"' not in script
    # the page itself: unchanged means 304 with no body
    again = c.get("/", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    # the workers cache the versioned shell, so they change with every release
    sw = c.get("/sw.js")
    assert f"/static/v/{assets.build}/common/i18n.js" in sw.text
    assert sw.headers["service-worker-allowed"] == "/"
    assert f"/driver/static/v/{assets.build}/driver.js" in c.get("/driver/sw.js").text


def test_an_old_builds_url_gets_todays_file_revalidated() -> None:
    assets = Assets.scan(ROOTS)
    r = _client(assets).get("/static/v/0ld0ld0ld0ld/resident/app.js")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    assert f"/static/v/{assets.build}/" in r.text
    missing = _client(assets).get(f"/static/v/{assets.build}/common/nope.js")
    assert missing.status_code == 404
    climbing = _client(assets).get(f"/static/v/{assets.build}/../web.py")
    assert climbing.status_code == 404
