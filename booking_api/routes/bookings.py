"""Quotes, confirmations (idempotent), listing, cancellation and modification of bookings.

Residents act for themselves; operators and admins for any member (phone
bookings). Only the ``BookingEngine`` port is called; the engine serialises
confirmations so two people taking the last place get one booking and one 409.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking_api import errors, fareops, noshow, trips
from booking_api.db import AccountRow, BookingMetaRow, IdempotencyRow, MemberRow, OfferRow, audit
from booking_api.deps import Booker, Db, Engine, State
from booking_api.errors import ApiError, not_found
from booking_api.schemas.bookings import (
    BookingOut,
    CancelIn,
    ConfirmIn,
    ConfirmOut,
    ModifyConfirmIn,
    OfferOut,
    QuoteIn,
    QuoteOut,
    TripIn,
)
from booking_api.schemas.types import Day
from booking_api.state import AppState
from dispatch.domain import (
    Channel,
    IllegalTransition,
    LimitReached,
    NoCapacity,
    OfferExpired,
    OfferTaken,
    Ride,
    RideStatus,
    UnknownRide,
)
from dispatch.ports import BookingEngine
from dispatch.store.repo import without_waiting_for_disk
from fares.choice import PayChoice
from fares.products import PayOption

router = APIRouter(tags=["bookings"])
LIVE = {RideStatus.ASSIGNED, RideStatus.EN_ROUTE, RideStatus.ARRIVED, RideStatus.ON_BOARD}
ERRORS: dict[int | str, dict[str, Any]] = {404: {}, 409: {}, 422: {}, 503: {}}


def is_staff(account: AccountRow) -> bool:
    """Return whether the account books for others (operator or admin)."""
    return account.role in {"operator", "admin"}


def acting_member(db: Db, account: AccountRow, member_id: str | None) -> MemberRow:
    """Return the member a request is for: the resident themself, or the one staff named."""
    if not is_staff(account):
        row = db.get(MemberRow, account.member_id) if account.member_id else None
    elif member_id is None:
        raise ApiError(
            422,
            "member_required",
            "Choose the member to book for.",
            "予約する会員を選んでください。",
        )
    else:
        row = db.get(MemberRow, member_id)
    if row is None:
        raise not_found("member", "会員")
    return row


def channel_of(account: AccountRow) -> Channel:
    """Return how a booking reached us: residents online, staff by phone."""
    return Channel.PHONE if is_staff(account) else Channel.ONLINE


def visible_ride(engine: BookingEngine, account: AccountRow, ride_id: str) -> Ride:
    """Return a ride the account may see; another member's ride is a 404."""
    try:
        ride = engine.get_ride(ride_id)
    except UnknownRide as exc:
        raise not_found("booking", "予約") from exc
    if not is_staff(account) and ride.request.member_id != account.member_id:
        raise not_found("booking", "予約")
    return ride


def with_carers(
    db: Db, state: AppState, member: MemberRow, offer: OfferOut, trip: TripIn
) -> OfferOut:
    """Return ``offer`` with its fare counting the party's carers as the city file says.

    The fare of an offer is what the booking will cost, so the stored offer is
    corrected too (carers may ride free, companions pay).
    """
    row = trips.offer_row(db, offer.offer_id)
    if row is not None:
        row.carers = trip.carers  # the booking keeps them, so a change starts from them
    if trip.carers == 0:
        return offer
    fare = fareops.with_carers(state, member.category, offer.fare_yen, trip, row)
    if row is not None:
        row.fare_yen = fare
    return offer.model_copy(update={"fare_yen": fare})


def staff_reason(account: AccountRow, reason: str) -> str:
    """Return the reason staff give for a change they make for a member, or answer 422.

    A cancellation or change made for someone else is explained, so the audit
    log (and the member, when they ask) can tell why.
    """
    reason = reason.strip()
    if is_staff(account) and not reason:
        raise ApiError(
            422,
            "reason_required",
            "Give the reason for the change (it is kept in the audit log).",
            "理由を入力してください（操作記録に残ります）。",
        )
    return reason


