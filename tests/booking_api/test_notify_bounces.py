"""Email bounces (issue 12 §3): our mail goes through the local SMTP relay (aiosmtpd) with a
return path naming its delivery; a client then sends real RFC 3464 reports over SMTP to our
bounce listener. A final one fails the delivery with its status and diagnostic in the log,
the member's deliveries and the daily count, and alerts the office; a delay report, a repeat,
an unknown delivery, a mismatched Message-ID or a plain auto-reply change nothing; the
listener takes no mail for other addresses.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from booking_api.notifications import make_feed, notify_config
from booking_api.settings import Settings
from dispatch.store.tables import EventRow
from notify.bounces import BounceListener, BounceOutcome
from notify.channels.email import EmailChannel
from notify.channels.peers import SmtpPeer
from notify.channels.standin import standins
from notify.worker import Notifier
from tests.booking_api.conftest import Api
from tests.booking_api.fakes import FixedClock

BOUNCES = "bounces.noriai.example.jp"
REPORT = "/api/v1/reports/deliveries"
DIAG = "smtp; 550 5.1.1 <gone@example.jp>: Recipient address rejected: User unknown"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def relay() -> Iterator[SmtpPeer]:
    with SmtpPeer() as peer:
        yield peer


@pytest.fixture
def mail_settings(settings: Settings, relay: SmtpPeer) -> Settings:
    return settings.model_copy(update={
        "smtp_host": relay.host, "smtp_port": relay.port, "smtp_starttls": False,
        "smtp_from": "神栖市デマンドタクシー <noreply@noriai.example.jp>",
        "bounce_domain": BOUNCES, "bounce_port": _free_port()})  # fmt: skip


@pytest.fixture
def listener(mail_settings: Settings, db: Engine, clock: FixedClock) -> Iterator[BounceListener]:
    with BounceListener(db, mail_settings.bounce_config(), clock.now) as bl:
        yield bl


def _drain(db: Engine, settings: Settings, clock: FixedClock) -> None:
    channels = {**standins(None), "email": EmailChannel(settings.email_config())}
    worker = Notifier(db, channels, notify_config(settings), clock.now, make_feed(settings), "w")

    async def go() -> None:
        while await worker.run_once():
            pass

    asyncio.run(go())


def _dsn(original: bytes, rcpt: str, action: str, status: str, diag: str = DIAG) -> bytes:
    """A report as Postfix writes it: the human part, the status fields, the original's headers."""
    head = original.split(b"\r\n\r\n", 1)[0].decode()
    return (
        "From: MAILER-DAEMON@mx.example.jp (Mail Delivery System)\r\n"
        f"To: {rcpt}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status;\r\n boundary="BND"\r\n'
        "\r\n--BND\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.example.jp.\r\n\r\n"
        "--BND\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.jp\r\n"
        "Arrival-Date: Wed,  2 Dec 2026 10:00:05 +0900 (JST)\r\n\r\n"
        "Final-Recipient: rfc822; gone@example.jp\r\n"
        "Original-Recipient: rfc822;gone@example.jp\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Remote-MTA: dns; mail.example.jp\r\n"
        f"Diagnostic-Code: {diag}\r\n\r\n"
        "--BND\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"{head}\r\n\r\n"
        "--BND--\r\n"
    ).encode()


def _send(listener: BounceListener, rcpt: str, raw: bytes) -> None:
    with smtplib.SMTP(listener.config.host, listener.config.port, timeout=30) as c:
        c.sendmail("<>", [rcpt], raw)  # a DSN comes from the null sender


def _emails(api: Api, staff: dict[str, str], member_id: str) -> dict[str, Any]:
    r = api.client.get("/api/v1/deliveries", params={"member_id": member_id}, headers=staff)
    assert r.status_code == 200, r.text
    [mail] = [d for d in r.json()["items"] if d["channel"] == "email"]
    return dict(mail)


