"""Standing orders (recurring bookings): a weekly pattern until a date, each occurrence quoted
and booked; listed per member or all, paused over a date range and resumed, cancelled and
restored, with the dates that could not be placed and why (logic in ``booking_api.standing``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from booking_api import dates, standing, trips
from booking_api.db import AccountRow, MemberRow, SeriesPauseRow, SeriesRow, audit
from booking_api.deps import Booker, Db, Engine, State
from booking_api.errors import ApiError, not_found, prefers_english
from booking_api.routes.bookings import ERRORS, acting_member, is_staff
from booking_api.schemas.bookings import SeriesCancelOut, SeriesIn, SeriesResult
from booking_api.schemas.series import (
    OccurrenceOut,
    PauseIn,
    PauseOut,
    ReasonIn,
    SeriesChangeOut,
    SeriesDetail,
    SeriesListed,
)
from booking_api.schemas.types import Line

router = APIRouter(prefix="/series", tags=["bookings"])
PAUSE_MAX_DAYS = 366


def series_listed(db: Db, row: SeriesRow) -> SeriesListed:
    """Return a series with its member and how many of its dates are booked, unplaced, paused."""
    member = db.get(MemberRow, row.member_id)
    counts = {"booked": 0, "unplaced": 0, "paused": 0}
    for occ in standing.occurrences(db, row.id).values():
        if occ.status in counts:
            counts[occ.status] += 1
    return SeriesListed(
        id=row.id,
        member_id=row.member_id,
        member_number=member.member_number if member else None,
        member_name=member.name if member else "",
        weekdays=list(row.weekdays),
        time=row.time,
        time_mode=row.time_mode,
        start_date=row.start_date,
        until=row.until,
        from_label=row.from_label,
        to_label=row.to_label,
        active=row.active,
        **counts,
    )


def series_detail(db: Db, row: SeriesRow, english: bool) -> SeriesDetail:
    """Return a series with each of its dates (and why one was not placed) and its pauses."""
    occs = [
        OccurrenceOut(
            date=o.date,
            status=o.status,
            ride_id=o.ride_id,
            code=o.code or "",
            message=(o.message_en if english else o.message_ja) or "",
            message_ja=o.message_ja or "",
            message_en=o.message_en or "",
        )
        for _, o in sorted(standing.occurrences(db, row.id).items())
    ]
    pauses = db.scalars(
        select(SeriesPauseRow)
        .where(SeriesPauseRow.series_id == row.id)
        .order_by(SeriesPauseRow.start_date)
    )
    return SeriesDetail(
        **series_listed(db, row).model_dump(),
        occurrences=occs,
        pauses=[
            PauseOut(
                id=p.id,
                start_date=p.start_date,
                end_date=p.end_date,
                reason=p.reason,
                resumed=p.resumed_at is not None,
            )
            for p in pauses
        ],
    )


def _own_series(db: Db, account: AccountRow, series_id: str) -> SeriesRow:
    row = db.get(SeriesRow, series_id)
    if row is None or (not is_staff(account) and row.member_id != account.member_id):
        raise not_found("series", "定期予約")
    return row


def _audit(
    db: Db, state: State, account: AccountRow, action: str, row: SeriesRow, **after: Any
) -> None:
    if is_staff(account):
        audit(db, account.id, action, "series", row.id, None, after, state.now())


@router.post("", status_code=201, responses=ERRORS)
def book_series(
    body: SeriesIn, request: Request, account: Booker, db: Db, state: State, engine: Engine
) -> SeriesResult:
    """Book every occurrence of a weekly pattern (starting today or within a year, for at most
    62 days); occurrences that cannot be booked are listed, and kept with the series.
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
    days = standing.pattern_days(row, row.start_date, row.until)
    booked, failed = standing.book_days(
        db, state, engine, account, row, days, english=prefers_english(request), fresh=True
    )
    _audit(db, state, account, "series.create", row, member_id=member.id,
           booked=len(booked), failed=[f.date.isoformat() for f in failed])  # fmt: skip
    db.commit()
    return SeriesResult(series_id=row.id, booked=booked, failed=failed)


@router.get("", responses={422: {}})
def list_series(
    account: Booker,
    db: Db,
    member_id: Annotated[
        Line | None, Query(max_length=64, description="Staff: one member's series only.")
    ] = None,
    member: Annotated[
        Line | None, Query(max_length=64, description="Staff: the same, by id or member number.")
    ] = None,
) -> list[SeriesListed]:
    """List standing orders, newest first (residents: their own; staff: all or one member's)."""
    who = member_id or member if is_staff(account) else account.member_id
    if who is not None and is_staff(account):
        by_number = db.scalar(select(MemberRow.id).where(MemberRow.member_number == who))
        who = by_number or who
    return [series_listed(db, r) for r in trips.series_rows(db, who)]


