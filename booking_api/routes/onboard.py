"""On board: what a party owes at drop-off and how it can pay, the driver's one-tap payment
record (or "not paid" with a reason), and the end-of-shift cash count per vehicle and driver."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking_api import fareops
from booking_api.db import AccountRow, BookingMetaRow, MemberRow
from booking_api.deps import Db, Driver, Engine, Staff, State
from booking_api.errors import ApiError, not_found
from booking_api.faredb import CashDeclarationRow, LedgerRow, RidePaymentRow
from booking_api.openapi import answers
from booking_api.rules import tz
from booking_api.schemas.fares import (
    CashIn,
    CashOut,
    FareLineOut,
    PayChoiceOut,
    PaymentIn,
    PaymentOut,
    PayOptionOut,
    ReasonOut,
    RideFareOut,
)
from booking_api.schemas.types import Day
from booking_api.state import AppState
from dispatch.domain import Ride, RideStatus, UnknownRide
from fares.ledger import Channel, Entry, Kind, Method
from fares.products import Option, PayOption, options
from fares.rules import Fare

router = APIRouter(tags=["on board"])


def _today(state: AppState) -> date:
    return state.now().astimezone(tz(state.rules)).date()


def _ride(engine: Engine, driver: AccountRow, ride_id: str) -> Ride:
    """Return a ride of the driver's own vehicle, or 404 (another car's rides are not found)."""
    try:
        ride = engine.get_ride(ride_id)
    except UnknownRide as exc:
        raise not_found("booking", "予約") from exc
    if not driver.vehicle_id or ride.vehicle_id != driver.vehicle_id:
        raise not_found("booking", "予約")
    return ride


def _fare(db: Session, state: AppState, ride: Ride) -> tuple[Fare, list[Option], MemberRow]:
    meta = db.get(BookingMetaRow, ride.ride_id)
    member = db.get(MemberRow, ride.request.member_id)
    if meta is None or member is None:
        raise not_found("booking", "予約")
    # the category the fare was priced with, as the reports count it (the member's may
    # have changed since the booking)
    category = meta.fare_category or member.category
    fare = fareops.ride_fare(
        state, category, ride.request.party_size, meta.service_date, meta.fare_yen,
        meta.fare_rules,
    )  # fmt: skip
    wallet = fareops.wallet(db, state, member.id, meta.service_date)
    return fare, options(fare, wallet, state.rules.fares.payment.methods), member


def payment_out(row: RidePaymentRow) -> PaymentOut:
    """Return a ride's payment record."""
    change = max(0, row.received_yen - row.due_yen) if row.method == "cash" else 0
    return PaymentOut(
        ride_id=row.ride_id,
        method=row.method,
        due_yen=row.due_yen,
        received_yen=row.received_yen,
        change_yen=change,
        holding_id=row.holding_id,
        reason=row.reason,
        at=row.at,
    )


@router.get("/driver/rides/{ride_id}/fare", responses=answers(404))
def ride_fare(ride_id: str, driver: Driver, db: Db, state: State, engine: Engine) -> RideFareOut:
    """What this party owes (the booked fare, by line) and the ways it can pay now."""
    ride = _ride(engine, driver, ride_id)
    fare, opts, _member = _fare(db, state, ride)
    names = {p.id: p for p in state.rules.fares.products}
    holdings = {
        s.holding.id: s.holding.product.id
        for s in fareops.wallet(db, state, _member.id, _today(state))
    }
    paid = db.get(RidePaymentRow, ride_id)
    meta = db.get(BookingMetaRow, ride_id)
    chosen = None
    if meta is not None and meta.pay_method:
        # the member's choice at booking is pre-selected only while it can still pay
        usable = any(
            o.method.value == meta.pay_method and o.holding_id == meta.pay_holding_id for o in opts
        )
        chosen = PayChoiceOut(method=meta.pay_method, holding_id=meta.pay_holding_id, usable=usable)
    return RideFareOut(
        ride_id=ride_id,
        due_yen=fare.total_yen,
        fare_rules=fare.version or None,
        lines=[FareLineOut(who=x.who, count=x.count, yen_each=x.yen_each) for x in fare.lines],
        options=[
            PayOptionOut(
                method=o.method.value,
                holding_id=o.holding_id,
                rides=o.rides,
                yen=o.yen,
                name_ja=names[holdings[o.holding_id]].name_ja if o.holding_id in holdings else "",
                name_en=names[holdings[o.holding_id]].name_en if o.holding_id in holdings else "",
            )
            for o in opts
        ],
        not_paid_reasons=[
            ReasonOut(code=r.code, ja=r.ja, en=r.en)
            for r in state.rules.fares.payment.not_paid_reasons
        ],
        payment=payment_out(paid) if paid is not None else None,
        chosen=chosen,
    )


