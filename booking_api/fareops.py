"""Fares at the web edge: the party's fare of an offer, ledger rows in and out, wallets, sales.

The rules and sums are ``fares``' pure functions; this module reads and writes
the fare tables (``booking_api.faredb``) with them. Ledger rows are only ever
added; a row's ``ref`` makes a repeated settlement (a resent tap, a replayed
webhook) land once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking_api import reports
from booking_api.db import MemberRow, OfferRow, new_id
from booking_api.errors import ApiError
from booking_api.faredb import HoldingRow, LedgerRow, RidePaymentRow
from booking_api.state import AppState
from dispatch.domain import DriverTap, IllegalTransition, TripRequest
from dispatch.store.tables import DriverTapRow
from fares.choice import PayChoice, check_choice
from fares.errors import FareError
from fares.ledger import Channel, Entry, Kind, Method, check
from fares.products import (
    Holding,
    HoldingState,
    PayOption,
    Product,
    ProductKind,
    holding_state,
)
from fares.rules import Fare, FareLine


def _areas(state: AppState, request: TripRequest) -> tuple[str | None, str | None]:
    table = state.rules.fares.table
    if table is None or not any(r.area_pairs for r in table.rules):
        return (None, None)  # a flat fare needs no snapping
    a = reports.pickup_area(state.city_map, request.pickup.lat, request.pickup.lon)
    b = reports.pickup_area(state.city_map, request.dropoff.lat, request.dropoff.lon)
    return (a or None, b or None)


def offer_fare(state: AppState, category: str, request: TripRequest, when: datetime) -> Fare:
    """Return the fare of an offer: the party's, by the rule in force on the ride's day
    (its ``version`` is kept with the offer and the booking)."""
    fares = state.rules.fares
    return fares.fare(category, request.party_size, day=when.date(), areas=_areas(state, request))


def with_carers(
    state: AppState, category: str, fare_yen: int, trip: Any, row: OfferRow | None
) -> int:
    """Return an offer's fare once ``trip.carers`` of the party are known to be carers.

    Carers change only the companions' part (flat per person), so the member's
    own part, which may depend on the areas, is kept from the offer.
    """
    fares = state.rules.fares
    day = row.service_date if row is not None else None
    alone = fares.fare_yen(category, trip.party_size, 0, day=day)
    carers = fares.fare_yen(category, trip.party_size, trip.carers, day=day)
    return max(0, fare_yen - (alone - carers))


def ride_fare(
    state: AppState,
    category: str,
    party_size: int,
    day: date,
    fare_yen: int,
    version: str | None = None,
) -> Fare:
    """Return the booked fare of a ride as lines (the stored total is what is owed).

    The booking stores the total and the rule version that priced it; the lines
    are found again from the rule of the ride's day (with as many carers as make
    the stored total) only while that rule is still the version the booking
    names. A total no party reproduces (an area fare), or a rule changed since
    the booking, is one line of the member, with the booking's version.
    """
    fares = state.rules.fares
    for carers in range(max(0, party_size - 1) + 1):
        f = fares.fare(category, party_size, carers, day=day)
        if version is not None and f.version != version:
            break  # the rule was changed since: its lines are not how this ride was priced
        if f.total_yen == fare_yen:
            return replace(f, version=version or "")  # the booking's, "" if it kept none
    return Fare(fare_yen, (FareLine("member", 1, fare_yen),), version or "", category)


def checked_choice(
    db: Session, state: AppState, offer: OfferRow, body: Any, *, legs: int = 1
) -> PayChoice | None:
    """Return the member's choice of how to pay for ``offer``, checked on the ride's day.

    ``body`` is the confirmation's ``pay_with`` (None: no choice). A method the
    city does not take, another member's holding, or a ticket or pass that cannot
    be used on the ride's day (expired, not yet valid, too few rides for the party
    on ``legs`` rides) is refused (422, ``field`` pay_with) before anything is booked.
    """
    if body is None:
        return None
    choice = PayChoice(PayOption(body.method), body.holding_id if body.method in HELD else None)
    member = db.get(MemberRow, offer.member_id)
    fare = ride_fare(
        state,
        offer.fare_category or (member.category if member else ""),
        offer.party_size or 1,
        offer.service_date,
        offer.fare_yen,
        offer.fare_rules,
    )
    held = wallet(db, state, offer.member_id, offer.service_date)
    try:
        check_choice(choice, fare, held, state.rules.fares.payment.methods, legs=legs)
    except FareError as exc:
        raise ApiError(422, exc.code, exc.message_en, exc.message_ja, field="pay_with") from exc
    return choice


HELD = ("ticket", "pass")


# -- the ledger -------------------------------------------------------------------
def entry_of(row: LedgerRow) -> Entry:
    """Return the domain entry of a stored ledger row."""
    return Entry(
        at=row.at,
        kind=Kind(row.kind),
        actor=row.actor,
        channel=Channel(row.channel),
        method=Method(row.method),
        member_id=row.member_id,
        holding_id=row.holding_id,
        product_id=row.product_id,
        ride_id=row.ride_id,
        vehicle_id=row.vehicle_id,
        yen_in=row.yen_in,
        yen_out=row.yen_out,
        rides_in=row.rides_in,
        rides_out=row.rides_out,
        reason=row.reason,
        corrects_id=row.corrects_id,
        ref=row.ref,
        id=row.id,
    )


def fare_error(exc: FareError, status: int = 422) -> ApiError:
    """Return the API's answer to a refused fare operation."""
    return ApiError(status, exc.code, exc.message_en, exc.message_ja)