def test_a_bounce_fails_the_email_and_the_rest_change_nothing(
    api: Api, db: Engine, clock: FixedClock, mail_settings: Settings, relay: SmtpPeer,
    listener: BounceListener,
) -> None:  # fmt: skip
    """Bounced, delayed and delivered members; the log, the alert, the count, repeats."""
    _drain(db, mail_settings, clock)  # the feed starts here
    staff = api.staff()
    gone, _ = api.member(staff, phone="090-5555-0101", email="gone@example.jp")
    later, _ = api.member(staff, phone="090-5555-0102", email="later@example.jp")
    fine, _ = api.member(staff, phone="090-5555-0103", email="fine@example.jp")
    _drain(db, mail_settings, clock)
    sent = {m["id"]: _emails(api, staff, m["id"]) for m in (gone, later, fine)}
    assert {d["status"] for d in sent.values()} == {"sent"}
    by_to = {r.rcpt_tos[0]: r for r in relay.received}
    # each email's envelope sender names its delivery
    for member, address in ((gone, "gone@example.jp"), (later, "later@example.jp")):
        assert by_to[address].mail_from == f"bounce+{sent[member['id']]['id']}@{BOUNCES}"
    gone_rcpt = by_to["gone@example.jp"].mail_from
    later_rcpt = by_to["later@example.jp"].mail_from

    _send(listener, gone_rcpt, _dsn(by_to["gone@example.jp"].raw, gone_rcpt, "failed", "5.1.1"))
    late = _dsn(by_to["later@example.jp"].raw, later_rcpt, "delayed", "4.4.1",
                "smtp; 451 4.4.1 mail.example.jp: connection timed out")  # fmt: skip
    _send(listener, later_rcpt, late)
    assert listener.outcomes == [BounceOutcome.FAILED, BounceOutcome.PENDING]

    failed = _emails(api, staff, gone["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == f"bounce: 5.1.1 {DIAG.split('; ', 1)[1]}"
    assert _emails(api, staff, later["id"])["status"] == "sent"
    assert _emails(api, staff, fine["id"])["status"] == "sent"
    with Session(db) as s:
        alerts = [e.payload for e in s.scalars(select(EventRow).where(EventRow.kind == "alert"))]
    assert [(a["delivery_id"], a["channel"]) for a in alerts] == [(failed["id"], "email")]
    r = api.client.get("/api/v1/deliveries", params={"status": "failed"}, headers=staff)
    assert [d["id"] for d in r.json()["items"]] == [failed["id"]]
    report = api.client.get(REPORT, params={"start": "2026-12-01", "end": "2026-12-01"},
                            headers=staff).json()  # fmt: skip
    email = next(d for d in report["days"] if d["channel"] == "email")
    assert (email["sent"], email["failed"], email["delivered"]) == (2, 1, None)

    # Nothing changes: the same report again, another final report for the failed one,
    # an unknown delivery, a report quoting another message's Message-ID, an auto-reply.
    _send(listener, gone_rcpt, _dsn(by_to["gone@example.jp"].raw, gone_rcpt, "failed", "5.1.1"))
    _send(listener, gone_rcpt, _dsn(by_to["gone@example.jp"].raw, gone_rcpt, "failed", "5.2.2",
                                    "smtp; 552 5.2.2 Mailbox full"))  # fmt: skip
    stranger = f"bounce+{uuid.uuid4().hex}@{BOUNCES}"
    _send(listener, stranger, _dsn(by_to["gone@example.jp"].raw, stranger, "failed", "5.1.1"))
    _send(listener, later_rcpt, _dsn(by_to["fine@example.jp"].raw, later_rcpt, "failed", "5.1.1"))
    _send(listener, later_rcpt, b"Subject: Out of office\r\n\r\nI am away until Monday.\r\n")
    assert listener.outcomes[2:] == [BounceOutcome.UNCHANGED, BounceOutcome.UNCHANGED,
                                     BounceOutcome.UNKNOWN, BounceOutcome.MISMATCH,
                                     BounceOutcome.NOT_A_DSN]  # fmt: skip
    assert _emails(api, staff, gone["id"])["error"] == failed["error"]
    assert _emails(api, staff, later["id"])["status"] == "sent"
    with Session(db) as s:
        assert len(list(s.scalars(select(EventRow).where(EventRow.kind == "alert")))) == 1

    # It is no relay: mail for any other address is refused at RCPT.
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(listener, "someone@example.jp", b"Subject: hi\r\n\r\nhi\r\n")
    assert refused.value.recipients["someone@example.jp"][0] == 550
