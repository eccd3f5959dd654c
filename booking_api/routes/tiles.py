"""The offline basemap: vector tiles at ``/tiles/{z}/{x}/{y}.pbf`` and glyphs at ``/glyphs/...``.

Tiles come from the city's PMTiles archive (``maps.tiles``; ``basemap`` in
``city.toml``), already gzip-compressed, so they are sent as stored with
``Content-Encoding: gzip`` and cached for a day (``ETag`` by the archive's size and
time, 304 on a match). The map draws Japanese names from the device's own fonts
(MapLibre's ``localIdeographFontFamily``), so the glyph route answers an empty glyph
set: no font files to license or ship.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from booking_api.deps import State
from booking_api.errors import ApiError
from booking_api.openapi import answers
from maps.tiles import PMTilesReader

router = APIRouter(tags=["basemap"])
MAX_AGE_S = 86400
_readers: dict[tuple[Path, int, int], PMTilesReader] = {}

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


@router.get("/tiles/{z}/{x}/{y}.pbf", response_class=Response, responses=_TILE)
def tile(
    request: Request,
    state: State,
    z: int = PathParam(ge=0, le=22),
    x: int = PathParam(ge=0),
    y: int = PathParam(ge=0),
) -> Response:
    """One vector tile of the city's basemap (OpenMapTiles schema); 204 where the
    archive has none, so the map simply draws nothing there.
    """
    reader = _reader(state)
    etag = f'"{id(reader):x}"'
    headers = {"Cache-Control": f"public, max-age={MAX_AGE_S}", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    data = reader.tile(z, x, y)
    if data is None:
        return Response(status_code=204, headers=headers)
    headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/vnd.mapbox-vector-tile", headers=headers)


@router.get(
    "/glyphs/{fontstack}/{glyph_range}.pbf",
    response_class=Response,
    responses={200: {"description": "An empty glyph set (names use the device's fonts)."}},
)
def glyphs(fontstack: str, glyph_range: str) -> Response:
    """An empty SDF glyph set for any font and range: labels are drawn with the
    device's fonts, so MapLibre only needs a valid answer here.
    """
    return Response(
        b"",
        media_type="application/x-protobuf",
        headers={"Cache-Control": f"public, max-age={MAX_AGE_S}"},
    )
