"""Standing orders (定期予約, the API's series): book their dates, pause and resume them.

Every date of a series' weekly pattern gets one ``SeriesOccurrenceRow``: ``booked``
(with its ride), ``unplaced`` (with the refusal's code and sentences, so staff can
see why later, not only in the answer that created it), ``paused`` (inside a pause,
e.g. a holiday) or ``cancelled``. A pause cancels the future rides in its range
with the reason; resuming books the range's future dates again where the service
still has room, and a date that cannot be placed says why, as at creation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking_api import trips
from booking_api.db import (
    AccountRow,
    BookingMetaRow,
    SeriesOccurrenceRow,
    SeriesPauseRow,
    SeriesRow,
    new_id,
)
from booking_api.errors import ApiError
from booking_api.routes.bookings import channel_of, confirm_one, with_carers
from booking_api.schemas.bookings import BookingOut, SeriesFailure, SeriesIn
from booking_api.state import AppState
from dispatch.ports import BookingEngine

CANCELLABLE = {"booked", "assigned"}


def pattern_days(row: SeriesRow, start: date, end: date) -> list[date]:
    """Return the series' weekdays from ``start`` to ``end`` (inclusive) within its period."""
    day, last = max(start, row.start_date), min(end, row.until)
    out = []
    while day <= last:
        if day.weekday() in row.weekdays:
            out.append(day)
        day += timedelta(days=1)
    return out


def occurrences(db: Session, series_id: str) -> dict[date, SeriesOccurrenceRow]:
    """Return the series' occurrence rows by date (a series older than them has rides only)."""
    rows = db.scalars(select(SeriesOccurrenceRow).where(SeriesOccurrenceRow.series_id == series_id))
    found = {r.date: r for r in rows}
    metas = db.scalars(select(BookingMetaRow).where(BookingMetaRow.series_id == series_id))
    for meta in metas:  # booked before occurrences were kept
        if meta.service_date not in found:
            found[meta.service_date] = SeriesOccurrenceRow(
                series_id=series_id, date=meta.service_date, status="booked", ride_id=meta.ride_id
            )
    return found


def _set(
    db: Session,
    state: AppState,
    series_id: str,
    day: date,
    status: str,
    *,
    ride_id: str | None = None,
    error: ApiError | None = None,
) -> None:
    row = db.scalar(
        select(SeriesOccurrenceRow).where(
            SeriesOccurrenceRow.series_id == series_id, SeriesOccurrenceRow.date == day
        )
    )
    if row is None:
        row = SeriesOccurrenceRow(series_id=series_id, date=day)
        db.add(row)
    row.status = status
    row.ride_id = ride_id if ride_id is not None else (row.ride_id if status != "booked" else None)
    row.code = error.code if error else ""
    row.message_ja = error.message_ja[:400] if error else ""
    row.message_en = error.message_en[:400] if error else ""
    row.updated_at = state.now()


def book_days(
    db: Session,
    state: AppState,
    engine: BookingEngine,
    account: AccountRow,
    row: SeriesRow,
    days: Iterable[date],
    *,
    english: bool,
    fresh: bool = False,
) -> tuple[list[BookingOut], list[SeriesFailure]]:
    """Quote and book each of ``days`` for the series' member; record each outcome.

    ``fresh`` is the series' first booking (its idempotency keys are the date's); a
    re-booking after a pause or a cancellation gets keys of its own, or the engine
    would hand back the ride cancelled before.
    """
    body = SeriesIn.model_validate(row.request)
    member = trips.find_member(db, row.member_id)
    booked: list[BookingOut] = []
    failed: list[SeriesFailure] = []
    for day in days:
        key = f"series:{row.id}:{day}" + ("" if fresh else f":{new_id()[:8]}")
        try:
            trip = trips.build_request(
                db, state, engine, member, body, day, body.time,
                channel=channel_of(account), horizon=False,
            )  # fmt: skip
            offer = trips.quote(db, state, engine, member, trip, series_id=row.id)
            offer = with_carers(db, state, member, offer, body)  # carers may ride free
            offer_row = trips.own_offer(db, offer.offer_id, None)
            ride = confirm_one(db, state, engine, account, offer_row, key)
            booked.append(trips.booking_out(db, ride))
            _set(db, state, row.id, day, "booked", ride_id=ride.ride_id)
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
            _set(db, state, row.id, day, "unplaced", error=exc)
    return booked, failed