# A fare is recorded for a party on board (at drop-off), or after the drop-off where the
# city does not require it before (the driver settles it then).
PAYABLE = frozenset({RideStatus.ON_BOARD, RideStatus.COMPLETED})


def _refuse(code: str, en: str, ja: str, status: int = 409) -> ApiError:
    return ApiError(status, code, en, ja)


@router.post("/driver/rides/{ride_id}/payment", status_code=201, responses=answers(404, 409, 422))
def record_payment(
    ride_id: str, body: PaymentIn, driver: Driver, db: Db, state: State, engine: Engine
) -> PaymentOut:
    """Record how the party paid (one tap), or that it did not pay and why; once per ride.

    Cash needs the amount received (at least the fare; the change is returned). A
    ticket or pass must be one of the options offered for this ride. The same
    record sent again answers the first; a different one is refused (409), as
    is a record for a ride nobody is on board of yet (409 ``not_on_board``).
    """
    ride = _ride(engine, driver, ride_id)
    fare, opts, member = _fare(db, state, ride)
    seen = db.get(RidePaymentRow, ride_id)
    if seen is not None:
        if seen.method == body.method and seen.holding_id == body.holding_id:
            return payment_out(seen)
        raise _refuse(
            "already_paid",
            "This ride's fare is already recorded.",
            "この乗車の運賃はすでに記録されています。",
        )
    if ride.status not in PAYABLE:  # nobody on board: a ticket or cash taken for no ride
        raise _refuse(
            "not_on_board",
            "The fare is recorded once the party is on board (乗車), not before.",
            "運賃は乗車の後に記録してください（まだ乗車していません）。",
        )
    received, reason = 0, ""
    entry: Entry | None = None
    base = Entry(
        at=state.now(),
        kind=Kind.USE,
        actor=driver.id,
        channel=Channel.ON_BOARD,
        method=Method.EXEMPT,
        member_id=member.id,
        ride_id=ride_id,
        vehicle_id=ride.vehicle_id,
        ref=f"ride:{ride_id}",
    )
    if body.method == "not_paid":
        codes = {r.code for r in state.rules.fares.payment.not_paid_reasons}
        if body.reason not in codes:
            raise ApiError(
                422,
                "reason_required",
                "Choose why the fare was not paid.",
                "未払いの理由を選んでください。",
                field="reason",
            )
        reason = body.reason
    else:
        match = [
            o
            for o in opts
            if o.method.value == body.method
            and (o.holding_id == body.holding_id or o.holding_id is None)
        ]
        if not match:
            raise _refuse(
                "payment_not_possible",
                "This way of paying is not possible for this ride.",
                "この乗車ではこの支払い方法は使えません。",
            )
        option = match[0]
        if option.method is PayOption.CASH:
            received = body.received_yen if body.received_yen is not None else -1
            if received < fare.total_yen:
                raise ApiError(
                    422,
                    "not_enough_cash",
                    f"The fare is ¥{fare.total_yen:,}.",
                    f"運賃は{fare.total_yen:,}円です。",
                    field="received_yen",
                )
        if option.method in (PayOption.CASH, PayOption.IC, PayOption.QR):
            entry = replace(base, method=Method(option.method.value), yen_in=fare.total_yen)
        elif option.method is PayOption.TICKET:
            entry = replace(
                base, method=Method.TICKET, holding_id=option.holding_id, rides_out=option.rides
            )
        elif option.method is PayOption.PASS:
            entry = replace(base, method=Method.PASS, holding_id=option.holding_id)
    if entry is not None:
        fareops.append(db, entry)
    row = RidePaymentRow(
        ride_id=ride_id,
        member_id=member.id,
        service_date=ride.pickup_window_start.astimezone(tz(state.rules)).date(),
        vehicle_id=ride.vehicle_id or "",
        actor=driver.id,
        method=body.method,
        due_yen=fare.total_yen,
        received_yen=received,
        holding_id=body.holding_id if body.method in ("ticket", "pass") else None,
        reason=reason,
        at=state.now(),
    )
    db.add(row)
    db.commit()
    return payment_out(row)


