"""``noriai notifier``'s loop: claim due deliveries, send them, record what happened
(and ask how placed calls ended, ``notify.calls``).

A claim is a short transaction that marks rows ``sending`` with a lease (PostgreSQL:
``FOR UPDATE SKIP LOCKED``, so two workers never take the same row; SQLite: the one
writer lock). The send happens outside any transaction, with the delivery id as the
provider's idempotency key, so a worker killed after the provider accepted but before
it recorded ``sent`` re-sends the same key after the lease ends and the provider keeps
one. A temporary failure waits ``backoff_first_s · 2^(attempts-1)`` (capped, with
jitter); past the delivery's give-up time it expires and the office gets an alert.
Logs name deliveries by id, event and channel only: never an address or a text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from dispatch.store.repo import change_session
from notify.calls import CallStatusSource, check_calls
from notify.channels.base import Channel, Message, SendResult
from notify.config import NotifyConfig
from notify.domain import DeliveryStatus, delivery_transition
from notify.feed import Feed, remind
from notify.receipts import alert_failed
from notify.store import DeliveryRow, PushSubscriptionRow

log = logging.getLogger("noriai.notify")
Q, SENDING = DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value


@dataclass
class Counters:
    """What a worker did, for progress lines and the benchmark."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    enqueued: int = 0


def backoff_s(attempts: int, config: NotifyConfig, rng: random.Random | None = None) -> float:
    """Return the wait before the next try after ``attempts`` tries (exponential, capped)."""
    base = min(config.backoff_max_s, config.backoff_first_s * 2 ** max(0, attempts - 1))
    return base * (0.8 + 0.4 * (rng or random).random())


