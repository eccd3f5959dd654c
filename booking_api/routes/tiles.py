"""The offline basemap: vector tiles at ``/tiles/{z}/{x}/{y}.pbf`` and glyphs at ``/glyphs/...``.

Tiles come from the city's PMTiles archive (``maps.tiles``; ``basemap`` in
``city.toml``), already gzip-compressed, so they are sent as stored with
``Content-Encoding: gzip`` and cached for a day (``ETag``: the archive's SHA-256, the
same after a restart or on another server; 304 on a match).

Zooms below the archive's own (the bundled one has zoom 14 only) come from its
overview (``maps.overview``: zooms 10-13 built from it), derived data kept in the
cache folder. The first tile served starts building it in the background if the cache
has none, so it is there by the time someone zooms out; a zoomed-out tile asked for
before then waits for it (about ten seconds, once per cache).

Glyphs: MapLibre draws ideographs and kana from the device's own fonts, but every
other character of a label (the digits of 国道124号, Latin, fullwidth forms) needs
a glyph range, 256 code points of signed-distance-field glyphs. The ranges are
drawn from Noto Sans CJK JP (SIL OFL 1.1) by ``web/make_glyphs.py`` into
``booking_api/static/glyphs/``. A range or font not shipped is a 404: MapLibre
then draws those characters with the device's fonts as well.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from booking_api.deps import State
from booking_api.errors import ApiError
from booking_api.openapi import answers
from maps.overview import LEAST_ZOOM, cached_overview
from maps.tiles import PMTilesReader

log = logging.getLogger(__name__)
router = APIRouter(tags=["basemap"])
MAX_AGE_S = 86400
_readers: dict[tuple[Path, int, int], PMTilesReader] = {}
GLYPHS_DIR = Path(__file__).resolve().parent.parent / "static" / "glyphs"
_RANGE = re.compile(r"(\d{1,5})-(\d{1,5})")

_TILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The vector tile (Mapbox Vector Tile, gzip-encoded).",
        "content": {"application/vnd.mapbox-vector-tile": {}},
    },
    204: {"description": "No tile here (outside the city's archive): draw nothing."},
    304: {"description": "Not modified (the `If-None-Match` ETag matches)."},
    **answers(422, 503),
}


def _reader(state: Any) -> PMTilesReader:
    city_map = state.city_map
    path = city_map.city.path("basemap") if city_map is not None else None
    if path is None or not path.is_file():
        raise ApiError(
            503, "unavailable", "The basemap is not available.", "背景地図を利用できません。"
        )
    stat = path.stat()
    key = (path, stat.st_size, stat.st_mtime_ns)
    if key not in _readers:
        _readers.clear()
        _readers[key] = PMTilesReader(path)
    return _readers[key]


_overviews: dict[str, PMTilesReader] = {}  # by the archive's SHA-256
_warming: set[str] = set()
_overview_lock = threading.Lock()


def _overview(state: Any, reader: PMTilesReader) -> PMTilesReader:
    """The overview of ``reader``'s archive, built into the cache folder if it is not
    there yet (this call then waits for it); 503 if it cannot be built."""
    found = _overviews.get(reader.sha256)
    if found is not None:
        return found
    try:
        path = cached_overview(reader, state.city_map.config.cache_dir)
        found = PMTilesReader(path)
    except Exception:  # a failed build leaves the zoomed-out map blank, never the API down
        log.exception("the basemap's overview could not be built")
        raise ApiError(
            503, "unavailable", "The zoomed-out map is not available.",
            "縮小した地図を利用できません。",
        ) from None  # fmt: skip
    with _overview_lock:
        _overviews[reader.sha256] = found
    return found


def _warm(state: Any, reader: PMTilesReader) -> None:
    """Build the overview in the background once, if this process has none yet."""
    with _overview_lock:
        if reader.sha256 in _overviews or reader.sha256 in _warming:
            return
        _warming.add(reader.sha256)

    def build() -> None:
        with contextlib.suppress(ApiError):  # logged; a zoomed-out tile asks again
            _overview(state, reader)

    threading.Thread(target=build, name="basemap-overview", daemon=True).start()


@router.get("/tiles/{z}/{x}/{y}.pbf", response_class=Response, responses=_TILE)
def tile(
    request: Request,
    state: State,
    z: int = PathParam(ge=0, le=22),
    x: int = PathParam(ge=0),
    y: int = PathParam(ge=0),
) -> Response:
    """One vector tile of the city's basemap (OpenMapTiles schema); 204 where the
    archive has none, so the map simply draws nothing there. Zooms 10 up to the
    archive's least come from its overview.
    """
    reader = _reader(state)
    if LEAST_ZOOM <= z < reader.min_zoom:
        reader = _overview(state, reader)
    else:
        _warm(state, reader)
    etag = f'"{reader.sha256[:32]}"'
    headers = {"Cache-Control": f"public, max-age={MAX_AGE_S}", "ETag": etag}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    data = reader.tile(z, x, y)
    if data is None:
        return Response(status_code=204, headers=headers)
    headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/vnd.mapbox-vector-tile", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` list names ``etag`` (weak or strong) or is ``*``."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


def glyph_file(fontstack: str, glyph_range: str) -> Path | None:
    """The shipped glyph PBF for the first font of ``fontstack`` (MapLibre joins the
    style's ``text-font`` list with commas) and ``glyph_range`` (``0-255``,
    ``256-511``, ...), or ``None`` when there is none.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", fontstack.split(",")[0].strip().lower()).strip("-")
    m = _RANGE.fullmatch(glyph_range)
    if not slug or m is None:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    if start % 256 or end != start + 255:
        return None
    path = GLYPHS_DIR / slug / f"{start}-{end}.pbf"
    return path if path.is_file() else None


@router.get(
    "/glyphs/{fontstack}/{glyph_range}.pbf",
    response_class=Response,
    responses={
        200: {
            "description": "The glyph range (SDF glyphs, MapLibre / node-fontnik PBF).",
            "content": {"application/x-protobuf": {}},
        },
        **answers(404, 422),
    },
)
def glyphs(fontstack: str, glyph_range: str) -> Response:
    """One glyph range of a basemap font; 404 for a font or range not shipped, so
    MapLibre draws those characters with the device's own fonts instead.
    """
    path = glyph_file(fontstack, glyph_range)
    if path is None:
        raise ApiError(
            404,
            "not_found",
            "No glyphs for this font and range: the map draws them with the device's fonts.",
            "このフォントと文字範囲のグリフはありません。端末のフォントで表示します。",
        )
    return Response(
        path.read_bytes(),
        media_type="application/x-protobuf",
        headers={"Cache-Control": f"public, max-age={MAX_AGE_S}"},
    )
