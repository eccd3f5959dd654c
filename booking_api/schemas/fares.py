"""Request and response bodies of the fare routes (products, wallets, sales, payments)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from booking_api.schemas.types import Line, NotBool, Text, WholeNumber


class ProductOut(BaseModel):
    """A ticket product of the city (coupon book, pass, entitlement)."""

    id: str
    kind: Literal["coupon", "pass", "entitlement"]
    name_ja: str
    name_en: str
    price_yen: int
    rides: int | None
    valid_months: int
    categories: list[str]
    online: bool


class HoldingOut(BaseModel):
    """A product a member holds, on the day asked: rides left (null: unlimited), usable."""

    id: str
    product_id: str
    kind: str
    name_ja: str
    name_en: str
    valid_from: date
    valid_until: date
    rides_left: int | None
    usable: bool
    expired: bool


class EntryOut(BaseModel):
    """One ledger row: money (yen in/out) and rides (in/out) moved, by whom, why."""

    id: int
    at: datetime
    kind: str
    actor: str
    channel: str
    method: str
    member_id: str | None
    holding_id: str | None
    product_id: str
    ride_id: str | None
    vehicle_id: str | None
    yen_in: int
    yen_out: int
    rides_in: int
    rides_out: int
    reason: str
    corrects_id: int | None
    corrected: bool = False


class WalletOut(BaseModel):
    """A member's tickets and passes, and the history of their ledger rows (newest first)."""

    member_id: str
    date: date
    holdings: list[HoldingOut]
    history: list[EntryOut]
    pay_methods: list[str] = Field(
        default_factory=list,
        description="The ways the city takes on board (ticket, pass, cash, ic, qr).",
    )


class SaleIn(BaseModel):
    """A counter sale (cash) or a staff-given entitlement."""

    product_id: Line = Field(min_length=1, max_length=40)
    received_yen: WholeNumber = Field(
        default=0, ge=0, le=1_000_000, description="Cash handed over."
    )


class ReceiptOut(BaseModel):
    """The receipt of a sale (領収書): shown on screen and printed."""

    entry_id: int
    number: str
    at: datetime
    member_id: str
    member_number: str | None
    member_name: str
    product_id: str
    name_ja: str
    name_en: str
    price_yen: int
    received_yen: int
    change_yen: int
    valid_until: date
    operator: str


class CorrectionIn(BaseModel):
    """Why a ledger row is corrected (kept in the audit log)."""

    reason: Text = Field(min_length=1, max_length=300)


class PayOptionOut(BaseModel):
    """One way the party can pay its fare on board."""

    method: Literal["ticket", "pass", "cash", "ic", "qr", "exempt"]
    holding_id: str | None
    rides: int
    yen: int
    name_ja: str = ""
    name_en: str = ""


class ReasonOut(BaseModel):
    """A reason a ride is not paid."""

    code: str
    ja: str
    en: str


class FareLineOut(BaseModel):
    """One part of the fare (the member, companions, carers)."""

    who: str
    count: int
    yen_each: int


class PaymentOut(BaseModel):
    """How a ride was settled on board (``not_paid`` with a reason when it was not)."""

    ride_id: str
    method: str
    due_yen: int
    received_yen: int
    change_yen: int
    holding_id: str | None
    reason: str
    at: datetime


class PayChoiceOut(BaseModel):
    """The member's choice at booking, and whether it is one of this ride's options now."""

    method: str
    holding_id: str | None
    usable: bool


class RideFareOut(BaseModel):
    """What the party owes for a ride, how it can pay, and the payment if recorded."""

    ride_id: str
    due_yen: int
    fare_rules: str | None = Field(
        default=None, description="The fare rules' version that priced the booking"
    )
    lines: list[FareLineOut]
    options: list[PayOptionOut]
    not_paid_reasons: list[ReasonOut]
    payment: PaymentOut | None
    chosen: PayChoiceOut | None = Field(
        default=None,
        description=(
            "How the member chose to pay when she booked (pre-selected on the tablet; the"
            " driver may record another). usable is false when it is not one of the options."
        ),
    )


class PaymentIn(BaseModel):
    """The driver's one tap: the method (and the cash received), or not paid with a reason."""

    method: Literal["ticket", "pass", "cash", "ic", "qr", "exempt", "not_paid"]
    holding_id: Line | None = Field(default=None, max_length=32)
    received_yen: Annotated[int, Field(ge=0, le=1_000_000), NotBool] | None = None
    reason: Line | None = Field(default=None, min_length=1, max_length=40)


class CashIn(BaseModel):
    """The cash a driver counts at the end of the shift."""

    declared_yen: WholeNumber = Field(ge=0, le=10_000_000)
    note: Text = Field(default="", max_length=300)


class CashOut(BaseModel):
    """Cash expected (the ledger's cash fares) and declared, per vehicle and driver."""

    vehicle_id: str
    driver_id: str | None
    date: date
    expected_yen: int
    declared_yen: int | None
    difference_yen: int | None
    flagged: bool
    note: str = ""