class Notifier:
    """One worker: feed the outbox from the logs, then send what is due."""

    def __init__(
        self,
        db: Engine,
        channels: Mapping[str, Channel],
        config: NotifyConfig,
        now: Callable[[], datetime],
        feed: Feed | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.channels = dict(channels)
        self.config = config
        self.now = now
        self.feed = feed
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self.counters = Counters()
        self._last_remind: datetime | None = None
        self._last_purge: datetime | None = None

    # -- the outbox -----------------------------------------------------------
    def fill(self) -> int:
        """Derive new deliveries from the logs (and the evening reminders); return how many."""
        if self.feed is None:
            return 0
        now = self.now()
        with change_session(self.db) as s:
            made = self.feed.run_once(s, now)
            if self._last_remind is None or now - self._last_remind >= timedelta(minutes=1):
                made += remind(self.feed, s, now)
                self._last_remind = now
        self.counters.enqueued += made
        return made

    def housekeep(self) -> int:
        """Blank old texts (:func:`purge_bodies`) once every ``purge_every_s``; return how many.

        The city file says how long a message's text and address may be kept; the first
        call after a start purges at once, so a worker that was down catches up.
        """
        now = self.now()
        last = self._last_purge
        if last is not None and (now - last).total_seconds() < self.config.purge_every_s:
            return 0
        self._last_purge = now
        purged = purge_bodies(self.db, self.config, now)
        if purged:
            log.info("notifier %s: blanked the texts of %d old deliveries", self.worker_id, purged)
        return purged

    def claim(self, limit: int | None = None) -> list[Message]:
        """Take up to ``limit`` due deliveries (and ones whose lease ran out) for this worker."""
        now = self.now()
        limit = limit or self.config.batch_size
        with change_session(self.db) as s:
            self._expire_overdue(s, now)
            due = or_(
                and_(DeliveryRow.status == Q, DeliveryRow.due_at <= now),
                and_(DeliveryRow.status == SENDING, DeliveryRow.lease_until < now),
            )
            rows = list(
                s.scalars(
                    select(DeliveryRow)
                    .where(due, DeliveryRow.channel.in_(list(self.channels)))
                    .order_by(DeliveryRow.due_at, DeliveryRow.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            lease = now + timedelta(seconds=self.config.lease_s)
            for r in rows:
                delivery_transition(DeliveryStatus(r.status), DeliveryStatus.SENDING)
                r.status, r.lease_until, r.worker = SENDING, lease, self.worker_id
                r.attempts += 1
            return [_message(r) for r in rows]

    def _expire_overdue(self, s: Session, now: datetime) -> None:
        """Expire queued rows past their give-up time and tell the office about each."""
        rows = s.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.status == Q, DeliveryRow.give_up_at < now)
            .limit(200)
            .with_for_update(skip_locked=True)
        )
        for r in rows:
            self._give_up(s, r, now, r.error or "not sent in time")

    def _give_up(self, s: Session, r: DeliveryRow, now: datetime, why: str) -> None:
        r.status = delivery_transition(DeliveryStatus(r.status), DeliveryStatus.EXPIRED).value
        r.error, r.lease_until = why[:200], None
        self.counters.expired += 1
        alert_failed(s, r, now)
        log.warning("delivery %s (%s, %s) given up: %s", r.id, r.event, r.channel, why[:80])

    def record(self, results: Mapping[str, SendResult]) -> None:
        """Write each send's outcome on its row (only rows this worker still holds)."""
        now = self.now()
        rng = random.Random()
        with change_session(self.db) as s:
            # Locked: a delivery receipt for the same row (notify.receipts) waits, or
            # went first and the row is no longer this worker's to write.
            rows = s.scalars(
                select(DeliveryRow)
                .where(
                    DeliveryRow.id.in_(list(results)),
                    DeliveryRow.status == SENDING,
                    DeliveryRow.worker == self.worker_id,
                )
                .with_for_update()
            )
            for r in rows:
                res = results[r.id]
                if res.address_gone:
                    forget_push_subscription(s, r.address)
                if res.ok:
                    r.status, r.sent_at, r.error = DeliveryStatus.SENT.value, now, ""
                    r.provider_ref = (res.provider_ref or "")[:200]
                    self.counters.sent += 1
                elif res.permanent:
                    r.status, r.error = DeliveryStatus.FAILED.value, (res.error or "refused")[:200]
                    self.counters.failed += 1
                    alert_failed(s, r, now)
                    log.warning("delivery %s (%s) refused: %s", r.id, r.channel, r.error[:80])
                else:
                    due = now + timedelta(seconds=backoff_s(r.attempts, self.config, rng))
                    r.error = (res.error or "temporary failure")[:200]
                    if due > r.give_up_at:
                        self._give_up(s, r, now, r.error)
                        continue
                    r.status, r.due_at = Q, due
                    self.counters.retried += 1
                r.lease_until = None

    async def send_all(self, messages: list[Message]) -> dict[str, SendResult]:
        """Send ``messages`` at most ``concurrency`` at a time; never raises."""
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(m: Message) -> tuple[str, SendResult]:
            async with gate:
                try:
                    channel = self.channels[m.channel]
                    res = await channel.send(m, timeout_s=self.config.send_timeout_s)
                except Exception as exc:  # a channel bug must not stop the others
                    res = SendResult(ok=False, error=f"channel error: {type(exc).__name__}")
                return m.delivery_id, res

        return dict(await asyncio.gather(*(one(m) for m in messages)))

    async def run_once(self) -> int:
        """Fill, purge when due, claim one batch, send and record it; return how many tried."""
        await asyncio.to_thread(self.fill)
        await asyncio.to_thread(self.housekeep)
        voice = self.channels.get("voice")
        if hasattr(voice, "call_status"):  # the stand-ins place no real calls
            await check_calls(self.db, cast(CallStatusSource, voice), self.now(), self.config)
        batch = await asyncio.to_thread(self.claim)
        if not batch:
            return 0
        results = await self.send_all(batch)
        await asyncio.to_thread(self.record, results)
        c = self.counters
        log.info(
            "notifier %s: batch of %d (sent %d, retried %d, failed %d, expired %d so far)",
            self.worker_id,
            len(batch),
            c.sent,
            c.retried,
            c.failed,
            c.expired,
        )
        return len(batch)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set; a database hiccup waits a poll and tries again."""
        while not stop.is_set():
            try:
                n = await self.run_once()
            except Exception as exc:  # the database is down: keep the process, retry
                log.warning("notifier %s: %s", self.worker_id, type(exc).__name__)
                n = 0
            if n == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.config.poll_s)


def _message(r: DeliveryRow) -> Message:
    return Message(
        delivery_id=r.id,
        channel=r.channel,
        address=r.address,
        language=r.language,
        subject=r.subject,
        body=r.body,
        url=r.url,
    )


def forget_push_subscription(s: Session, address: str) -> None:
    """Delete the push subscription a delivery went to (the push service says it is gone)."""
    try:
        endpoint = json.loads(address).get("endpoint")
    except (ValueError, AttributeError):
        return
    if isinstance(endpoint, str):
        s.execute(delete(PushSubscriptionRow).where(PushSubscriptionRow.endpoint == endpoint))
        log.info("push subscription gone: forgotten (delivery address of one member)")


def purge_bodies(db: Engine, config: NotifyConfig, now: datetime) -> int:
    """Blank the texts and addresses of deliveries older than ``keep_bodies_days``."""
    cutoff = now - timedelta(days=config.keep_bodies_days)
    with change_session(db) as s:
        res = s.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.created_at < cutoff,
                DeliveryRow.purged_at.is_(None),
                DeliveryRow.status.not_in([Q, SENDING]),
            )
            .values(subject="", body="", address="", purged_at=now)
        )
        return int(cast(Any, res).rowcount or 0)
