"""Reports for operators and the city: a days table, totals, member channels, CSV download."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import func, select

from booking_api import dates, reports, trips
from booking_api.db import MemberRow
from booking_api.deps import Db, Engine, Staff, State
from booking_api.errors import ApiError
from booking_api.schemas.types import DAY_RANGE, Day

router = APIRouter(prefix="/reports", tags=["reports"])
MAX_DAYS = 92
ONLINE_TARGET = 0.2


def _range(state: State, start: date | None, end: date | None) -> tuple[date, date]:
    today = trips.local_date(state, state.now())
    end = end or today
    start = start or end - timedelta(days=29)
    dates.report_day("query.start", start, today)
    dates.report_day("query.end", end, today)
    if start > end or (end - start).days >= MAX_DAYS:
        raise ApiError(
            422,
            "bad_period",
            f"Choose a period of 1 to {MAX_DAYS} days (start before end).",
            f"期間は開始日から終了日まで {MAX_DAYS} 日以内で指定してください。",
        )
    return start, end


def _days(engine: Engine, start: date, end: date) -> list[reports.DayFigures]:
    out = []
    day = start
    while day <= end:
        out.append(reports.day_figures(day, engine.list_rides(service_date=day)))
        day += timedelta(days=1)
    return out


_RANGE = f"{DAY_RANGE} At most a year ahead; at most {MAX_DAYS} days from start to end."
Start = Annotated[Day | None, Query(description=f"First day (default: end - 29 days). {_RANGE}")]
End = Annotated[Day | None, Query(description=f"Last day (default: today). {_RANGE}")]


@router.get("/summary", responses={422: {}, 503: {}})
def summary(
    staff: Staff, db: Db, state: State, engine: Engine, start: Start = None, end: End = None
) -> dict[str, Any]:
    """Rides per day, shared-ride share, occupancy, no-shows, and the online-registration share."""
    first, last = _range(state, start, end)
    days = _days(engine, first, last)
    counts = dict(
        db.execute(
            select(MemberRow.channel, func.count())
            .where(MemberRow.status == "approved")
            .group_by(MemberRow.channel)
        ).all()
    )
    approved = sum(counts.values())
    served = sum(d.rides for d in days)
    totals = {
        "rides": served,
        "completed": sum(d.completed for d in days),
        "cancelled": sum(d.cancelled for d in days),
        "late_cancellations": sum(d.late_cancellations for d in days),
        "no_shows": sum(d.no_shows for d in days),
        "shared_share": round(sum(d.shared_share * d.rides for d in days) / served, 4)
        if served
        else 0.0,
        "occupancy": round(sum(d.occupancy * d.rides for d in days) / served, 3) if served else 0.0,
    }
    online = int(counts.get("online", 0))
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "days": [d.as_dict() for d in days],
        "totals": totals,
        "members": {
            "approved": approved,
            "online": online,
            "phone": int(counts.get("phone", 0)),
            "counter": int(counts.get("counter", 0)),
            "online_share": round(online / approved, 4) if approved else 0.0,
            "online_target": ONLINE_TARGET,
        },
    }


@router.get("/rides.csv", responses={200: {"content": {"text/csv": {}}}, 422: {}, 503: {}})
def rides_csv(
    staff: Staff, state: State, engine: Engine, start: Start = None, end: End = None
) -> Response:
    """The days table as CSV (UTF-8 with BOM for spreadsheets)."""
    first, last = _range(state, start, end)
    text = reports.csv_text(_days(engine, first, last))
    filename = f"noriai-rides-{first}-{last}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
