"""Takings: revenue per day or month by product, channel and method (JSON or CSV), and the
rides not paid, all sums of ledger rows and payment records (issue 13 §5).

The fare reports for the city live here too: rides by fare category, the unpaid rides
listed for the office with the reason, and the subsidy picture (operating cost per
passenger and the subsidy need), each as JSON and as CSV (UTF-8 with BOM, times in the
city's zone). Figures are ``fares.reports``'; their facts come from ``booking_api.farefacts``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from sqlalchemy import select

from booking_api import dates, farefacts, trips
from booking_api.deps import Db, Staff, State
from booking_api.errors import ApiError
from booking_api.faredb import RidePaymentRow
from booking_api.openapi import answers
from booking_api.rules import tz
from booking_api.schemas.farereports import (
    CategoriesOut,
    CategoryRowOut,
    SubsidyOut,
    SubsidyRowOut,
    UnpaidOut,
    UnpaidRideOut,
    VehicleDayOut,
)
from booking_api.schemas.types import DAY_RANGE, Day
from booking_api.state import AppState
from fares import reports as figures
from fares.ledger import Entry, totals_by

router = APIRouter(tags=["reports"])


class RevenueRow(BaseModel):
    """Net yen of one period, product, channel and method."""

    period: str
    product_id: str
    channel: str
    method: str
    yen: int


class RevenueOut(BaseModel):
    """Revenue rows, their total, and the rides not paid in the period."""

    rows: list[RevenueRow]
    total_yen: int
    unpaid_rides: int
    unpaid_yen: int


MAX_DAYS = 92  # a range by day: as the other reports (booking_api.routes.reports)
MAX_MONTH_DAYS = 366  # by month: a fiscal year (April to March), as the city reports it
_RANGE = (
    f"{DAY_RANGE} At most a year ahead; from start to end at most {MAX_DAYS} days by day,"
    f" {MAX_MONTH_DAYS} by month."
)
From = Annotated[Day, Query(alias="from", description=f"First service day. {_RANGE}")]
To = Annotated[Day, Query(description=f"Last service day. {_RANGE}")]
Group = Annotated[
    Literal["day", "month"], Query(description="One row per day or per month (Asia/Tokyo).")
]
CSV_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV file"},
    **answers(422),
}


def fare_range(state: AppState, start: date, end: date, group: str) -> None:
    """Refuse a range outside the reports' days, ending before it starts, or too long (422).

    Both ends lie between the first possible service day and a year ahead (as
    every report's, ``booking_api.dates``); by day the range is at most
    ``MAX_DAYS`` days, by month at most ``MAX_MONTH_DAYS`` (a fiscal year).
    """
    today = trips.local_date(state, state.now())
    dates.report_day("query.from", start, today)
    dates.report_day("query.to", end, today)
    if end < start:
        raise ApiError(
            422,
            "bad_range",
            "The end is before the start.",
            "終了日が開始日より前です。",
            field="to",
        )
    longest = MAX_MONTH_DAYS if group == "month" else MAX_DAYS
    if (end - start).days >= longest:
        raise ApiError(
            422,
            "bad_period",
            f"Choose a period of at most {longest} days.",
            f"期間は{longest}日以内で指定してください。",
            field="to",
        )


def _revenue(db: Db, state: State, start: date, end: date, group: str) -> RevenueOut:
    fare_range(state, start, end, group)
    zone = tz(state.rules)
    picked = farefacts.ledger_entries(db, start, end, zone)  # the local days' rows, in SQL
    width = 7 if group == "month" else 10

    def key(e: Entry) -> str:
        day = e.at.astimezone(zone).date().isoformat()[:width]
        return "\t".join((day, e.product_id, e.channel.value, e.method.value))

    sums = totals_by(picked, key)
    rows = [
        RevenueRow(
            **dict(zip(("period", "product_id", "channel", "method"), k.split("\t"), strict=True)),
            yen=v,
        )
        for k, v in sorted(sums.items())
    ]
    unpaid = list(
        db.scalars(
            select(RidePaymentRow).where(
                RidePaymentRow.method == "not_paid",
                RidePaymentRow.service_date >= start,
                RidePaymentRow.service_date <= end,
            )
        )
    )
    return RevenueOut(
        rows=rows,
        total_yen=sum(sums.values()),
        unpaid_rides=len(unpaid),
        unpaid_yen=sum(p.due_yen for p in unpaid),
    )


@router.get("/reports/revenue", responses=answers(422))
def revenue(
    staff: Staff,
    db: Db,
    state: State,
    from_: From,
    to: To,
    group: Group = "day",
) -> RevenueOut:
    """Takings per day or month by product, channel (counter, online, on board) and method."""
    return _revenue(db, state, from_, to, group)


@router.get("/reports/revenue.csv", response_class=Response, responses=CSV_ANSWERS)
def revenue_csv(
    staff: Staff,
    db: Db,
    state: State,
    from_: From,
    to: To,
    group: Group = "day",
) -> Response:
    """The same takings as CSV (UTF-8 with BOM, so spreadsheet programs read the Japanese)."""
    out = _revenue(db, state, from_, to, group)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["period", "product_id", "channel", "method", "yen"])
    for r in out.rows:
        w.writerow([r.period, r.product_id, r.channel, r.method, r.yen])
    w.writerow(["total", "", "", "", out.total_yen])
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8")


# -- the fare reports for the city ----------------------------------------------------------
def _local(t: datetime | None, zone: ZoneInfo) -> str:
    """A time in the city's zone with its offset, as the CSVs give it ('' if none)."""
    return "" if t is None else t.astimezone(zone).isoformat(timespec="seconds")


def _csv(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """A CSV download: UTF-8 with a BOM (Excel in Japan reads it), CRLF, a file name."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if x is None else x for x in row])
    return Response(
        "\ufeff" + buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _categories(db: Db, state: AppState, start: date, end: date, group: str) -> CategoriesOut:
    fare_range(state, start, end, group)
    rides = farefacts.completed_rides(db, start, end)
    table = state.rules.fares.table
    rows, totals = figures.by_category(rides, table.categories if table else (), group)
    return CategoriesOut(
        start=start,
        end=end,
        group=group,  # type: ignore[arg-type]
        rows=[CategoryRowOut(**vars(r)) for r in rows],
        totals=[CategoryRowOut(**vars(r)) for r in totals],
    )


@router.get("/reports/rides-by-category", responses=answers(422))
def rides_by_category(
    staff: Staff, db: Db, state: State, from_: From, to: To, group: Group = "day"
) -> CategoriesOut:
    """Completed rides and people carried per fare category (general, senior, disability ...).

    The category is the one the ride's fare was priced with (kept with the
    booking; the member's category now only for a booking without one);
    companions and carers ride in the member's party and are counted in
    ``passengers``. ``totals`` has every category of the city file, 0 when
    none rode.
    """
    return _categories(db, state, from_, to, group)


@router.get("/reports/rides-by-category.csv", response_class=Response, responses=CSV_ANSWERS)
def rides_by_category_csv(
    staff: Staff, db: Db, state: State, from_: From, to: To, group: Group = "day"
) -> Response:
    """Rides by fare category as CSV: one row per period and category, then the totals."""
    out = _categories(db, state, from_, to, group)
    cols = ("period", "category", "rides", "passengers", "companions", "carers", "fare_yen")
    rows = [[getattr(r, c) for c in cols] for r in [*out.rows, *out.totals]]
    return _csv(f"noriai-rides-by-category-{group}-{from_}-{to}.csv", cols, rows)


def _unpaid(db: Db, state: AppState, start: date, end: date) -> UnpaidOut:
    fare_range(state, start, end, "day")
    reasons = {r.code: r for r in state.rules.fares.payment.not_paid_reasons}
    out = []
    for u in figures.unpaid(farefacts.completed_rides(db, start, end)):
        why = reasons.get(u.reason)
        out.append(
            UnpaidRideOut(
                **vars(u),
                reason_ja=why.ja if why else ("支払い記録なし" if u.kind == "no_record" else ""),
                reason_en=why.en if why else ("No payment record" if u.kind == "no_record" else ""),
            )
        )
    return UnpaidOut(
        start=start, end=end, rides=out, count=len(out), fare_yen=sum(u.fare_yen for u in out)
    )


@router.get("/reports/unpaid-rides", responses=answers(422))
def unpaid_rides(staff: Staff, db: Db, state: State, from_: From, to: To) -> UnpaidOut:
    """Completed rides whose fare was not paid (with the driver's reason) or never recorded.

    For the office to settle: ``kind`` is ``not_paid`` (the driver recorded
    "not paid" and why) or ``no_record`` (dropped off without a payment record,
    possible where the city file does not require one).
    """
    return _unpaid(db, state, from_, to)


@router.get("/reports/unpaid-rides.csv", response_class=Response, responses=CSV_ANSWERS)
def unpaid_rides_csv(staff: Staff, db: Db, state: State, from_: From, to: To) -> Response:
    """The unpaid rides as CSV (drop-off times in the city's zone with their offset)."""
    out = _unpaid(db, state, from_, to)
    zone = tz(state.rules)
    cols = (
        "service_date", "ride_id", "member_number", "vehicle_id", "fare_yen", "kind", "reason",
        "reason_ja", "recorded_by", "dropped_off_at", "fare_rules",
    )  # fmt: skip
    rows = [
        [u.service_date.isoformat(), u.ride_id, u.member_number, u.vehicle_id, u.fare_yen,
         u.kind, u.reason, u.reason_ja, u.recorded_by, _local(u.dropped_off_at, zone),
         u.fare_rules]
        for u in out.rides
    ]  # fmt: skip
    rows.append(["total", "", "", "", out.fare_yen, "", "", "", "", "", ""])
    return _csv(f"noriai-unpaid-rides-{from_}-{to}.csv", cols, rows)


def _subsidy(db: Db, state: AppState, start: date, end: date, group: str) -> SubsidyOut:
    fare_range(state, start, end, group)
    zone = tz(state.rules)
    rate = state.rules.fares.payment.cost_per_vehicle_hour_yen
    service = farefacts.service_times(db, start, end)
    rows, total = figures.subsidy(
        service,
        farefacts.completed_rides(db, start, end),
        farefacts.ledger_entries(db, start, end, zone),
        cost_per_vehicle_hour_yen=rate,
        group=group,
        local_day=lambda t: t.astimezone(zone).date(),
    )
    return SubsidyOut(
        start=start,
        end=end,
        group=group,  # type: ignore[arg-type]
        cost_per_vehicle_hour_yen=rate,
        hours_basis="operated",
        rows=[SubsidyRowOut(**vars(r)) for r in rows],
        total=SubsidyRowOut(**vars(total)),
        vehicle_days=[
            VehicleDayOut(
                service_date=v.service_date,
                vehicle_id=v.vehicle_id,
                basis=v.basis,  # type: ignore[arg-type]
                start_at=v.start_at,
                end_at=v.end_at,
                break_s=v.break_s,
                service_s=v.service_s,
                scheduled_s=v.scheduled_s if v.scheduled_s is not None else v.service_s,
            )
            for v in service
        ],
    )


@router.get("/reports/subsidy", responses=answers(422))
def subsidy(
    staff: Staff, db: Db, state: State, from_: From, to: To, group: Group = "month"
) -> SubsidyOut:
    """Operating cost per passenger and the subsidy need (運行経費・補助額), per period.

    Cost = the city file's ``cost_per_vehicle_hour_yen`` × the vehicle-hours
    in service: each shift as operated, from the driver's sign-on to sign-off
    on the tablet (``POST /driver/shift``), minus its break (the hours the city
    pays the operator for, driving or waiting); where the tablet recorded no
    time the scheduled start or end counts instead, and ``vehicle_days`` says
    which figure each vehicle-day used. Passengers are the
    people on completed rides; revenue is the ledger's net yen of the period
    (sales of tickets and passes when sold, fares taken on board); the subsidy
    need is cost − revenue.
    """
    return _subsidy(db, state, from_, to, group)


@router.get("/reports/subsidy.csv", response_class=Response, responses=CSV_ANSWERS)
def subsidy_csv(
    staff: Staff, db: Db, state: State, from_: From, to: To, group: Group = "month"
) -> Response:
    """The subsidy picture as CSV: one row per period, then the total (with how many
    vehicle-days were counted as operated and how many as scheduled)."""
    out = _subsidy(db, state, from_, to, group)
    cols = (
        "period", "vehicle_hours", "passengers", "rides", "cost_yen", "revenue_yen",
        "subsidy_yen", "cost_per_passenger_yen", "revenue_per_passenger_yen", "farebox_ratio",
        "vehicle_days", "vehicle_days_actual", "vehicle_days_scheduled",
    )  # fmt: skip
    rows = [[getattr(r, c) for c in cols] for r in [*out.rows, out.total]]
    name = f"noriai-subsidy-{group}-{from_}-{to}.csv"
    return _csv(name, (*cols, "cost_per_vehicle_hour_yen"),
                [[*r, out.cost_per_vehicle_hour_yen] for r in rows])  # fmt: skip


@router.get("/reports/subsidy-vehicle-days.csv", response_class=Response, responses=CSV_ANSWERS)
def subsidy_vehicle_days_csv(staff: Staff, db: Db, state: State, from_: From, to: To) -> Response:
    """The vehicle-days behind the subsidy's hours as CSV: each vehicle's shift of each day,
    the start and end counted (in the city's zone), the break, the seconds, and ``basis``:
    ``actual`` (the driver's sign-on to sign-off), ``actual_start`` / ``actual_end`` (that
    end recorded, the other as scheduled) or ``scheduled`` (no time recorded)."""
    out = _subsidy(db, state, from_, to, "month")  # as long a range as the report by month
    zone = tz(state.rules)
    cols = (
        "service_date", "vehicle_id", "basis", "start_at", "end_at", "break_s", "service_s",
        "vehicle_hours", "scheduled_s",
    )  # fmt: skip
    rows = [
        [v.service_date.isoformat(), v.vehicle_id, v.basis,
         _local(v.start_at, zone), _local(v.end_at, zone), v.break_s, v.service_s,
         round(v.service_s / 3600, 2), v.scheduled_s]
        for v in out.vehicle_days
    ]  # fmt: skip
    return _csv(f"noriai-subsidy-vehicle-days-{from_}-{to}.csv", cols, rows)
