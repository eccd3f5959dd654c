"""Each app's message catalogue (no browser): only its keys, every key its sources name.

The server derives ``/static/common/lang/<app>/<code>.json`` from the one
catalogue per language (booking_api/catalogues.py). The check here reads the
apps' sources on its own (t/tf/th calls and data-i18n attributes, as
tests/booking_api/test_catalogues.py does for the whole catalogue) and asks the
server, so a key an app names but is not given fails here, whatever the
server's own scan missed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from booking_api.assets import IMMUTABLE, Assets
from booking_api.catalogues import AppRule, Catalogues, scan, select
from booking_api.web import DRIVER_STATIC_DIR, LANG_DIR, ROOTS, STATIC_DIR, build_router

LANGUAGES = [e["code"] for e in json.loads((LANG_DIR / "languages.json").read_text("utf-8"))]
# Keys named literally: t("…"), tf("…"), th("…") and data-i18n / -ph / -aria="…".
NAMED = re.compile(
    r"""\bt[hf]?\(\s*["'`]([a-z0-9_.]+)["'`]\s*[,)]"""
    r"""|data-i18n(?:-ph|-aria)?=["']([a-z0-9_.]+)["']"""
)
# What each app's page loads: its own folder, the shared modules, and its HTML.
SOURCES = {
    "resident": (STATIC_DIR / "resident", STATIC_DIR / "common"),
    "operator": (STATIC_DIR / "operator", STATIC_DIR / "common"),
    "driver": (DRIVER_STATIC_DIR, STATIC_DIR / "common"),
}
# The pages that load their app's catalogue. The tablet's (/driver) still loads the whole
# ones: its service worker (driver_app/static/sw.js) must keep lang/driver/ first, or the
# tablet opened offline asks the network for them.
PAGES = {"resident": "/", "operator": "/operator"}


def _client(assets: Assets | None = None) -> TestClient:
    app = FastAPI()
    app.include_router(build_router(assets or Assets(None)))
    return TestClient(app)


def _named(app: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for root in SOURCES[app]:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".js", ".html") and "vendor" not in path.parts:
                for m in NAMED.finditer(path.read_text(encoding="utf-8")):
                    found.setdefault(m.group(1) or m.group(2), path.name)
    return found


def _whole(code: str) -> dict[str, str]:
    return json.loads((LANG_DIR / f"{code}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize("app", sorted(SOURCES))
def test_an_apps_catalogue_has_every_key_its_sources_name(app: str, code: str) -> None:
    named = _named(app)
    assert len(named) > 30, named
    got = _client().get(f"/static/common/lang/{app}/{code}.json")
    assert got.status_code == 200
    lacking = {k: f for k, f in named.items() if k not in got.json()}
    assert not lacking, f"{app}/{code}.json lacks keys its sources name: {lacking}"


def test_the_resident_app_gets_no_operator_or_tablet_namespace_but_what_it_names() -> None:
    c = _client()
    for code in LANGUAGES:
        whole = _whole(code)
        mine = c.get(f"/static/common/lang/resident/{code}.json").json()
        extra = sorted(k for k in mine if k.startswith(("op.", "dr.")))
        assert extra and set(extra) <= set(_named("resident")), extra
        assert "op.noresult" in extra  # resident/book.js says it when a search finds nothing
        # every other namespace whole, in the file's order, the same texts
        rest = [k for k in whole if not k.startswith(("op.", "dr.")) or k in extra]
        assert list(mine) == rest
        assert all(mine[k] == whole[k] for k in mine)
        assert len(mine) < len(whole) / 2


def test_the_tablet_gets_its_own_and_the_operator_keys_it_names() -> None:
    c = _client()
    whole = _whole("ja")
    mine = c.get("/static/common/lang/driver/ja.json").json()
    assert {k for k in whole if k.startswith("dr.")} <= set(mine)
    assert "op.login.user" in mine  # the tablet's login form (driver_app/static/index.html)
    assert sorted(k for k in mine if k.startswith("op.")) == sorted(
        k for k in _named("driver") if k.startswith("op.")
    )
    assert {k for k in whole if not k.startswith("op.")} <= set(mine)


def test_the_operator_gets_everything_and_the_whole_files_keep_their_urls() -> None:
    c = _client()
    for code in LANGUAGES:
        assert c.get(f"/static/common/lang/operator/{code}.json").json() == _whole(code)
        old = c.get(f"/static/common/lang/{code}.json")
        assert old.content == (LANG_DIR / f"{code}.json").read_bytes()


def test_an_unknown_app_or_language_is_a_404_in_the_house_shape() -> None:
    c = _client()
    for path in ("nobody/ja.json", "resident/xx.json", "resident/languages.json"):
        r = c.get(f"/static/common/lang/{path}")
        assert r.status_code == 404, path
        assert r.json()["detail"]["message_en"] == "Page not found"


def test_pages_preload_their_apps_catalogue_versioned_and_immutable() -> None:
    assets = Assets.scan(ROOTS)
    c = _client(assets)
    for app, page in PAGES.items():
        html = c.get(page).text
        url = f"/static/v/{assets.build}/common/lang/{app}/ja.json"
        assert f'<html lang="ja" data-app="{app}">' in html
        assert f'<link rel="preload" as="fetch" crossorigin href="{url}">' in html
        assert "/common/lang/ja.json" not in html
        r = c.get(url, headers={"Accept-Encoding": "gzip"})
        assert r.headers["cache-control"] == IMMUTABLE
        again = c.get(url, headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
    # the residents' worker keeps its own catalogues for offline use
    sw = c.get("/sw.js").text
    assert f"/static/v/{assets.build}/common/lang/resident/ja.json" in sw


def test_the_app_sends_catalogues_compressed(tmp_path: Path) -> None:
    from booking_api.main import create_app
    from booking_api.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'x.sqlite'}",
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
        redis_url="",
    )
    c = TestClient(create_app(settings))
    r = c.get("/static/common/lang/resident/ja.json", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert int(r.headers["content-length"]) < len(r.content) / 2


def test_keys_built_at_run_time_bring_their_whole_prefix(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.js").write_text(
        'th("op.noresult"); t(`op.kind.${k}`); t("op.step." + n);\nconst other = \'book.when\';\n',
        encoding="utf-8",
    )
    (src / "p.html").write_text('<label data-i18n-ph="dr.hint">', encoding="utf-8")
    named = scan([src])
    assert {"op.noresult", "book.when", "dr.hint"} <= named.keys
    assert named.prefixes == ("op.kind.", "op.step.")
    catalogue = {k: k for k in (
        "book.when", "op.noresult", "op.kind.a", "op.kind.b", "op.step.1", "op.other",
        "dr.hint", "dr.other", "status.x",
    )}  # fmt: skip
    got = select(catalogue, AppRule(("op.", "dr.")), named)
    assert list(got) == [
        "book.when",
        "op.noresult",
        "op.kind.a",
        "op.kind.b",
        "op.step.1",
        "dr.hint",
        "status.x",
    ]


def test_a_catalogue_follows_its_file(tmp_path: Path) -> None:
    lang = tmp_path / "lang"
    lang.mkdir()
    (lang / "ja.json").write_text('{"a.x": "1", "op.y": "2"}', encoding="utf-8")
    books = Catalogues(lang, {"r": AppRule(("op.",))})
    assert json.loads(books.body("r", "ja") or b"") == {"a.x": "1"}
    (lang / "ja.json").write_text('{"a.x": "1", "a.new": "3", "op.y": "2"}', encoding="utf-8")
    assert json.loads(books.body("r", "ja") or b"") == {"a.x": "1", "a.new": "3"}
    whole = Catalogues(lang, {"r": AppRule(("op.",))}, enabled=False)
    assert whole.body("r", "ja") == (lang / "ja.json").read_bytes()