@router.get("/{series_id}", responses={404: {}})
def get_series(series_id: str, request: Request, account: Booker, db: Db) -> SeriesDetail:
    """A standing order with each date (booked, unplaced and why, paused, cancelled) and its
    pauses."""
    return series_detail(db, _own_series(db, account, series_id), prefers_english(request))


@router.post("/{series_id}/pause", responses=ERRORS)
def pause_series(
    series_id: str, body: PauseIn, request: Request, account: Booker, db: Db, state: State,
    engine: Engine,
) -> SeriesChangeOut:  # fmt: skip
    """Pause a standing order over a date range (e.g. a holiday): its dates there are not
    booked and the future rides there are cancelled with the reason; resume undoes it.

    409 ``series_cancelled``; 422 ``bad_period`` (the end before the start, or over a year).
    """
    row = _own_series(db, account, series_id)
    if not row.active:
        raise _cancelled()
    if body.end_date < body.start_date or (body.end_date - body.start_date).days > PAUSE_MAX_DAYS:
        raise ApiError(
            422,
            "bad_period",
            f"The pause must end on or after its start and last at most {PAUSE_MAX_DAYS} days.",
            f"休止期間は開始日以降、{PAUSE_MAX_DAYS}日以内で指定してください。",
        )
    pause, cancelled = standing.pause(
        db, state, engine, account, row, body.start_date, body.end_date, body.reason
    )
    _audit(db, state, account, "series.pause", row, pause_id=pause.id,
           start_date=body.start_date.isoformat(), end_date=body.end_date.isoformat(),
           reason=body.reason, cancelled=cancelled)  # fmt: skip
    db.commit()
    out = series_detail(db, row, prefers_english(request))
    return SeriesChangeOut(series=out, cancelled=cancelled)


def _cancelled() -> ApiError:
    return ApiError(
        409,
        "series_cancelled",
        "This standing order is cancelled.",
        "この定期予約は取り消されています。",
    )


@router.post("/{series_id}/pauses/{pause_id}/resume", responses=ERRORS)
def resume_series(
    series_id: str, pause_id: str, request: Request, account: Booker, db: Db, state: State,
    engine: Engine,
) -> SeriesChangeOut:  # fmt: skip
    """End a pause: its future dates are booked again where possible; the others say why.

    409 ``already_resumed``.
    """
    row = _own_series(db, account, series_id)
    pause = db.get(SeriesPauseRow, pause_id)
    if pause is None or pause.series_id != row.id:
        raise not_found("pause", "休止")
    if pause.resumed_at is not None:
        raise ApiError(
            409,
            "already_resumed",
            "This pause has already ended.",
            "この休止はすでに再開されています。",
        )
    english = prefers_english(request)
    booked, failed = standing.resume(db, state, engine, account, row, pause, english=english)
    _audit(db, state, account, "series.resume", row, pause_id=pause.id, booked=len(booked),
           failed=[f.date.isoformat() for f in failed])  # fmt: skip
    db.commit()
    return SeriesChangeOut(series=series_detail(db, row, english), booked=booked, failed=failed)


@router.post("/{series_id}/cancel", responses=ERRORS)
def cancel_series(
    series_id: str, account: Booker, db: Db, state: State, engine: Engine,
    body: ReasonIn | None = None,
) -> SeriesCancelOut:  # fmt: skip
    """Stop a series and cancel its future bookings (staff give the reason; restore undoes it)."""
    row = _own_series(db, account, series_id)
    reason = body.reason if body and body.reason else ""
    cancelled = standing.cancel_all(db, state, engine, account, row, reason)
    _audit(db, state, account, "series.cancel", row, cancelled=cancelled, reason=reason)
    db.commit()
    return SeriesCancelOut(cancelled=cancelled)


@router.post("/{series_id}/restore", responses=ERRORS)
def restore_series(
    series_id: str, body: ReasonIn, request: Request, account: Booker, db: Db, state: State,
    engine: Engine,
) -> SeriesChangeOut:  # fmt: skip
    """Undo a cancellation (staff): the series runs again and its cancelled future dates are
    booked again where possible. 403 for residents; 409 ``series_active``.
    """
    row = _own_series(db, account, series_id)
    if not is_staff(account):
        raise ApiError(403, "forbidden", "You may not do this.", "この操作を行う権限がありません。")
    if row.active:
        raise ApiError(
            409,
            "series_active",
            "This standing order is not cancelled.",
            "この定期予約は取り消されていません。",
        )
    english = prefers_english(request)
    booked, failed = standing.restore(db, state, engine, account, row, english=english)
    _audit(db, state, account, "series.restore", row, reason=body.reason or "",
           booked=len(booked), failed=[f.date.isoformat() for f in failed])  # fmt: skip
    db.commit()
    return SeriesChangeOut(series=series_detail(db, row, english), booked=booked, failed=failed)