def active_pauses(db: Session, series_id: str) -> list[SeriesPauseRow]:
    """Return the pauses of a series not yet resumed, by start date."""
    return list(
        db.scalars(
            select(SeriesPauseRow)
            .where(SeriesPauseRow.series_id == series_id, SeriesPauseRow.resumed_at.is_(None))
            .order_by(SeriesPauseRow.start_date)
        )
    )


def _cancel_ride(engine: BookingEngine, state: AppState, ride_id: str, by: str, why: str) -> bool:
    ride = engine.get_ride(ride_id)
    if str(ride.status) in CANCELLABLE and ride.pickup_window_start > state.now():
        engine.cancel(ride_id, by=by, reason=why)
        return True
    return False


def pause(
    db: Session,
    state: AppState,
    engine: BookingEngine,
    account: AccountRow,
    row: SeriesRow,
    start: date,
    end: date,
    reason: str,
) -> tuple[SeriesPauseRow, list[str]]:
    """Pause a series from ``start`` to ``end``: its dates there are not booked, and the
    future rides it holds there are cancelled with the reason; return the pause and them.
    """
    today = trips.local_date(state, state.now())
    pause_row = SeriesPauseRow(
        series_id=row.id,
        start_date=start,
        end_date=end,
        reason=reason,
        created_by=account.id,
        created_at=state.now(),
    )
    db.add(pause_row)
    db.flush()
    found = occurrences(db, row.id)
    todo = pattern_days(row, max(start, today), end)
    trips.release(db)  # the engine writes next; SQLite has one writer at a time
    cancelled, keep = [], []
    for day in todo:
        occ = found.get(day)
        if occ is not None and occ.status == "booked" and occ.ride_id:
            if not _cancel_ride(engine, state, occ.ride_id, account.id, f"series paused: {reason}"):
                continue  # already under way or done: not ours to stop
            cancelled.append(occ.ride_id)
        keep.append((day, occ.ride_id if occ else None))
    for day, ride_id in keep:
        _set(db, state, row.id, day, "paused", ride_id=ride_id)
    return pause_row, cancelled


def paused_elsewhere(pauses: list[SeriesPauseRow], day: date) -> bool:
    """Return whether ``day`` lies in one of ``pauses``."""
    return any(p.start_date <= day <= p.end_date for p in pauses)


def resume(
    db: Session,
    state: AppState,
    engine: BookingEngine,
    account: AccountRow,
    row: SeriesRow,
    pause_row: SeriesPauseRow,
    *,
    english: bool,
) -> tuple[list[BookingOut], list[SeriesFailure]]:
    """End a pause and book its future dates again (those another pause still covers wait)."""
    pause_row.resumed_at = state.now()
    db.flush()
    today = trips.local_date(state, state.now())
    others = [p for p in active_pauses(db, row.id) if p.id != pause_row.id]
    found = occurrences(db, row.id)
    days = [
        d
        for d in pattern_days(row, max(pause_row.start_date, today), pause_row.end_date)
        if not paused_elsewhere(others, d) and (found.get(d) is None or found[d].status == "paused")
    ]
    if not row.active:
        return [], []
    return book_days(db, state, engine, account, row, days, english=english)


def cancel_all(
    db: Session, state: AppState, engine: BookingEngine, account: AccountRow, row: SeriesRow,
    reason: str,
) -> list[str]:  # fmt: skip
    """Stop a series: cancel its future rides with the reason; return their ids."""
    row.active = False
    found = occurrences(db, row.id)
    trips.release(db)  # the engine writes next
    cancelled, done = [], []
    why = f"series cancelled: {reason}" if reason else "series cancelled"
    for day, occ in sorted(found.items()):
        ride_id = occ.ride_id if occ.status == "booked" else None
        if ride_id and _cancel_ride(engine, state, ride_id, account.id, why):
            cancelled.append(ride_id)
            done.append((day, ride_id))
    for day, ride_id in done:
        _set(db, state, row.id, day, "cancelled", ride_id=ride_id)
    return cancelled


def restore(
    db: Session,
    state: AppState,
    engine: BookingEngine,
    account: AccountRow,
    row: SeriesRow,
    *,
    english: bool,
) -> tuple[list[BookingOut], list[SeriesFailure]]:
    """Undo a cancellation: the series runs again and its cancelled future dates are booked
    again where possible (dates inside a pause stay paused).
    """
    row.active = True
    db.flush()
    today = trips.local_date(state, state.now())
    pauses = active_pauses(db, row.id)
    found = occurrences(db, row.id)
    days = [
        d
        for d, occ in sorted(found.items())
        if occ.status == "cancelled" and d >= today and not paused_elsewhere(pauses, d)
    ]
    return book_days(db, state, engine, account, row, days, english=english)
