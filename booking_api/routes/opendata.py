"""Monthly ridership open data for staff to download and publish (``feeds.opendata``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from booking_api import feedconfig, opendata, trips
from booking_api.deps import Db, Staff, State
from booking_api.errors import ApiError
from feeds import MonthError, parse_month, zip_feed
from feeds.source import zone_lookup

router = APIRouter(prefix="/open-data", tags=["reports"])

Month = Annotated[
    str,
    Path(
        pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
        description="A finished month, YYYY-MM (e.g. 2026-11).",
        examples=["2026-11"],
    ),
]
_ZIP: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The month's CSV tables, data dictionary, README and licence (zip)",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    },
}


@router.get("/{month}.zip", response_class=Response, responses=_ZIP)
def open_data(request: Request, staff: Staff, db: Db, state: State, month: Month) -> Response:
    """The month's ridership as open data: rides by area pair, hour and day type, on-time
    and shared-ride shares, registrations by channel; counts under the city's threshold
    suppressed; licence and data dictionary included. Only finished months.
    """
    del request, staff

    today = trips.local_date(state, state.now())
    try:
        parse_month(month)
    except MonthError as exc:  # e.g. 0000-01, which the pattern lets through
        raise ApiError(
            422,
            "bad_month",
            f"{month} is not a month; write it as YYYY-MM, e.g. 2026-11.",
            f"{month} は月として読めません。2026-11 のように指定してください。",
        ) from exc
    try:
        files = opendata.export(
            db,
            state.rules,
            feedconfig.open_data_config(state.settings),
            zone_lookup(state.settings.map_dir()),
            month,
            today,
        )
    except MonthError as exc:
        raise ApiError(
            422,
            "month_not_over",
            f"{month} is not over yet; open data is made for finished months.",
            f"{month} はまだ終わっていません。オープンデータは終わった月について作成します。",
        ) from exc
    return Response(
        zip_feed(files),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="noriai-open-data-{month}.zip"',
            "Cache-Control": "private, no-store",
        },
    )
