"""A stand-in provider for the demo and benchmarks: it "sends" by writing the message down.

Each message is kept in ``notify_standin_outbox`` (shown on ``/dev/outbox``) or, without
a database, in a list. Like a real provider it keeps one message per delivery id: a
repeat (a worker re-sending after it was killed) is answered ok and not kept twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from dispatch.store.repo import change_session
from notify.channels.base import Message, SendResult
from notify.store import StandInMessageRow


class StandIn:
    """A channel named ``name`` that records what it is given."""

    def __init__(
        self,
        name: str,
        db: Engine | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self.db = db
        self.now = now
        self.messages: list[Message] = []

    async def send(self, message: Message, *, timeout_s: float) -> SendResult:
        """Record ``message`` once per delivery id; always ok."""
        if self.db is None:
            if all(m.delivery_id != message.delivery_id for m in self.messages):
                self.messages.append(message)
            return SendResult(ok=True, provider_ref=f"standin-{message.delivery_id}")
        await asyncio.to_thread(self._keep, message)
        return SendResult(ok=True, provider_ref=f"standin-{message.delivery_id}")

    def _keep(self, m: Message) -> None:
        assert self.db is not None
        with change_session(self.db) as s:
            seen = s.scalar(
                select(StandInMessageRow.id).where(StandInMessageRow.delivery_id == m.delivery_id)
            )
            if seen is None:
                s.add(
                    StandInMessageRow(
                        delivery_id=m.delivery_id,
                        channel=m.channel,
                        address=m.address,
                        language=m.language,
                        subject=m.subject,
                        body=m.body,
                        url=m.url,
                        at=self.now(),
                    )
                )


def standins(db: Engine | None, now: Callable[[], datetime] | None = None) -> dict[str, StandIn]:
    """Return a stand-in for each channel (push, sms, voice, email)."""
    kw = {"now": now} if now else {}
    return {c: StandIn(c, db, **kw) for c in ("push", "sms", "voice", "email")}
