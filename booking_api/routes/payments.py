"""Online purchases: a resident's checkout with the payment provider, and its webhooks.

The webhook is verified on the raw body (no provider configured → 404, no
signature → 400, a wrong or stale one → 401), stored once in the inbox
(UNIQUE provider + event id: a replay changes nothing), and the checkout's
state is then folded from all its events in the provider's sequence, so
events arriving out of order end in the same state. The ledger rows it
implies (the sale; a refund) carry a ``ref`` and are written at most once.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking_api import fareops
from booking_api.db import MemberRow, new_id
from booking_api.deps import Db, Resident, State
from booking_api.errors import ApiError, not_found
from booking_api.faredb import CheckoutRow, LedgerRow, WebhookEventRow
from booking_api.membership import member_for_account
from booking_api.openapi import answers
from booking_api.rules import tz
from booking_api.schemas.types import Line
from booking_api.state import AppState
from fares.ledger import Channel, Entry, Kind, Method, balance_rides
from fares.payprovider import EVENT_TYPES, BadSignature, PaymentProvider, provider_from

router = APIRouter(tags=["payments"])


class CheckoutIn(BaseModel):
    """A product the resident buys online."""

    product_id: Line = Field(min_length=1, max_length=40)


class CheckoutOut(BaseModel):
    """A checkout: where to pay, and its state (pending, paid, failed, refunded)."""

    id: str
    product_id: str
    amount_yen: int
    status: str
    pay_url: str
    holding_id: str | None


def _provider(state: AppState) -> PaymentProvider:
    provider = provider_from(state.settings)
    if provider is None:
        raise not_found("payment provider", "決済サービス")
    return provider


def _out(row: CheckoutRow, provider: PaymentProvider) -> CheckoutOut:
    return CheckoutOut(
        id=row.id,
        product_id=row.product_id,
        amount_yen=row.amount_yen,
        status=row.status,
        pay_url=provider.pay_url(row.id, row.amount_yen),
        holding_id=row.holding_id,
    )


@router.post("/me/checkouts", status_code=201, responses=answers(404, 422))
def start_checkout(body: CheckoutIn, resident: Resident, db: Db, state: State) -> CheckoutOut:
    """Start buying a product online; the answer says where to pay."""
    provider = _provider(state)
    member = member_for_account(db, resident.member_id)
    product = state.rules.fares.product(body.product_id)
    if product is None or not product.online or not product.sold_to(member.category):
        raise ApiError(
            422,
            "unknown_product",
            "This product cannot be bought online.",
            "この商品はオンラインでは購入できません。",
            field="product_id",
        )
    row = CheckoutRow(
        id=new_id(),
        member_id=member.id,
        product_id=product.id,
        amount_yen=product.price_yen,
        provider=provider.name,
        status="pending",
        created_at=state.now(),
    )
    db.add(row)
    db.commit()
    return _out(row, provider)


@router.get("/me/checkouts/{checkout_id}", responses=answers(404))
def get_checkout(checkout_id: str, resident: Resident, db: Db, state: State) -> CheckoutOut:
    """A checkout of the resident's (another's is not found)."""
    provider = _provider(state)
    row = db.get(CheckoutRow, checkout_id)
    if row is None or row.member_id != resident.member_id:
        raise not_found("checkout", "購入")
    return _out(row, provider)


def settle(db: Db, state: AppState, checkout: CheckoutRow) -> None:
    """Fold the checkout's events (in sequence) into its state and its ledger rows, once each."""
    events = db.scalars(
        select(WebhookEventRow)
        .where(WebhookEventRow.checkout_id == checkout.id)
        .order_by(WebhookEventRow.sequence)
    )
    kinds = [e.type for e in events if e.type in EVENT_TYPES]
    paid = "payment.succeeded" in kinds
    refunded = paid and "payment.refunded" in kinds
    checkout.status = (
        "refunded"
        if refunded
        else "paid"
        if paid
        else ("failed" if "payment.failed" in kinds else "pending")
    )
    member = db.get(MemberRow, checkout.member_id)
    product = state.rules.fares.product(checkout.product_id)
    if not paid or member is None or product is None:
        return
    if checkout.holding_id is None:
        day = state.now().astimezone(tz(state.rules)).date()
        holding, _ = fareops.sell(
            db,
            state,
            member,
            product,
            actor=f"provider:{checkout.provider}",
            channel=Channel.ONLINE,
            method=Method.CARD,
            day=day,
            ref=f"checkout:{checkout.id}",
        )
        checkout.holding_id = holding.id
    if refunded:
        left = balance_rides(
            fareops.entries(db, LedgerRow.holding_id == checkout.holding_id), checkout.holding_id
        )
        fareops.append(
            db,
            Entry(
                at=state.now(),
                kind=Kind.REFUND,
                actor=f"provider:{checkout.provider}",
                channel=Channel.ONLINE,
                method=Method.CARD,
                member_id=member.id,
                holding_id=checkout.holding_id,
                product_id=product.id,
                yen_out=checkout.amount_yen,
                rides_out=max(0, left),
                ref=f"refund:{checkout.id}",
            ),
        )


@router.post(
    "/payments/webhooks/{provider_name}", status_code=202, responses=answers(400, 401, 404)
)
async def webhook(provider_name: str, request: Request, state: State) -> dict[str, str]:
    """Receive one provider event (signed); each event id is handled once, in any order."""
    provider = _provider(state)
    if provider_name != provider.name:
        raise not_found("payment provider", "決済サービス")
    raw = await request.body()
    if not any(k.lower() == "noriai-signature" for k in request.headers):
        raise ApiError(400, "no_signature", "The webhook is not signed.", "署名がありません。")
    try:
        event = provider.verify(raw, request.headers, state.now().timestamp())
    except BadSignature as exc:
        raise ApiError(
            401,
            "bad_signature",
            "The webhook's signature is not valid.",
            "署名が正しくありません。",
        ) from exc
    with state.write_sessions() as db:
        checkout = db.get(CheckoutRow, event.checkout_id)
        if checkout is None or event.amount_yen != checkout.amount_yen:
            return {"status": "ignored"}
        db.add(
            WebhookEventRow(
                provider=provider.name,
                event_id=event.id,
                type=event.type,
                checkout_id=checkout.id,
                sequence=event.sequence,
                payload=dict(event.payload),
                received_at=state.now(),
            )
        )
        try:
            db.flush()
        except IntegrityError:
            return {"status": "duplicate"}
        settle(db, state, checkout)
        db.commit()
    return {"status": "accepted"}
