"""Delivery receipts from the SMS gateway (logic in ``notify.receipts``).

The gateway is no account of ours: it proves itself by signing the raw body with the
shared ``NORIAI_SMS_RECEIPT_SECRET``. Receipts off (no secret) → 404; not signed, a
wrong or stale signature → 401; no SMS delivery with that id → 404
``delivery_unknown``; a receipt that contradicts a final state (``failed`` after
``delivered``, any receipt for a delivery given up or cancelled) → 409
``receipt_conflict``. The same receipt again is an idempotent 200 ``unchanged``, so a
gateway retrying after a lost answer does no harm.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from booking_api.deps import Db, State
from booking_api.errors import ApiError
from booking_api.openapi import answers
from booking_api.schemas.notifications import ReceiptOut, SmsReceiptIn
from notify.receipts import (
    BadSignature,
    Receipt,
    ReceiptConflict,
    ReceiptStatus,
    UnknownDelivery,
    apply_receipt,
    verify,
)

router = APIRouter(tags=["notifications"])
_JA = {"delivered": "配達確認済み", "failed": "失敗", "expired": "断念", "cancelled": "取りやめ"}


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post("/receipts/sms", responses=answers(401, 404, 409))
def sms_receipt(
    body: SmsReceiptIn,
    db: Db,
    state: State,
    raw: Annotated[bytes, Depends(_raw_body)],
    signature: Annotated[
        str,
        Header(
            alias="Noriai-Signature",
            max_length=200,
            description='t=<unix s>,v1=<hex HMAC-SHA256 of "<t>." + body, shared secret>',
        ),
    ],
) -> ReceiptOut:
    """Record an SMS gateway's delivery receipt: the message was delivered, or not.

    200 ``applied`` (the delivery moved to ``delivered`` or ``failed``), ``unchanged``
    (the same receipt again: a gateway's retry is harmless) or ``pending``
    (``buffered``, not final). 401 ``bad_signature``: not signed with the shared secret,
    or signed more than 5 minutes ago. 404 ``receipts_off`` (no secret set) or
    ``delivery_unknown``. 409 ``receipt_conflict``: it contradicts a final state
    (undelivered after delivered, or any receipt for a delivery given up or cancelled).
    """
    secret = state.settings.sms_receipt_secret
    if not secret:
        raise ApiError(
            404, "receipts_off", "This service takes no SMS delivery receipts.",
            "SMS の配達通知は受け付けていません。",
        )  # fmt: skip
    now = state.now()
    try:
        verify(secret, raw, signature, now.timestamp())
    except BadSignature as exc:
        raise ApiError(
            401, "bad_signature", f"The receipt's signature is not valid ({exc}).",
            "配達通知の署名が正しくありません。",
        ) from exc  # fmt: skip
    receipt = Receipt(body.id, ReceiptStatus(body.status), now, body.reference, body.error_code)
    try:
        outcome, row = apply_receipt(db, receipt, now)
    except UnknownDelivery as exc:
        raise ApiError(
            404, "delivery_unknown", "No SMS was sent with this id.",
            "この ID で送った SMS はありません。",
        ) from exc  # fmt: skip
    except ReceiptConflict as exc:
        raise ApiError(
            409, "receipt_conflict",
            f"This SMS is already {exc.current.value}; a receipt saying "
            f"{exc.wanted.value} cannot change that.",
            f"この SMS はすでに「{_JA.get(exc.current.value, '')}」で確定しています。",
            current=exc.current.value,
        ) from exc  # fmt: skip
    db.commit()
    return ReceiptOut(outcome=outcome.value, delivery_id=row.id, status=row.status)  # type: ignore[arg-type]