def has_payment(db: Session, ride_id: str) -> bool:
    """Return whether the ride has a payment record (paid, exempt or not paid with a reason)."""
    return db.get(RidePaymentRow, ride_id) is not None


def _cash(db: Session, state: AppState, day: date, vehicle_id: str) -> CashOut:
    zone = tz(state.rules)
    rows = [
        e
        for e in fareops.entries(db, LedgerRow.vehicle_id == vehicle_id, LedgerRow.method == "cash")
        if e.at.astimezone(zone).date() == day
    ]
    expected = sum(e.yen for e in rows)
    decl = db.scalars(
        select(CashDeclarationRow)
        .where(CashDeclarationRow.vehicle_id == vehicle_id, CashDeclarationRow.service_date == day)
        .order_by(CashDeclarationRow.id.desc())
    ).first()
    declared = decl.declared_yen if decl is not None else None
    diff = declared - expected if declared is not None else None
    return CashOut(
        vehicle_id=vehicle_id,
        driver_id=decl.driver_id if decl else None,
        date=day,
        expected_yen=expected,
        declared_yen=declared,
        difference_yen=diff,
        flagged=(diff is None and expected > 0) or bool(diff),
        note=decl.note if decl else "",
    )


@router.get("/driver/cash", responses=answers(404))
def my_cash(driver: Driver, db: Db, state: State) -> CashOut:
    """Today's cash fares of the driver's vehicle, and what the driver declared."""
    if not driver.vehicle_id:
        raise not_found("vehicle", "車両")
    return _cash(db, state, _today(state), driver.vehicle_id)


@router.post("/driver/cash", status_code=201, responses=answers(404))
def declare_cash(body: CashIn, driver: Driver, db: Db, state: State) -> CashOut:
    """The driver's cash count at the end of the shift; a difference is flagged to the office."""
    if not driver.vehicle_id:
        raise not_found("vehicle", "車両")
    day = _today(state)
    expected = _cash(db, state, day, driver.vehicle_id).expected_yen
    db.add(
        CashDeclarationRow(
            vehicle_id=driver.vehicle_id,
            driver_id=driver.id,
            service_date=day,
            expected_yen=expected,
            declared_yen=body.declared_yen,
            note=body.note,
            at=state.now(),
        )
    )
    db.commit()
    return _cash(db, state, day, driver.vehicle_id)


@router.get("/fares/cash")
def cash_by_vehicle(
    staff: Staff, db: Db, state: State, date: Annotated[Day | None, Query()] = None
) -> list[CashOut]:
    """Cash expected vs. declared per vehicle for a day; differences (or no count) flagged."""
    day = date or _today(state)
    zone = tz(state.rules)
    vehicles = {
        e.vehicle_id
        for e in fareops.entries(db, LedgerRow.method == "cash", LedgerRow.vehicle_id.is_not(None))
        if e.at.astimezone(zone).date() == day
    }
    vehicles |= set(
        db.scalars(
            select(CashDeclarationRow.vehicle_id).where(CashDeclarationRow.service_date == day)
        )
    )
    return [_cash(db, state, day, v) for v in sorted(v for v in vehicles if v)]
