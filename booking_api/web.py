"""The web apps: residents at ``/``, operators at ``/operator``, drivers at ``/driver``.

``build_router(assets)`` is included by ``create_app``. Every app is a static HTML
page with ES modules; shared assets (design tokens, i18n, Leaflet) live under
``booking_api/static`` and are served at ``/static/``, the tablet app's own
files under ``driver_app/static`` at ``/driver/static/``. The PWA manifest and
the service worker are served from the site root so that the worker's scope
covers the residents' app; the tablet's own worker is ``/driver/sw.js`` (scope
``/driver``), so the tablet opens without a signal. Pages and workers point at
versioned asset URLs (``booking_api.assets``): assets are cached for a year,
pages revalidated (a ``304`` when nothing changed). A page that names its app
(``<html data-app="resident">``) loads only that app's messages,
``/static/common/lang/<app>/<code>.json`` (``booking_api.catalogues``).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse

import driver_app
from booking_api.assets import IMMUTABLE, REVALIDATE, REWRITTEN, Assets
from booking_api.catalogues import Catalogues, app_rules

STATIC_DIR = Path(__file__).resolve().parent / "static"
DRIVER_STATIC_DIR = Path(driver_app.__file__).resolve().parent / "static"
ROOTS = (STATIC_DIR, DRIVER_STATIC_DIR)
LANG_DIR = STATIC_DIR / "common" / "lang"
# An app's catalogue: common/lang/<app>/<code>.json (no such file: derived in memory).
_APP_CATALOGUE = re.compile(r"^common/lang/([a-z]+)/([A-Za-z0-9-]+)\.json$")

_MEDIA = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
}


def catalogues(*, enabled: bool = True) -> Catalogues:
    """Return the apps' catalogues, their sources scanned now (see ``booking_api.catalogues``)."""
    return Catalogues(LANG_DIR, app_rules(STATIC_DIR, DRIVER_STATIC_DIR), enabled=enabled)


def _not_found() -> HTTPException:
    return HTTPException(
        status_code=404,
        detail={
            "code": "not_found",
            "message": "ページが見つかりません / Page not found",
            "message_ja": "ページが見つかりません",
            "message_en": "Page not found",
        },
    )


def _target(base: Path, rel: str) -> Path:
    """Return ``base/rel``, refusing anything outside ``base`` or missing with a 404.

    A 404 (not a 500) answers a missing file or a path that tries to climb out
    of the static folder, so a typo in a URL never shows a traceback.
    """
    target = (base / rel).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise _not_found()
    return target


def _send(
    request: Request, assets: Assets, target: Path, cache: str, extra: dict[str, str] | None = None
) -> Response:
    """Send ``target``, its static references rewritten to this build when it is text."""
    headers = {"Cache-Control": cache, **(extra or {})}
    suffix = target.suffix
    if assets.build is None or suffix not in REWRITTEN:
        media = _MEDIA.get(suffix) or mimetypes.guess_type(target.name)[0]
        return FileResponse(target, media_type=media, headers=headers)
    etag = assets.etag(target)
    headers["ETag"] = etag
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    data = target.read_bytes()
    if suffix == ".html":
        data = assets.preload_page(data, _file_of)
    body = assets.rewrite(data, suffix)
    return Response(body, media_type=_MEDIA[suffix], headers=headers)


def _send_catalogue(
    request: Request, assets: Assets, books: Catalogues, rel: str, cache: str
) -> Response | None:
    """Send an app's catalogue if ``rel`` names one (404 for an unknown app or language)."""
    m = _APP_CATALOGUE.match(rel)
    if m is None:
        return None
    body = books.body(m.group(1), m.group(2))
    if body is None:
        raise _not_found()
    etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
    headers = {"Cache-Control": cache, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(assets.rewrite(body, ".json"), media_type=_MEDIA[".json"], headers=headers)


def _file_of(url: str) -> Path | None:
    """Return the file an unversioned asset URL path names, or ``None`` if none."""
    for prefix, base in (("/driver/static/", DRIVER_STATIC_DIR), ("/static/", STATIC_DIR)):
        if url.startswith(prefix):
            path = (base / url[len(prefix):]).resolve()
            return path if path.is_relative_to(base) and path.is_file() else None
    return None


def build_router(assets: Assets, books: Catalogues | None = None) -> APIRouter:
    """Return the routes of the three apps, serving their assets for ``assets``' build.

    ``books`` are the apps' catalogues (built here when not given).
    """
    books = books or catalogues()
    router = APIRouter(include_in_schema=False)

    def page(base: Path, rel: str, extra: dict[str, str] | None = None) -> Callable[..., Response]:
        def serve(request: Request) -> Response:
            return _send(request, assets, _target(base, rel), REVALIDATE, extra)

        return serve

    router.add_api_route("/", page(STATIC_DIR, "resident/index.html"), methods=["GET"])
    router.add_api_route("/operator", page(STATIC_DIR, "operator/index.html"), methods=["GET"])
    router.add_api_route("/driver", page(DRIVER_STATIC_DIR, "index.html"), methods=["GET"])
    router.add_api_route(
        "/manifest.webmanifest", page(STATIC_DIR, "resident/manifest.webmanifest"),
        methods=["GET"],
    )
    # Workers at the root of their scope: the residents' covers /, the tablet's /driver.
    router.add_api_route(
        "/sw.js", page(STATIC_DIR, "resident/sw.js", {"Service-Worker-Allowed": "/"}),
        methods=["GET"],
    )
    router.add_api_route(
        "/driver/sw.js",
        page(DRIVER_STATIC_DIR, "sw.js", {"Service-Worker-Allowed": "/driver"}),
        methods=["GET"],
    )

    def versioned(base: Path) -> Callable[..., Response]:
        def serve(request: Request, build: str, rel: str) -> Response:
            # An older build's URL (a page loaded before a release) gets today's file,
            # revalidated rather than cached for a year under the old name.
            cache = IMMUTABLE if build == assets.build else REVALIDATE
            if base == STATIC_DIR and (sent := _send_catalogue(request, assets, books, rel, cache)):
                return sent
            return _send(request, assets, _target(base, rel), cache)

        return serve

    def plain(base: Path) -> Callable[..., Response]:
        def serve(request: Request, rel: str) -> Response:
            if base == STATIC_DIR and (
                sent := _send_catalogue(request, assets, books, rel, REVALIDATE)
            ):
                return sent
            return _send(request, assets, _target(base, rel), REVALIDATE)

        return serve

    router.add_api_route("/static/v/{build}/{rel:path}", versioned(STATIC_DIR), methods=["GET"])
    router.add_api_route(
        "/driver/static/v/{build}/{rel:path}", versioned(DRIVER_STATIC_DIR), methods=["GET"]
    )
    router.add_api_route("/static/{rel:path}", plain(STATIC_DIR), methods=["GET"])
    router.add_api_route("/driver/static/{rel:path}", plain(DRIVER_STATIC_DIR), methods=["GET"])
    return router
