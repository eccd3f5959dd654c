"""Whether a placed call was answered: the voice provider's call status, asked later.

Placing a call (``sent``) takes seconds, the call itself minutes, so the worker asks the
provider how each call ended (``VoiceChannel.call_status``) every ``call_check_s`` until
it has ended or the delivery's give-up time has passed: answered and read out →
delivered; no answer, busy or failed → failed, and the office is told (it phones the
member). A provider that cannot say now is asked again later; past the give-up time the
delivery stays ``sent``, which is all that is known. A sent row's ``due_at`` is its next
check (the claim takes only queued and sending rows).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dispatch.store.repo import change_session
from notify.channels.voice import CallStatus
from notify.config import NotifyConfig
from notify.domain import DeliveryStatus
from notify.receipts import settle
from notify.store import DeliveryRow

SENT = DeliveryStatus.SENT.value


class CallStatusSource(Protocol):
    """A voice channel that can tell how a call it placed ended."""

    async def call_status(self, provider_ref: str, *, timeout_s: float) -> CallStatus: ...


def calls_due(db: Engine, now: datetime, limit: int) -> list[tuple[str, str]]:
    """Return (delivery id, call id) of placed calls whose outcome is due to be asked."""
    with Session(db) as s:
        rows = s.execute(
            select(DeliveryRow.id, DeliveryRow.provider_ref)
            .where(
                DeliveryRow.channel == "voice",
                DeliveryRow.status == SENT,
                DeliveryRow.provider_ref != "",
                DeliveryRow.due_at <= now,
                DeliveryRow.give_up_at > now,
            )
            .order_by(DeliveryRow.due_at)
            .limit(limit)
        ).all()
    return [(str(i), str(ref)) for i, ref in rows]


def record_calls(
    db: Engine, outcomes: Mapping[str, CallStatus], now: datetime, check_s: float
) -> int:
    """Settle the calls that ended; ask again after ``check_s`` for the others."""
    settled = 0
    with change_session(db) as s:
        rows = s.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.id.in_(list(outcomes)), DeliveryRow.status == SENT)
            .with_for_update()
        )
        for r in rows:
            status = outcomes[r.id]
            if status is CallStatus.COMPLETED:
                settle(s, r, DeliveryStatus.DELIVERED, now)
            elif status.final:
                settle(s, r, DeliveryStatus.FAILED, now, f"call: {status.value}")
            else:
                r.due_at = now + timedelta(seconds=check_s)
                continue
            settled += 1
    return settled


async def check_calls(
    db: Engine, channel: CallStatusSource, now: datetime, config: NotifyConfig
) -> int:
    """Ask the provider about the calls due a check; return how many were settled."""
    due = await asyncio.to_thread(calls_due, db, now, config.batch_size)
    if not due:
        return 0
    statuses = await asyncio.gather(
        *(channel.call_status(ref, timeout_s=config.send_timeout_s) for _, ref in due)
    )
    outcomes = {delivery_id: st for (delivery_id, _), st in zip(due, statuses, strict=True)}
    return await asyncio.to_thread(record_calls, db, outcomes, now, config.call_check_s)
