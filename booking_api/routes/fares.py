"""Tickets and passes: the city's products, members' wallets, counter sales with a receipt,
and staff corrections of ledger rows (a new opposite row, audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from booking_api import fareops, trips
from booking_api.db import MemberRow, audit
from booking_api.deps import Db, Resident, Staff, State
from booking_api.errors import ApiError, not_found
from booking_api.faredb import LedgerRow
from booking_api.membership import member_for_account
from booking_api.openapi import answers
from booking_api.rules import tz
from booking_api.schemas.fares import (
    CorrectionIn,
    EntryOut,
    HoldingOut,
    ProductOut,
    ReceiptOut,
    SaleIn,
    WalletOut,
)
from booking_api.schemas.types import Day
from booking_api.state import AppState
from fares.ledger import Channel, Entry, Method, corrected_ids, correction
from fares.products import HoldingState, Product

router = APIRouter(tags=["fares"])


def product_out(p: Product) -> ProductOut:
    """Return a product as the API shows it."""
    return ProductOut(
        id=p.id,
        kind=p.kind.value,
        name_ja=p.name_ja,
        name_en=p.name_en,
        price_yen=p.price_yen,
        rides=p.rides,
        valid_months=p.valid_months,
        categories=sorted(p.categories),
        online=p.online,
    )


def holding_out(s: HoldingState) -> HoldingOut:
    """Return a holding with its state on the day asked."""
    h = s.holding
    return HoldingOut(
        id=h.id,
        product_id=h.product.id,
        kind=h.product.kind.value,
        name_ja=h.product.name_ja,
        name_en=h.product.name_en,
        valid_from=h.valid_from,
        valid_until=h.valid_until,
        rides_left=s.rides_left,
        usable=s.usable,
        expired=s.expired,
    )


def entry_out(e: Entry, corrected: set[int]) -> EntryOut:
    """Return a ledger entry (``corrected`` when a correction already cancels it)."""
    assert e.id is not None
    return EntryOut(
        id=e.id,
        at=e.at,
        kind=e.kind.value,
        actor=e.actor,
        channel=e.channel.value,
        method=e.method.value,
        member_id=e.member_id,
        holding_id=e.holding_id,
        product_id=e.product_id,
        ride_id=e.ride_id,
        vehicle_id=e.vehicle_id,
        yen_in=e.yen_in,
        yen_out=e.yen_out,
        rides_in=e.rides_in,
        rides_out=e.rides_out,
        reason=e.reason,
        corrects_id=e.corrects_id,
        corrected=e.id in corrected,
    )


def wallet_out(db: Db, state: AppState, member: MemberRow, day: Day | None) -> WalletOut:
    """Return the member's wallet on ``day`` (today by default) with their history."""
    day = day or state.now().astimezone(tz(state.rules)).date()
    history = fareops.entries(db, LedgerRow.member_id == member.id)
    done = corrected_ids(history)
    return WalletOut(
        member_id=member.id,
        date=day,
        holdings=[holding_out(s) for s in fareops.wallet(db, state, member.id, day)],
        history=[entry_out(e, done) for e in reversed(history)],
        pay_methods=list(state.rules.fares.payment.methods),
    )


@router.get("/fares/products")
def list_products(state: State) -> list[ProductOut]:
    """The city's coupon books, passes and free-ride entitlements (from the city file)."""
    return [product_out(p) for p in state.rules.fares.products]


@router.get("/me/wallet", responses=answers(404))
def my_wallet(
    resident: Resident, db: Db, state: State, date: Annotated[Day | None, Query()] = None
) -> WalletOut:
    """The resident's tickets and passes (rides left, valid until) and their history."""
    return wallet_out(db, state, member_for_account(db, resident.member_id), date)


@router.get("/members/{member_id}/wallet", responses=answers(404))
def member_wallet(
    member_id: str,
    staff: Staff,
    db: Db,
    state: State,
    date: Annotated[Day | None, Query()] = None,
) -> WalletOut:
    """A member's tickets, passes and history, for the counter and the phone."""
    return wallet_out(db, state, trips.find_member(db, member_id), date)


