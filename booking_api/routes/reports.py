"""Reports for operators and the city: figures by day, area, vehicle or channel; CSV files.

The figures are ``dispatch.kpi``'s; ``booking_api.reports`` gathers their input
and writes the CSV files. Days without service are left out (and listed).
"""

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
from booking_api.rules import tz
from booking_api.schemas.types import DAY_RANGE, Day
from booking_api.state import AppState
from dispatch.domain import Ride
from dispatch.kpi import GroupBy, Report, RideFacts

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


def _report(
    db: Db, state: AppState, engine: Engine, first: date, last: date, by: GroupBy
) -> tuple[Report, list[RideFacts], list[Ride]]:
    return reports.build(
        db,
        engine,
        state.city_map,
        first=first,
        last=last,
        by=by,
        zone=tz(state.rules),
        service_day=state.rules.calendar.is_service_day,
    )


_RANGE = f"{DAY_RANGE} At most a year ahead; at most {MAX_DAYS} days from start to end."
Start = Annotated[Day | None, Query(description=f"First day (default: end - 29 days). {_RANGE}")]
End = Annotated[Day | None, Query(description=f"Last day (default: today). {_RANGE}")]
By = Annotated[
    GroupBy,
    Query(description="Group the figures by service day, pickup area, vehicle or channel."),
]


@router.get("/summary", responses={422: {}, 503: {}})
def summary(
    staff: Staff,
    db: Db,
    state: State,
    engine: Engine,
    start: Start = None,
    end: End = None,
    by: By = GroupBy.DAY,
) -> dict[str, Any]:
    """Punctuality, waits, ride times, refusals, no-shows, sharing and occupancy, grouped ``by``.

    ``days`` always has one row per service day (for the charts); ``groups``
    the chosen grouping; ``totals`` the whole period; ``skipped_days`` the
    days without service, left out of every figure.
    """
    first, last = _range(state, start, end)
    rep, _, _ = _report(db, state, engine, first, last, by)
    days = rep if by is GroupBy.DAY else _report(db, state, engine, first, last, GroupBy.DAY)[0]
    counts = dict(
        db.execute(
            select(MemberRow.channel, func.count())
            .where(MemberRow.status == "approved")
            .group_by(MemberRow.channel)
        ).all()
    )
    approved = sum(counts.values())
    online = int(counts.get("online", 0))
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "by": by.value,
        "days": [{"date": g.key, **reports.group_dict(g)} for g in days.groups],
        "groups": [reports.group_dict(g) for g in rep.groups],
        "totals": reports.group_dict(rep.totals),
        "skipped_days": [d.isoformat() for d in rep.skipped_days],
        "members": {
            "approved": approved,
            "online": online,
            "phone": int(counts.get("phone", 0)),
            "counter": int(counts.get("counter", 0)),
            "online_share": round(online / approved, 4) if approved else 0.0,
            "online_target": ONLINE_TARGET,
        },
    }


def _csv_response(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


_CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}, 422: {}, 503: {}}


@router.get("/summary.csv", responses=_CSV)
def summary_csv(
    staff: Staff,
    db: Db,
    state: State,
    engine: Engine,
    start: Start = None,
    end: End = None,
    by: By = GroupBy.DAY,
) -> Response:
    """The summary as CSV, one row per group (UTF-8 with BOM for spreadsheets)."""
    first, last = _range(state, start, end)
    rep, _, _ = _report(db, state, engine, first, last, by)
    return _csv_response(reports.summary_csv(rep), f"noriai-summary-{by.value}-{first}-{last}.csv")


@router.get("/rides.csv", responses=_CSV)
def rides_csv(
    staff: Staff, db: Db, state: State, engine: Engine, start: Start = None, end: End = None
) -> Response:
    """One row per ride: ids, member number, channel, area, vehicle, times (local, with offset),
    wait, ride time, deviation from the promise, shared or not, outcome (UTF-8 with BOM)."""
    first, last = _range(state, start, end)
    rep, facts, rides = _report(db, state, engine, first, last, GroupBy.DAY)
    text = reports.rides_csv(db, rep, facts, rides, tz(state.rules))
    return _csv_response(text, f"noriai-rides-{first}-{last}.csv")