def _times(ride: Ride) -> dict[str, Any]:
    return {
        "ride_id": ride.ride_id,
        "status": str(ride.status),
        "pickup_window_start": ride.pickup_window_start.isoformat(),
        "pickup_window_end": ride.pickup_window_end.isoformat(),
        "from_label": ride.request.pickup_label,
        "to_label": ride.request.dropoff_label,
        "party_size": ride.request.party_size,
    }


def confirm_one(
    db: Db,
    state: AppState,
    engine: BookingEngine,
    account: AccountRow,
    offer: OfferRow,
    key: str | None,
    *,
    replaces: str | None = None,
    choice: PayChoice | None = None,
) -> Ride:
    """Confirm one offer through the engine, translating its refusals into 409s.

    The member's standing is checked again (approved, not suspended for no-shows
    since the quote), and the engine checks the day's ride limit and, for a
    change, that the old booking can still change, inside the transaction that
    books, so racing confirmations cannot get round them.
    """
    member = trips.find_member(db, offer.member_id)
    trips.check_can_book(member)
    noshow.check_not_suspended(engine, state.rules, member, state.now())
    trips.release(db)
    try:
        ride = engine.confirm(
            offer.offer_id,
            idempotency_key=key,
            max_rides_per_day=state.rules.max_rides_per_day,
            replaces=replaces,
            by=account.id,
        )
    except NoCapacity as exc:
        raise trips.refusal_error(exc) from exc
    except OfferTaken as exc:
        raise ApiError(
            409, exc.code, exc.message_en, exc.message_ja, booking_id=exc.ride_id
        ) from exc
    except (OfferExpired, LimitReached, IllegalTransition) as exc:
        raise ApiError(409, exc.code, exc.message_en, exc.message_ja) from exc
    except UnknownRide as exc:
        raise not_found("booking", "予約") from exc
    trips.record_booking(db, state, offer, ride, account.id, choice)
    return ride


@router.post("/quotes", responses=ERRORS)
def make_quote(body: QuoteIn, account: Booker, db: Db, state: State, engine: Engine) -> QuoteOut:
    """Quote a trip (and its return): a promised pickup window held for a few minutes."""
    member = acting_member(db, account, body.member_id)
    channel = channel_of(account)
    request = trips.build_request(
        db, state, engine, member, body, body.date, body.time, channel=channel
    )
    offer = with_carers(db, state, member, trips.quote(db, state, engine, member, request), body)
    back = None
    if body.return_time is not None:
        back_trip = body.model_copy(update={"time_mode": "depart_at"})
        back_req = trips.build_request(
            db,
            state,
            engine,
            member,
            back_trip,
            body.date,
            body.return_time,
            channel=channel,
            swap=True,
            extra_rides=1,
        )
        back = with_carers(
            db, state, member, trips.quote(db, state, engine, member, back_req), body
        )
    without_waiting_for_disk(db)  # only offers: one lost in a crash is refused at confirm
    db.commit()
    return QuoteOut(offer=offer, return_offer=back)


def remember(
    db: Db, state: AppState, account: AccountRow, key: str, digest: str, status: int, answer: Any
) -> None:
    """Store the answer to an idempotent confirmation (the first of racing retries wins)."""
    try:
        with db.begin_nested():
            db.add(
                IdempotencyRow(
                    account_id=account.id,
                    key=key,
                    request_hash=digest,
                    status_code=status,
                    response=answer,
                    created_at=state.now(),
                )
            )
    except IntegrityError:
        pass  # a concurrent retry stored its answer first; the engine gave both the same ride


def _request_hash(body: ConfirmIn) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