def append(db: Session, entry: Entry) -> LedgerRow:
    """Add one ledger row (checked); a row whose ``ref`` is already there is returned instead."""
    try:
        check(entry)
    except FareError as exc:
        raise fare_error(exc) from exc
    if entry.ref is not None:
        seen = db.scalars(select(LedgerRow).where(LedgerRow.ref == entry.ref)).first()
        if seen is not None:
            return seen
    row = LedgerRow(
        at=entry.at,
        kind=entry.kind.value,
        actor=entry.actor,
        channel=entry.channel.value,
        method=entry.method.value,
        member_id=entry.member_id,
        holding_id=entry.holding_id,
        product_id=entry.product_id,
        ride_id=entry.ride_id,
        vehicle_id=entry.vehicle_id,
        yen_in=entry.yen_in,
        yen_out=entry.yen_out,
        rides_in=entry.rides_in,
        rides_out=entry.rides_out,
        reason=entry.reason,
        corrects_id=entry.corrects_id,
        ref=entry.ref,
    )
    db.add(row)
    db.flush()
    return row


def entries(db: Session, *conditions: Any) -> list[Entry]:
    """Return the ledger entries matching ``conditions``, oldest first."""
    q = select(LedgerRow).where(*conditions).order_by(LedgerRow.id)
    return [entry_of(r) for r in db.scalars(q)]


# -- holdings and wallets ------------------------------------------------------------
def holding_of(state: AppState, row: HoldingRow) -> Holding | None:
    """Return the domain holding of a row (None if the city no longer has its product)."""
    product = state.rules.fares.product(row.product_id)
    if product is None:
        return None
    return Holding(row.id, row.member_id, product, row.valid_from, row.valid_until)


def wallet(db: Session, state: AppState, member_id: str, day: date) -> list[HoldingState]:
    """Return the member's holdings on ``day`` with the rides left on each, newest first."""
    rows = db.scalars(
        select(HoldingRow)
        .where(HoldingRow.member_id == member_id)
        .order_by(HoldingRow.created_at.desc())
    )
    mine = entries(db, LedgerRow.member_id == member_id)
    out = []
    for row in rows:
        h = holding_of(state, row)
        if h is not None:
            out.append(holding_state(h, mine, day))
    return out


