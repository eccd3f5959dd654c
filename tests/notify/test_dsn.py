"""Reading RFC 3464 delivery status notifications and the VERP return paths (notify.dsn)."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from notify.dsn import NotADsn, delivery_of, parse_dsn, return_path

ID = "0f3c9a7e5b2d4c1e8a6b3d2f1e0c9b8a"


def test_the_return_path_names_the_delivery_and_nothing_else() -> None:
    """Round trip, the domain in any case, and other addresses are not a delivery."""
    address = return_path(ID, "bounces.example.jp")
    assert address == f"bounce+{ID}@bounces.example.jp"
    assert delivery_of(f"<{address.upper()}>", "bounces.example.jp") == ID
    assert delivery_of(f"bounce+{ID}@other.example.jp", "bounces.example.jp") is None
    assert delivery_of("postmaster@bounces.example.jp", "bounces.example.jp") is None
    assert delivery_of("bounce+not-hex@bounces.example.jp", "bounces.example.jp") is None


def _report(fields: str, report_type: str = "delivery-status", original: bool = True) -> bytes:
    """A DSN built with the email package: human part, status, the whole original message."""
    report = MIMEMultipart("report", report_type=report_type)
    report.attach(MIMEText("Delivery to the following recipient failed permanently."))
    # parsed, so its field blocks are sub-messages as the generator wants them
    status = email.message_from_string(
        f"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.jp\n\n{fields}"
    )
    report.attach(status)
    if original:
        inner = EmailMessage()
        inner["Message-ID"] = f"<{ID}@noriai.example.jp>"
        inner["Subject"] = "x"
        inner.set_content("本文")
        wrapper = EmailMessage()
        wrapper.set_content(inner)  # message/rfc822
        report.attach(wrapper)
    return report.as_bytes()


def test_a_failed_report_with_the_original_message_attached() -> None:
    """Action, status, diagnostic without its type, recipient, the original's Message-ID."""
    dsn = parse_dsn(_report(
        "Final-Recipient: rfc822; taro@example.jp\nAction: failed\nStatus: 5.2.2\n"
        "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n"))  # fmt: skip
    assert (dsn.action, dsn.status, dsn.final) == ("failed", "5.2.2", True)
    assert dsn.diagnostic == "552 5.2.2 Mailbox full"
    assert dsn.recipient == "taro@example.jp"
    assert dsn.original_message_id == f"<{ID}@noriai.example.jp>"
    assert dsn.reason == "bounce: 5.2.2 552 5.2.2 Mailbox full"


def test_a_delay_report_is_not_final() -> None:
    """A 4.x.x 'delayed' report: the server is still trying."""
    dsn = parse_dsn(_report("Final-Recipient: rfc822; t@example.jp\nAction: delayed\n"
                            "Status: 4.4.7\n", original=False))  # fmt: skip
    assert (dsn.action, dsn.status, dsn.final, dsn.original_message_id) == (
        "delayed", "4.4.7", False, "")  # fmt: skip


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: Out of office\r\n\r\nAway.\r\n",
        _report(
            "Final-Recipient: rfc822; t@example.jp\nAction: failed\nStatus: 5.1.1\n",
            report_type="disposition-notification",
        ),
        _report("Final-Recipient: rfc822; t@example.jp\nAction: failed\nStatus: bad\n"),
        _report("Arrival-Date: Wed, 2 Dec 2026 10:00:00 +0900\n"),
    ],
    ids=["auto-reply", "read-receipt", "no-status-code", "no-recipient"],
)
def test_what_is_no_delivery_report_is_said_so(raw: bytes) -> None:
    """Auto-replies, other reports and reports without a usable status are refused."""
    with pytest.raises(NotADsn):
        parse_dsn(raw)
