"""The web router (no browser): pages, assets, manifest, service worker and refused paths."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from booking_api.assets import Assets
from booking_api.web import build_router


def client() -> TestClient:
    """A bare app with only the web router, assets unversioned (see test_assets.py)."""
    app = FastAPI()
    app.include_router(build_router(Assets(None)))
    return TestClient(app)


def test_three_apps_are_served_as_html() -> None:
    """`/`, `/operator` and `/driver` answer the three HTML apps, each loading its own module."""
    c = client()
    for path, module in [
        ("/", "/static/resident/app.js"),
        ("/operator", "/static/operator/app.js"),
        ("/driver", "/driver/static/driver.js"),
    ]:
        res = c.get(path)
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/html")
        assert module in res.text
        assert c.get(module).status_code == 200


def test_manifest_and_service_worker_types() -> None:
    """The manifest is JSON with its own type; the worker is JavaScript allowed at `/`."""
    c = client()
    res = c.get("/manifest.webmanifest")
    assert res.headers["content-type"].startswith("application/manifest+json")
    assert res.json()["short_name"]
    sw = c.get("/sw.js")
    assert sw.headers["content-type"].startswith("text/javascript")
    assert sw.headers["service-worker-allowed"] == "/"


def test_every_asset_a_page_links_exists() -> None:
    """Every /static or /driver/static URL referenced by the pages is served."""
    import re

    c = client()
    for page in ("/", "/operator", "/driver"):
        for url in re.findall(r'(?:src|href)="(/(?:driver/)?static/[^"]+)"', c.get(page).text):
            assert c.get(url).status_code == 200, url


def test_unknown_and_climbing_paths_are_404_with_a_message() -> None:
    """A missing file or `..` out of the static folder is a 404 in both languages, never a 500."""
    c = client()
    for path in (
        "/static/nope.js",
        "/static/../web.py",
        "/static/%2e%2e/web.py",
        "/driver/static/../../web.py",
    ):
        res = c.get(path)
        assert res.status_code == 404, path
    detail = c.get("/static/nope.js").json()["detail"]
    assert detail["message_ja"] == "ページが見つかりません"
    assert detail["message_en"] == "Page not found"


def test_leaflet_attribution_and_no_cdn() -> None:
    """Pages load nothing from another host (there is no network), and maps credit OpenStreetMap."""
    import re

    c = client()
    for page in ("/", "/operator", "/driver"):
        html = c.get(page).text
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), page
    assert "OpenStreetMap contributors" in c.get("/static/common/map.js").text
