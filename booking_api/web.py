"""The web apps: residents at ``/``, operators at ``/operator``, drivers at ``/driver``.

``router`` is included by ``create_app``. Every app is a static HTML page with
ES modules; shared assets (design tokens, i18n, Leaflet) live under
``booking_api/static`` and are served at ``/static/``, the tablet app's own
files under ``driver_app/static`` at ``/driver/static/``. The PWA manifest and
the service worker are served from the site root so that the worker's scope
covers the residents' app; the tablet's own worker is ``/driver/sw.js`` (scope
``/driver``), so the tablet opens without a signal.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

import driver_app

STATIC_DIR = Path(__file__).resolve().parent / "static"
DRIVER_STATIC_DIR = Path(driver_app.__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)

_NO_CACHE = {"Cache-Control": "no-cache"}


def _file(base: Path, rel: str) -> FileResponse:
    """Return ``base/rel`` as a response, refusing anything outside ``base``.

    A 404 (not a 500) answers a missing file or a path that tries to climb out
    of the static folder, so a typo in a URL never shows a traceback.
    """
    target = (base / rel).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise HTTPException(
            status_code=404,
            detail={
                "code": "not_found",
                "message": "ページが見つかりません / Page not found",
                "message_ja": "ページが見つかりません",
                "message_en": "Page not found",
            },
        )
    media = None
    if target.suffix == ".webmanifest":
        media = "application/manifest+json"
    elif target.suffix in {".js", ".mjs"}:
        media = "text/javascript"
    return FileResponse(target, media_type=media, headers=_NO_CACHE)


@router.get("/")
def resident_app() -> FileResponse:
    """The residents' booking app (smartphone, installable)."""
    return _file(STATIC_DIR, "resident/index.html")


@router.get("/operator")
def operator_app() -> FileResponse:
    """The operators' phone-booking console, approvals, day board and reports."""
    return _file(STATIC_DIR, "operator/index.html")


@router.get("/driver")
def driver_app_page() -> FileResponse:
    """The drivers' tablet app."""
    return _file(DRIVER_STATIC_DIR, "index.html")


@router.get("/manifest.webmanifest")
def manifest() -> FileResponse:
    """The residents' PWA manifest."""
    return _file(STATIC_DIR, "resident/manifest.webmanifest")


@router.get("/sw.js")
def service_worker() -> FileResponse:
    """The residents' service worker (served at the root so its scope is ``/``)."""
    response = _file(STATIC_DIR, "resident/sw.js")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@router.get("/driver/sw.js")
def driver_service_worker() -> FileResponse:
    """The tablet's service worker: its scope is ``/driver`` (the app page and its assets)."""
    response = _file(DRIVER_STATIC_DIR, "sw.js")
    response.headers["Service-Worker-Allowed"] = "/driver"
    return response


@router.get("/static/{rel:path}")
def static_asset(rel: str) -> FileResponse:
    """Shared and residents'/operators' assets."""
    return _file(STATIC_DIR, rel)


@router.get("/driver/static/{rel:path}")
def driver_asset(rel: str) -> FileResponse:
    """The tablet app's own assets."""
    return _file(DRIVER_STATIC_DIR, rel)
