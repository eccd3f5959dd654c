"""The fare tables: the money ledger, holdings (tickets, passes), ride payments, checkouts.

The ledger (``fare_ledger``) is append-only: rows are never updated or deleted
(a database trigger refuses it), a correction is a new row pointing at the one
it corrects, and every balance or total is a sum over rows. Money and rides
move in separate non-negative ``*_in`` / ``*_out`` columns (never a signed
amount), at most one of each pair set, checked by the database too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.store.base import Base, UTCDateTime


class LedgerRow(Base):
    """One movement of money or rides (sale, use, refund, correction), tied to who made it."""

    __tablename__ = "fare_ledger"
    __table_args__ = (
        CheckConstraint(
            "yen_in >= 0 AND yen_out >= 0 AND rides_in >= 0 AND rides_out >= 0"
            " AND (yen_in = 0 OR yen_out = 0) AND (rides_in = 0 OR rides_out = 0)",
            name="amounts",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[str | None] = mapped_column(String(32), index=True)
    holding_id: Mapped[str | None] = mapped_column(String(32), index=True)
    product_id: Mapped[str] = mapped_column(String(40), default="")
    ride_id: Mapped[str | None] = mapped_column(String(64), index=True)
    vehicle_id: Mapped[str | None] = mapped_column(String(64))
    yen_in: Mapped[int] = mapped_column(Integer, default=0)
    yen_out: Mapped[int] = mapped_column(Integer, default=0)
    rides_in: Mapped[int] = mapped_column(Integer, default=0)
    rides_out: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(Integer)
    # What this row settles, once: "checkout:<id>", "refund:<id>", "ride:<id>" ...
    ref: Mapped[str | None] = mapped_column(String(120), unique=True)


class HoldingRow(Base):
    """A ticket product a member holds: a coupon book, a pass or a free-ride entitlement.

    The row never changes after the sale; how many rides are left is the ledger's sum.
    """

    __tablename__ = "fare_holdings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(32), index=True)
    product_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RidePaymentRow(Base):
    """How a ride's fare was settled on board (or why it was not): one per ride."""

    __tablename__ = "fare_ride_payments"

    ride_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(32), index=True)
    service_date: Mapped[date] = mapped_column(Date, index=True)
    vehicle_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    due_yen: Mapped[int] = mapped_column(Integer)
    received_yen: Mapped[int] = mapped_column(Integer, default=0)
    holding_id: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CashDeclarationRow(Base):
    """A driver's end-of-shift cash count beside what the ledger expects."""

    __tablename__ = "fare_cash_declarations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vehicle_id: Mapped[str] = mapped_column(String(64), index=True)
    driver_id: Mapped[str] = mapped_column(String(32))
    service_date: Mapped[date] = mapped_column(Date, index=True)
    expected_yen: Mapped[int] = mapped_column(Integer)
    declared_yen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckoutRow(Base):
    """An online purchase handed to the payment provider, until it is paid or fails."""

    __tablename__ = "fare_checkouts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(32), index=True)
    product_id: Mapped[str] = mapped_column(String(40))
    amount_yen: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    holding_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookEventRow(Base):
    """Each provider event received once (the inbox: UNIQUE provider + event id)."""

    __tablename__ = "fare_webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(64))
    checkout_id: Mapped[str] = mapped_column(String(32), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    payload: Mapped[Any] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
