"""Delivery receipts: the SMS gateway says later whether a message reached the phone.

The gateway posts a receipt (DLR) to the service's callback URL for each message it
accepted: its own message id (the delivery's ``provider_ref``), our delivery id as
``reference`` when it echoes it, and a status. The body is signed with the shared
secret of the settings: ``Noriai-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>." + body>``, so a receipt cannot be forged or replayed later than
``TOLERANCE_S``. A receipt moves the delivery by the state machine of
``notify.domain``: ``delivered`` is final, and so is a failure (the office is told);
the same receipt again changes nothing, a contradicting one is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.store.repo import append_event
from notify.domain import DeliveryStatus, IllegalDeliveryTransition, delivery_transition
from notify.store import DeliveryRow

SIGNATURE_HEADER = "noriai-signature"
TOLERANCE_S = 300


class ReceiptStatus(StrEnum):
    """What a gateway says of one message (the common DLR states)."""

    DELIVERED = "delivered"  # the phone has it
    BUFFERED = "buffered"  # the network holds it (phone off): not final, nothing changes
    UNDELIVERED = "undelivered"  # the network gave up on it
    REJECTED = "rejected"  # the network or the gateway refused it (barred, no such number)
    EXPIRED = "expired"  # its validity ran out before the phone came back


#: Where a final receipt takes the delivery.
SETTLES: dict[ReceiptStatus, DeliveryStatus] = {
    ReceiptStatus.DELIVERED: DeliveryStatus.DELIVERED,
    ReceiptStatus.UNDELIVERED: DeliveryStatus.FAILED,
    ReceiptStatus.REJECTED: DeliveryStatus.FAILED,
    ReceiptStatus.EXPIRED: DeliveryStatus.FAILED,
}


class Outcome(StrEnum):
    """What a receipt did: moved the delivery, nothing (a repeat), or nothing yet."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    PENDING = "pending"


@dataclass(frozen=True)
class Receipt:
    """One receipt as the gateway sent it (already checked for shape)."""

    provider_ref: str
    status: ReceiptStatus
    at: datetime
    reference: str | None = None
    error_code: str = ""


class BadSignature(ValueError):
    """The receipt is not signed with the shared secret, or was signed too long ago."""


class UnknownDelivery(LookupError):
    """No SMS delivery has this gateway id (or reference)."""


class ReceiptConflict(ValueError):
    """The receipt contradicts where the delivery already stands for good."""

    def __init__(self, current: DeliveryStatus, wanted: DeliveryStatus) -> None:
        super().__init__(f"the delivery is already {current.value}, not {wanted.value}")
        self.current = current
        self.wanted = wanted


def sign(secret: str, body: bytes, ts: int) -> str:
    """Return the ``Noriai-Signature`` value of ``body`` signed at ``ts``."""
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify(secret: str, body: bytes, header: str, now_s: float) -> None:
    """Raise ``BadSignature`` unless ``header`` signs ``body`` with ``secret`` recently."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts["t"])
    except (KeyError, ValueError) as exc:
        raise BadSignature("no timestamp in the signature") from exc
    expected = sign(secret, body, ts).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise BadSignature("wrong signature")
    if abs(now_s - ts) > TOLERANCE_S:
        raise BadSignature("stale signature")


def _find(s: Session, r: Receipt) -> DeliveryRow:
    if r.reference:
        row = s.scalar(
            select(DeliveryRow)
            .where(DeliveryRow.id == r.reference, DeliveryRow.channel == "sms")
            .with_for_update()
        )
        # A reference with another gateway id than the one stored is not this message.
        if row is not None and row.provider_ref in ("", r.provider_ref):
            return row
        raise UnknownDelivery(r.reference)
    row = s.scalar(
        select(DeliveryRow)
        .where(DeliveryRow.channel == "sms", DeliveryRow.provider_ref == r.provider_ref)
        .with_for_update()
    )
    if row is None:
        raise UnknownDelivery(r.provider_ref)
    return row


def apply_receipt(s: Session, r: Receipt, now: datetime) -> tuple[Outcome, DeliveryRow]:
    """Move the receipt's delivery where it says; return what changed and the row.

    Raises ``UnknownDelivery`` when no SMS delivery matches and ``ReceiptConflict`` when
    the delivery is already final otherwise (delivered, failed, given up, cancelled). A
    failure is told to the office as the worker's refusals are (an ``alert`` event).
    The row is locked, so a worker recording the same message's answer waits.
    """
    row = _find(s, r)
    target = SETTLES.get(r.status)
    if target is None:  # buffered: not final, unless it comes after the final one
        return Outcome.PENDING, row
    row.provider_ref = row.provider_ref or r.provider_ref[:200]
    code = f" ({r.error_code})" if r.error_code else ""
    return settle(s, row, target, r.at, f"receipt: {r.status.value}{code}"), row


def settle(
    s: Session, row: DeliveryRow, target: DeliveryStatus, now: datetime, why: str = ""
) -> Outcome:
    """Move a sent delivery to ``target`` (delivered, or failed for ``why``) by the table.

    The same state again is ``UNCHANGED``; a move the table refuses raises
    ``ReceiptConflict``. A failure is told to the office (an ``alert`` event).
    """
    current = DeliveryStatus(row.status)
    if current is target:
        return Outcome.UNCHANGED
    try:
        delivery_transition(current, target)
    except IllegalDeliveryTransition as exc:
        raise ReceiptConflict(current, target) from exc
    row.status, row.lease_until = target.value, None
    row.sent_at = row.sent_at or now
    if target is DeliveryStatus.DELIVERED:
        row.delivered_at, row.error = now, ""
        return Outcome.APPLIED
    row.error = why[:200]
    alert_failed(s, row, now)
    return Outcome.APPLIED


def alert_failed(s: Session, row: DeliveryRow, now: datetime) -> None:
    """Tell the office that ``row`` will not reach its member (an ``alert`` event of kind
    ``delivery_failed``), whether refused, given up or reported failed by the provider."""
    append_event(
        s,
        "alert",
        now,
        ride_id=row.ride_id,
        payload={
            "kind": "delivery_failed",
            "delivery_id": row.id,
            "member_id": row.member_id,
            "channel": row.channel,
            "event": row.event,
            "at": now.isoformat(),
        },
    )