def _product(state: AppState, product_id: str) -> Product:
    product = state.rules.fares.product(product_id)
    if product is None:
        raise ApiError(
            422, "unknown_product", "No such product.", "その商品はありません。", field="product_id"
        )
    return product


@router.post("/members/{member_id}/sales", status_code=201, responses=answers(404, 409, 422))
def sell_at_counter(member_id: str, body: SaleIn, staff: Staff, db: Db, state: State) -> ReceiptOut:
    """Sell a product for cash at the counter (or give an entitlement) and return the receipt.

    The cash received must cover the price (the change is on the receipt). Only an
    approved member can buy (409).
    """
    member = trips.find_member(db, member_id)
    product = _product(state, body.product_id)
    if member.status != "approved":
        raise ApiError(
            409,
            "member_not_approved",
            "The member is not approved yet.",
            "会員登録がまだ承認されていません。",
        )
    if body.received_yen < product.price_yen:
        raise ApiError(
            422,
            "not_enough_cash",
            f"The price is ¥{product.price_yen:,}; ¥{body.received_yen:,} is not enough.",
            f"代金は{product.price_yen:,}円です。{body.received_yen:,}円では足りません。",
            field="received_yen",
        )
    day = state.now().astimezone(tz(state.rules)).date()
    holding, row = fareops.sell(
        db,
        state,
        member,
        product,
        actor=staff.id,
        channel=Channel.COUNTER,
        method=Method.CASH,
        day=day,
    )
    receipt = ReceiptOut(
        entry_id=row.id,
        number=f"R{row.id:08d}",
        at=row.at,
        member_id=member.id,
        member_number=member.member_number,
        member_name=member.name,
        product_id=product.id,
        name_ja=product.name_ja,
        name_en=product.name_en,
        price_yen=product.price_yen,
        received_yen=body.received_yen,
        change_yen=body.received_yen - product.price_yen,
        valid_until=holding.valid_until,
        operator=staff.display_name or staff.username or "",
    )
    audit(
        db,
        staff.id,
        "fare.sale",
        "member",
        member.id,
        None,
        receipt.model_dump(mode="json"),
        state.now(),
    )
    db.commit()
    return receipt


@router.get("/ledger")
def list_ledger(
    staff: Staff, db: Db, state: State, date: Annotated[Day | None, Query()] = None
) -> list[EntryOut]:
    """Every ledger row of a day (Asia/Tokyo; today by default), newest first."""
    day = date or state.now().astimezone(tz(state.rules)).date()
    rows = fareops.entries(db)
    done = corrected_ids(rows)
    zone = tz(state.rules)
    return [entry_out(e, done) for e in reversed(rows) if e.at.astimezone(zone).date() == day]


@router.post("/ledger/{entry_id}/correct", status_code=201, responses=answers(404, 409, 422))
def correct_entry(
    entry_id: int, body: CorrectionIn, staff: Staff, db: Db, state: State
) -> EntryOut:
    """Correct a wrong ledger row by adding its opposite with the reason (never an edit).

    A row already corrected, or a correction itself, is refused (409); the
    correction is written to the audit log with the row it cancels.
    """
    row = db.get(LedgerRow, entry_id)
    if row is None:
        raise not_found("ledger entry", "記録")
    original = fareops.entry_of(row)
    if original.corrects_id is not None or entry_id in corrected_ids(fareops.entries(db)):
        raise ApiError(
            409,
            "already_corrected",
            "This entry is already corrected.",
            "この記録はすでに訂正されています。",
        )
    fix = correction(original, actor=staff.id, reason=body.reason, at=state.now())
    new = fareops.append(db, fix)
    out = entry_out(fareops.entry_of(new), set())
    audit(
        db,
        staff.id,
        "fare.correction",
        "ledger",
        str(entry_id),
        entry_out(original, set()).model_dump(mode="json"),
        out.model_dump(mode="json"),
        state.now(),
    )
    db.commit()
    return out
