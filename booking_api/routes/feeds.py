"""The published feeds: GTFS-Flex at ``/gtfs/flex.zip``, GOFS at ``/gofs/gofs.json``.

Public (no login) and cacheable: each answer carries an ``ETag`` and
``Cache-Control: public``; a request with the same ``If-None-Match`` gets 304.
The feeds describe service from today (the city's date) on and are built once
a day per process from the city's configuration (``booking_api.feedconfig``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from booking_api import feedconfig
from booking_api.deps import State
from booking_api.errors import ApiError
from booking_api.openapi import answers
from booking_api.state import AppState
from feeds import MapData, build_gofs, build_gtfs, discovery, wait_time, zip_feed
from maps import MapDataError

router = APIRouter(tags=["feeds"])
MAX_AGE_S = 3600


class Lang(StrEnum):
    """A GOFS distribution's language."""

    JA = "ja"
    EN = "en"


class GofsFile(StrEnum):
    """A file of a GOFS distribution."""

    SYSTEM_INFORMATION = "system_information"
    SERVICE_BRANDS = "service_brands"
    VEHICLE_TYPES = "vehicle_types"
    ZONES = "zones"
    OPERATING_RULES = "operating_rules"
    CALENDARS = "calendars"
    BOOKING_RULES = "booking_rules"


def _cached(request: Request, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """Return the value kept for ``key`` on this app, made once. A key starts with its day
    (``None`` for what never changes): the feeds describe service from today, so a new day
    drops the day before's.
    """
    cache: dict[tuple[Any, ...], Any] = getattr(request.app.state, "feed_cache", None) or {}
    if key[0] is not None:
        cache = {k: v for k, v in cache.items() if k[0] in (None, key[0])}
    request.app.state.feed_cache = cache
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _today(state: AppState) -> date:
    return state.now().astimezone(ZoneInfo(state.rules.timezone)).date()


def _map(request: Request, state: AppState) -> MapData:
    def load() -> MapData:
        try:
            return feedconfig.map_data(state.settings)
        except MapDataError as exc:
            raise ApiError(
                503,
                "unavailable",
                "The map data for the feeds cannot be read.",
                "フィードの地図データを読み込めません。",
            ) from exc

    return _cached(request, (None, "map"), load)  # type: ignore[no-any-return]


def _answer(request: Request, body: bytes, media_type: str, day: date) -> Response:
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": tag,
        "Cache-Control": f"public, max-age={MAX_AGE_S}",
        "Last-Modified": datetime.combine(day, time()).strftime("%a, %d %b %Y 00:00:00 GMT"),
    }
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (the If-None-Match ETag is current)"}
}
_ZIP: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The GTFS feed (zip)",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    },
    **_NOT_MODIFIED,
    **answers(503),
}
_DOC: dict[int | str, dict[str, Any]] = {
    200: {"description": "A GOFS document", "content": {"application/json": {"schema": {}}}},
    **_NOT_MODIFIED,
    **answers(503),
}


@router.get("/gtfs/flex.zip", response_class=Response, responses=_ZIP)
def gtfs_flex(request: Request, state: State) -> Response:
    """The GTFS feed with GTFS-Flex (zones, designated places, booking rules, windows,
    calendar) and GTFS-JP's agency fields, from today for the city's ``period_days``.
    """
    day = _today(state)

    def make() -> bytes:
        config = feedconfig.feed_config(state.settings, day)
        return zip_feed(build_gtfs(config, _map(request, state), day))

    return _answer(request, _cached(request, (day, "gtfs"), make), "application/zip", day)


def _start(state: AppState, day: date) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(state.rules.timezone))


@router.get("/gofs/gofs.json", response_class=Response, responses=_DOC)
def gofs_discovery(request: Request, state: State) -> Response:
    """GOFS auto-discovery: every file of the Japanese and English distributions."""
    day = _today(state)
    config = feedconfig.feed_config(state.settings, day)
    return _answer(request, _json(discovery(config, _start(state, day))), "application/json", day)


@router.get(
    "/gofs/{lang}/{name}.json",
    response_class=Response,
    responses=_DOC,
)
def gofs_file(request: Request, state: State, lang: Lang, name: GofsFile) -> Response:
    """One file of a GOFS distribution (zones, operating rules, booking rules, calendars ...)."""
    day = _today(state)

    def make() -> dict[str, Any]:
        config = feedconfig.feed_config(state.settings, day)
        return build_gofs(config, _map(request, state), _start(state, day), lang.value)

    docs = _cached(request, (day, "gofs", lang.value), make)
    return _answer(request, _json(docs[name.value]), "application/json", day)


Lat = Annotated[float, Query(ge=-90, le=90)]
Lon = Annotated[float, Query(ge=-180, le=180)]


@router.get("/gofs/{lang}/wait_time", responses={**answers(503)})
def gofs_wait_time(
    request: Request,
    state: State,
    lang: Lang,
    pickup_lat: Lat,
    pickup_lon: Lon,
    drop_off_lat: Lat | None = None,
    drop_off_lon: Lon | None = None,
) -> dict[str, Any]:
    """GOFS ``wait_time``: the earliest pickup for a booking made now (the minimum notice),
    or no wait time when the service does not run from the pickup (to the drop-off).
    """
    del lang  # the answer has no text
    if (drop_off_lat is None) != (drop_off_lon is None):
        raise ApiError(
            422,
            "drop_off_incomplete",
            "Give both drop_off_lat and drop_off_lon, or neither.",
            "drop_off_lat と drop_off_lon は両方とも指定するか、両方とも省略してください。",
        )
    drop = None if drop_off_lat is None or drop_off_lon is None else (drop_off_lat, drop_off_lon)
    day = _today(state)
    config = feedconfig.feed_config(state.settings, day)
    return wait_time(config, _map(request, state), state.now(), (pickup_lat, pickup_lon), drop)