def sell(
    db: Session,
    state: AppState,
    member: MemberRow,
    product: Product,
    *,
    actor: str,
    channel: Channel,
    method: Method,
    day: date,
    ref: str | None = None,
) -> tuple[HoldingRow, LedgerRow]:
    """Give ``member`` a holding of ``product`` from ``day`` and write its sale row.

    A coupon book's rides go onto the holding in the same row as the money.
    A product not for the member's category is refused (422).
    """
    if not product.sold_to(member.category):
        raise ApiError(
            422,
            "not_for_category",
            "This product is not for this member's fare category.",
            "この商品はこの会員の料金区分では購入できません。",
        )
    holding = HoldingRow(
        id=new_id(),
        member_id=member.id,
        product_id=product.id,
        kind=product.kind.value,
        valid_from=day,
        valid_until=product.valid_until(day),
        created_at=state.now(),
    )
    db.add(holding)
    free = product.kind is ProductKind.ENTITLEMENT or product.price_yen == 0
    row = append(
        db,
        Entry(
            at=state.now(),
            kind=Kind.SALE,
            actor=actor,
            channel=channel,
            method=Method.FREE if free else method,
            member_id=member.id,
            holding_id=holding.id,
            product_id=product.id,
            yen_in=product.price_yen,
            rides_in=product.rides or 0,
            ref=ref,
        ),
    )
    return holding, row


def fare_settled(db: Session, state: AppState, ride_id: str) -> None:
    """Refuse (409 ``payment_required``) to complete a ride whose fare has no record yet.

    The city file's ``payment_required`` says whether 降車 needs a payment record
    (paid, exempt, or "not paid" with a reason); the tablet records it first.
    """
    if not state.rules.fares.payment.required or db.get(RidePaymentRow, ride_id) is not None:
        return
    raise ApiError(
        409,
        "payment_required",
        "Record how the fare was paid (or why it was not) before the drop-off.",
        "降車の前に、運賃の支払い方法（または未払いの理由）を記録してください。",
    )


def boarding_undo_allowed(db: Session, vehicle_id: str, tap_id: str) -> None:
    """Refuse (409 ``fare_recorded``) to undo a 乗車 whose ride already has a payment record.

    The fare was taken (a ticket off the book, cash in the car) for a party on
    board; undoing the boarding would leave it taken for a ride that may yet be
    a no-show or cancelled. The office corrects the payment first (a ledger
    correction row), then the boarding can be undone.
    """
    tap = db.get(DriverTapRow, tap_id)
    if tap is None or tap.vehicle_id != vehicle_id or tap.tap != DriverTap.BOARDED.value:
        return
    if db.get(RidePaymentRow, tap.ride_id) is None:
        return
    raise ApiError(
        409,
        "fare_recorded",
        "This ride's fare is already recorded, so the boarding cannot be undone; ask the"
        " office to correct the payment first.",
        "この乗車の運賃はすでに記録されているため、乗車は取り消せません。"
        "営業所に支払いの訂正を依頼してください。",
    )


class FareRecorded(IllegalTransition):
    """乗車 undone after the fare was recorded (the tablet's socket gets this code)."""

    code = "fare_recorded"


class PaymentRequired(IllegalTransition):
    """降車 before the fare has a record (the tablet's socket gets this code and sentence)."""

    code = "payment_required"


class FareGuardedEngine:
    """The engine as the tablets' socket sees it: 降車 only once the fare has a record.

    ``driver_app`` cannot see the fare tables, so the guard wraps the engine it is
    handed; every other call goes straight through.
    """

    def __init__(self, state: AppState) -> None:
        self._state = state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state.engine, name)

    def driver_tap(self, vehicle_id: str, ride_id: str, tap: DriverTap, **kw: Any) -> Any:
        """Refuse 降車 without a payment record, else tap through to the engine."""
        if tap is DriverTap.DROPPED_OFF:
            with self._state.sessions() as db:
                try:
                    fare_settled(db, self._state, ride_id)
                except ApiError as exc:
                    raise PaymentRequired(exc.message_en, exc.message_ja) from exc
        assert self._state.engine is not None
        return self._state.engine.driver_tap(vehicle_id, ride_id, tap, **kw)  # type: ignore[attr-defined]

    def undo_tap(self, vehicle_id: str, tap_id: str) -> Any:
        """Refuse to undo a 乗車 whose fare is recorded, else undo through the engine."""
        with self._state.sessions() as db:
            try:
                boarding_undo_allowed(db, vehicle_id, tap_id)
            except ApiError as exc:
                raise FareRecorded(exc.message_en, exc.message_ja) from exc
        assert self._state.engine is not None
        return self._state.engine.undo_tap(vehicle_id, tap_id)
