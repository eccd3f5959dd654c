"""Takings: revenue per day or month by product, channel and method (JSON or CSV), and the
rides not paid, all sums of ledger rows and payment records (issue 13 §5)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from sqlalchemy import select

from booking_api import fareops
from booking_api.deps import Db, Staff, State
from booking_api.errors import ApiError
from booking_api.faredb import RidePaymentRow
from booking_api.openapi import answers
from booking_api.rules import tz
from booking_api.schemas.types import Day
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


def _revenue(db: Db, state: State, start: date, end: date, group: str) -> RevenueOut:
    if end < start:
        raise ApiError(
            422,
            "bad_range",
            "The end is before the start.",
            "終了日が開始日より前です。",
            field="to",
        )
    zone = tz(state.rules)
    picked = [e for e in fareops.entries(db) if start <= e.at.astimezone(zone).date() <= end]
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
    from_: Annotated[Day, Query(alias="from")],
    to: Annotated[Day, Query()],
    group: Annotated[Literal["day", "month"], Query()] = "day",
) -> RevenueOut:
    """Takings per day or month by product, channel (counter, online, on board) and method."""
    return _revenue(db, state, from_, to, group)


@router.get("/reports/revenue.csv", response_class=Response, responses=answers(422))
def revenue_csv(
    staff: Staff,
    db: Db,
    state: State,
    from_: Annotated[Day, Query(alias="from")],
    to: Annotated[Day, Query()],
    group: Annotated[Literal["day", "month"], Query()] = "day",
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