@router.post("/bookings", status_code=201, responses={**ERRORS, 400: {}})
def confirm(
    body: ConfirmIn,
    request: Request,
    account: Booker,
    db: Db,
    state: State,
    engine: Engine,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """Book offered rides; a retry with the same ``Idempotency-Key`` never books twice."""
    digest = _request_hash(body)
    if idempotency_key:
        stored = db.scalar(
            select(IdempotencyRow).where(
                IdempotencyRow.account_id == account.id, IdempotencyRow.key == idempotency_key
            )
        )
        if stored is not None:
            if stored.request_hash != digest:
                raise ApiError(
                    400,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for another request.",
                    "この Idempotency-Key は別の予約に使われています。",
                )
            return JSONResponse(stored.response, status_code=stored.status_code)
    owner = None if is_staff(account) else account.member_id
    offer = trips.own_offer(db, body.offer_id, owner)
    back_offer = trips.own_offer(db, body.return_offer_id, owner) if body.return_offer_id else None
    key = f"{account.id}:{idempotency_key}" if idempotency_key else None
    # the way of paying is checked before anything is booked (one ticket per leg)
    legs = 2 if back_offer is not None else 1
    choice = fareops.checked_choice(db, state, offer, body.pay_with, legs=legs)
    if back_offer is not None:
        fareops.checked_choice(db, state, back_offer, body.pay_with, legs=legs)
    ride = confirm_one(db, state, engine, account, offer, key, choice=choice)
    back = None
    if back_offer is not None:
        try:
            back = confirm_one(
                db,
                state,
                engine,
                account,
                back_offer,
                f"{key}:return" if key else None,
                choice=choice,
            )
        except ApiError as exc:
            # A round trip is one promise: without the way back, the way out is released too.
            trips.release(db)
            engine.cancel(ride.ride_id, by=account.id, reason="return trip could not be booked")
            db.commit()
            exc.message_en = (
                "The return trip could not be booked, so nothing was booked. " + exc.message_en
            )
            exc.message_ja = (
                "帰りの便が予約できなかったため、予約は行われていません。" + exc.message_ja
            )
            if idempotency_key:
                # A retry must get this same answer, not the cancelled way out the engine remembers.
                answer = errors.body(request, exc.code, exc.message_en, exc.message_ja, **exc.extra)
                remember(db, state, account, idempotency_key, digest, exc.status, answer)
                db.commit()
            raise
    out = ConfirmOut(
        booking=trips.booking_out(db, ride),
        return_booking=trips.booking_out(db, back) if back else None,
    )
    payload = out.model_dump(mode="json")
    if is_staff(account):
        audit(
            db, account.id, "booking.confirm", "booking", ride.ride_id, None, payload, state.now()
        )
    if idempotency_key:
        remember(db, state, account, idempotency_key, digest, 201, payload)
    db.commit()
    return JSONResponse(payload, status_code=201)


@router.get("/bookings", responses=ERRORS)
def list_bookings(
    account: Booker,
    db: Db,
    state: State,
    engine: Engine,
    date_: Annotated[Day | None, Query(alias="date")] = None,
    member_id: Annotated[str | None, Query(max_length=64)] = None,
    vehicle_id: Annotated[str | None, Query(max_length=64)] = None,
    upcoming: bool = False,
) -> list[BookingOut]:
    """List bookings: residents their own; staff by member, vehicle or date (default today)."""
    if not is_staff(account):
        rides = engine.list_rides(member_id=account.member_id, service_date=date_)
    else:
        if member_id is None and vehicle_id is None and date_ is None:
            date_ = trips.local_date(state, state.now())
        rides = engine.list_rides(member_id=member_id, vehicle_id=vehicle_id, service_date=date_)
    if upcoming:
        now = state.now()
        rides = [r for r in rides if r.pickup_window_end >= now and r.status not in trips.INACTIVE]
    return [trips.booking_out(db, r, detail=is_staff(account)) for r in rides]


@router.get("/bookings/{ride_id}", responses=ERRORS)
def get_booking(ride_id: str, account: Booker, db: Db, engine: Engine) -> BookingOut:
    """Return one booking (another member's booking is a 404), with the car's live position
    while it is on its way, so the rider can see where it is.
    """
    ride = visible_ride(engine, account, ride_id)
    out = trips.booking_out(db, ride, detail=is_staff(account))
    get_vehicle = getattr(engine, "get_vehicle", None)
    if ride.vehicle_id and ride.status in LIVE and get_vehicle is not None:
        position = get_vehicle(ride.vehicle_id).position
        if position is not None:
            out.vehicle_lat, out.vehicle_lon = position.lat, position.lon
    return out


@router.post("/bookings/{ride_id}/cancel", responses=ERRORS)
def cancel_booking(
    ride_id: str, body: CancelIn, account: Booker, db: Db, state: State, engine: Engine
) -> BookingOut:
    """Cancel a booking; cancellations close to the pickup are recorded as late.

    Staff cancelling for a member give the reason; it is kept with the ride and
    in the audit log.
    """
    before = visible_ride(engine, account, ride_id)
    reason = staff_reason(account, body.reason)
    trips.release(db)
    try:
        ride = engine.cancel(ride_id, by=account.id, reason=reason)
    except IllegalTransition as exc:
        raise ApiError(409, exc.code, exc.message_en, exc.message_ja) from exc
    out = trips.booking_out(db, ride)
    if is_staff(account):
        audit(
            db,
            account.id,
            "booking.cancel",
            "booking",
            ride_id,
            _times(before),
            {**out.model_dump(mode="json"), "reason": reason},
            state.now(),
        )
        db.commit()
    return out


@router.post("/bookings/{ride_id}/modify", responses=ERRORS)
def modify_quote(
    ride_id: str, body: QuoteIn, account: Booker, db: Db, state: State, engine: Engine
) -> QuoteOut:
    """Quote a replacement for a booking; the booking stays until the replacement is confirmed."""
    old = visible_ride(engine, account, ride_id)
    if old.status not in {"booked", "assigned"}:
        raise ApiError(
            409,
            "illegal_transition",
            "This booking can no longer be changed.",
            "この予約は変更できません。",
        )
    member = trips.find_member(db, old.request.member_id)
    request = trips.build_request(
        db,
        state,
        engine,
        member,
        body,
        body.date,
        body.time,
        channel=channel_of(account),
        ignore_ride=ride_id,
    )
    offer = trips.quote(db, state, engine, member, request, replaces=ride_id)
    offer = with_carers(db, state, member, offer, body)
    db.commit()
    return QuoteOut(offer=offer)


@router.post("/bookings/{ride_id}/modify/confirm", responses=ERRORS)
def modify_confirm(
    ride_id: str, body: ModifyConfirmIn, account: Booker, db: Db, state: State, engine: Engine
) -> BookingOut:
    """Book the replacement and cancel the old booking in one step; if booking fails the old
    one stays, and of racing changes to one booking exactly one succeeds (the others 409).
    Staff changing a member's booking give the reason (kept in the audit log).
    """
    old = visible_ride(engine, account, ride_id)
    reason = staff_reason(account, body.reason)
    offer = trips.own_offer(db, body.offer_id, None if is_staff(account) else account.member_id)
    if offer.replaces_ride_id != ride_id:
        raise not_found("offer", "ご提案")
    # the changed ride keeps how she chose to pay (the tablet says if it no longer fits)
    was = db.get(BookingMetaRow, ride_id)
    choice = (
        PayChoice(PayOption(was.pay_method), was.pay_holding_id)
        if was is not None and was.pay_method
        else None
    )
    new = confirm_one(db, state, engine, account, offer, None, replaces=old.ride_id, choice=choice)
    if is_staff(account):
        audit(
            db,
            account.id,
            "booking.modify",
            "booking",
            ride_id,
            _times(old),
            {**_times(new), "fare_yen": offer.fare_yen, "reason": reason},
            state.now(),
        )
    db.commit()
    return trips.booking_out(db, new)
