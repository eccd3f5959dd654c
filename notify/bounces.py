"""Taking email bounces in: a small SMTP listener for the return paths (``noriai bounces``).

The domain's MX (or the relay's bounce forwarding) hands reports for
``bounce+<delivery id>@<bounce domain>`` to this listener. Only such recipients are
taken (anything else is ``550``: it relays nothing); each message is read as an RFC
3464 report (``notify.dsn``) and moves the delivery by the same state machine and
office alert as an SMS failure receipt (``notify.receipts.settle``): a final report
(``Action: failed``) takes a sent email to failed with its status and diagnostic as
the reason; a delay report (4.x.x) changes nothing and is logged. A report is
accepted (250) even when it changes nothing: an unknown, already-final or mismatched
delivery, or a message that is no report, so the sender does not bounce the bounce.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from dispatch.store.repo import change_session
from notify.domain import DeliveryStatus
from notify.dsn import Dsn, NotADsn, delivery_of, parse_dsn
from notify.receipts import Outcome, ReceiptConflict, settle
from notify.store import DeliveryRow

log = logging.getLogger("noriai.notify")

#: A report quoting the whole original can be long; ours are short texts.
MAX_MESSAGE_BYTES = 1 << 20


class BounceOutcome(StrEnum):
    """What one report did to its delivery."""

    FAILED = "failed"  # the delivery is failed now, for the report's reason
    PENDING = "pending"  # a delay report: the delivery stays sent
    UNCHANGED = "unchanged"  # already failed (a repeat), or a report of success
    FINAL = "final"  # the delivery had ended otherwise (cancelled, given up): kept
    UNKNOWN = "unknown"  # no email delivery has this id
    MISMATCH = "mismatch"  # the quoted Message-ID is not this delivery's
    NOT_A_DSN = "not_a_dsn"  # an auto-reply or other mail to the return path


def apply_bounce(db: Engine, delivery_id: str, dsn: Dsn, now: datetime) -> BounceOutcome:
    """Apply ``dsn`` to the email delivery ``delivery_id`` in one transaction.

    The quoted Message-ID, when the report has one, must be the delivery's own (the
    provider ref the channel stored); a final report settles the row to failed by the
    transition table (the office is alerted there), anything else leaves it.
    """
    with change_session(db) as s:
        row = s.scalar(
            select(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.channel == "email")
            .with_for_update()
        )
        if row is None:
            return BounceOutcome.UNKNOWN
        quoted = dsn.original_message_id
        if quoted and row.provider_ref and quoted != row.provider_ref:
            return BounceOutcome.MISMATCH
        if not dsn.final:
            return (BounceOutcome.PENDING if dsn.action == "delayed"
                    else BounceOutcome.UNCHANGED)  # fmt: skip
        try:
            settled = settle(s, row, DeliveryStatus.FAILED, now, dsn.reason)
        except ReceiptConflict:
            return BounceOutcome.FINAL
        return BounceOutcome.FAILED if settled is Outcome.APPLIED else BounceOutcome.UNCHANGED


def take_report(
    db: Engine, recipients: list[str], raw: bytes, bounce_domain: str, now: datetime
) -> list[BounceOutcome]:
    """Apply the report ``raw`` to each return path it was sent to; log each outcome."""
    try:
        dsn = parse_dsn(raw)
    except NotADsn as exc:
        log.info("bounce listener: a message that is no report (%s), ignored", exc)
        return [BounceOutcome.NOT_A_DSN]
    outcomes = []
    for address in recipients:
        delivery_id = delivery_of(address, bounce_domain)
        if delivery_id is None:
            continue
        outcome = apply_bounce(db, delivery_id, dsn, now)
        # The ids and codes only: the diagnostic quotes the member's address.
        log.log(
            logging.WARNING if outcome is BounceOutcome.FAILED else logging.INFO,
            "bounce for delivery %s: %s %s -> %s",
            delivery_id, dsn.action, dsn.status, outcome.value,
        )  # fmt: skip
        outcomes.append(outcome)
    return outcomes


@dataclass(frozen=True)
class BounceConfig:
    """Where the listener listens and which domain its return paths are at."""

    bounce_domain: str
    host: str = "127.0.0.1"
    port: int = 2525

    def __post_init__(self) -> None:
        if not self.bounce_domain or "@" in self.bounce_domain or "." not in self.bounce_domain:
            raise ValueError(f"bounce domain {self.bounce_domain!r} is not a mail domain")


class _Handler:
    """aiosmtpd's hooks: recipients checked at RCPT, the report applied at the end of DATA."""

    def __init__(self, listener: BounceListener) -> None:
        self.listener = listener

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if delivery_of(address, self.listener.config.bounce_domain) is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        listener = self.listener
        try:
            outcomes = await asyncio.to_thread(
                take_report, listener.db, list(envelope.rcpt_tos), bytes(envelope.content),
                listener.config.bounce_domain, listener.now(),
            )  # fmt: skip
        except Exception as exc:  # the database is away: the sender keeps it and retries
            log.warning("bounce listener: report not recorded (%s)", type(exc).__name__)
            return "451 4.3.0 Try again later"
        listener.outcomes.extend(outcomes)
        return "250 OK"


class BounceListener:
    """The SMTP listener in a thread (aiosmtpd's ``Controller``); ``outcomes`` lists each
    report's effect since it started (tests and the command's count read it).
    """

    def __init__(self, db: Engine, config: BounceConfig, now: Callable[[], datetime]) -> None:
        self.db = db
        self.config = config
        self.now = now
        self.outcomes: list[BounceOutcome] = []
        self._controller: Controller | None = None

    def start(self) -> Self:
        """Listen on the configured host and port; returns self."""
        self._controller = Controller(
            _Handler(self),
            hostname=self.config.host,
            port=self.config.port,
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            ready_timeout=10.0,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        """Close the port."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
