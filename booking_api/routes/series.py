"""Recurring bookings: a weekly pattern until a date, each occurrence quoted and booked."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from sqlalchemy import select

from booking_api import dates, trips
from booking_api.db import BookingMetaRow, SeriesRow, audit
from booking_api.deps import Booker, Db, Engine, State
from booking_api.errors import ApiError, not_found, prefers_english
from booking_api.routes.bookings import ERRORS, acting_member, channel_of, confirm_one, is_staff
from booking_api.schemas.bookings import (
    BookingOut,
    SeriesCancelOut,
    SeriesFailure,
    SeriesIn,
    SeriesOut,
    SeriesResult,
)

router = APIRouter(prefix="/series", tags=["bookings"])


def series_out(row: SeriesRow) -> SeriesOut:
    """Return a series for the API."""
    return SeriesOut(
        id=row.id,
        member_id=row.member_id,
        weekdays=list(row.weekdays),
        time=row.time,
        time_mode=row.time_mode,
        start_date=row.start_date,
        until=row.until,
        from_label=row.from_label,
        to_label=row.to_label,
        active=row.active,
    )


@router.post("", status_code=201, responses=ERRORS)
def book_series(
    body: SeriesIn, request: Request, account: Booker, db: Db, state: State, engine: Engine
) -> SeriesResult:
    """Book every occurrence of a weekly pattern (starting today or within a year, for at most
    62 days); occurrences that cannot be booked are listed.
    """
    dates.series_start("body.start_date", body.start_date, trips.local_date(state, state.now()))
    dates.series_period(body.start_date, body.until)
    member = acting_member(db, account, body.member_id)
    if member.status != "approved":
        raise ApiError(
            403,
            "member_not_approved",
            "This member is not approved yet.",
            "この会員はまだ承認されていません。",
        )
    origin = trips.resolve_place(db, state, member, body.from_)
    dest = trips.resolve_place(db, state, member, body.to)
    row = SeriesRow(
        member_id=member.id,
        weekdays=sorted(set(body.weekdays)),
        time=body.time,
        time_mode=body.time_mode,
        start_date=body.start_date,
        until=body.until,
        request=body.model_dump(mode="json", by_alias=True),
        from_label=origin.label,
        to_label=dest.label,
        active=True,
        created_at=state.now(),
    )
    db.add(row)
    db.flush()
    series_id = row.id
    booked: list[BookingOut] = []
    failed: list[SeriesFailure] = []
    english = prefers_english(request)
    day = body.start_date
    while day <= body.until:
        if day.weekday() in row.weekdays:
            try:
                trip = trips.build_request(
                    db,
                    state,
                    engine,
                    member,
                    body,
                    day,
                    body.time,
                    channel=channel_of(account),
                    horizon=False,
                )
                offer = trips.quote(db, state, engine, member, trip, series_id=series_id)
                offer_row = trips.own_offer(db, offer.offer_id, None)
                ride = confirm_one(
                    db, state, engine, account, offer_row, f"series:{series_id}:{day}"
                )
                booked.append(trips.booking_out(db, ride))
            except ApiError as exc:
                failed.append(
                    SeriesFailure(
                        date=day,
                        code=exc.code,
                        message=exc.message_en if english else exc.message_ja,
                        message_ja=exc.message_ja,
                        message_en=exc.message_en,
                    )
                )
        day += timedelta(days=1)
    if is_staff(account):
        audit(
            db,
            account.id,
            "series.create",
            "series",
            series_id,
            None,
            {"booked": len(booked), "failed": len(failed)},
            state.now(),
        )
    db.commit()
    return SeriesResult(series_id=series_id, booked=booked, failed=failed)


@router.get("")
def list_series(account: Booker, db: Db) -> list[SeriesOut]:
    """List recurring bookings (residents: their own)."""
    return [
        series_out(r)
        for r in trips.series_rows(db, None if is_staff(account) else account.member_id)
    ]


@router.post("/{series_id}/cancel", responses=ERRORS)
def cancel_series(
    series_id: str, account: Booker, db: Db, state: State, engine: Engine
) -> SeriesCancelOut:
    """Stop a series and cancel its future bookings."""
    row = db.get(SeriesRow, series_id)
    if row is None or (not is_staff(account) and row.member_id != account.member_id):
        raise not_found("series", "定期予約")
    row.active = False
    ride_ids = list(
        db.scalars(select(BookingMetaRow.ride_id).where(BookingMetaRow.series_id == series_id))
    )
    now = state.now()
    trips.release(db)
    cancelled = []
    for ride_id in ride_ids:
        ride = engine.get_ride(ride_id)
        if ride.status in {"booked", "assigned"} and ride.pickup_window_start > now:
            engine.cancel(ride_id, by=account.id, reason="series cancelled")
            cancelled.append(ride_id)
    if is_staff(account):
        audit(
            db,
            account.id,
            "series.cancel",
            "series",
            series_id,
            None,
            {"cancelled": cancelled},
            now,
        )
    db.commit()
    return SeriesCancelOut(cancelled=cancelled)
