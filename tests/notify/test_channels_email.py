"""Email through aiosmtplib to a local aiosmtpd server: headers, UTF-8, error classes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from notify.channels.base import Message
from notify.channels.email import EmailChannel, EmailConfig
from notify.channels.peers import SmtpPeer

ADDRESS = "hanako.suzuki@example.jp"
SUBJECT = "【のりあい】ご予約を承りました(予約番号 R-1234)"
BODY = "鈴木 花子 様\n12月3日(水) 9:30〜9:45 にお迎えに参ります。運賃 300円。"


def _message(did: str = "d-e-1", url: str | None = "https://noriai.example.jp/r/1") -> Message:
    return Message(did, "email", ADDRESS, "ja", SUBJECT, BODY, url)


def _channel(peer: SmtpPeer, user: str = "", password: str = "") -> EmailChannel:
    config = EmailConfig(
        host=peer.host,
        port=peer.port,
        sender="神栖市デマンドタクシー <noreply@noriai.example.jp>",
        user=user,
        password=password,
        starttls=False,
    )
    return EmailChannel(config)


@pytest.fixture
def smtp() -> Iterator[SmtpPeer]:
    with SmtpPeer() as peer:
        yield peer


def test_email_arrives_in_utf8_with_a_message_id_from_the_delivery(smtp: SmtpPeer) -> None:
    """Subject and body decode to the Japanese text; Message-ID carries the delivery id."""
    result = asyncio.run(_channel(smtp).send(_message(), timeout_s=5))
    assert result.ok and result.provider_ref == "<d-e-1@noriai.example.jp>"
    [mail] = smtp.received
    assert mail.rcpt_tos == (ADDRESS,) and mail.mail_from == "noreply@noriai.example.jp"
    assert mail.subject == SUBJECT
    assert mail.text.rstrip("\n") == f"{BODY}\n\nhttps://noriai.example.jp/r/1"
    assert mail.message["Message-ID"] == "<d-e-1@noriai.example.jp>"
    assert mail.message.get_content_charset() == "utf-8"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message["Date"]
    # On the wire the headers are ASCII (RFC 2047 words), as every relay accepts.
    head = mail.raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head
    assert str(mail.message["From"]).startswith("神栖市デマンドタクシー")


def test_login_is_used_when_configured() -> None:
    """With a user and password the channel logs in; a server requiring it accepts."""
    with SmtpPeer(credentials=("noriai", "s3cret")) as peer:
        ok = asyncio.run(
            _channel(peer, user="noriai", password="s3cret").send(_message(), timeout_s=5)
        )
        bad = asyncio.run(
            _channel(peer, user="noriai", password="nope").send(_message("d-e-2"), timeout_s=5)
        )
        assert ok.ok and len(peer.received) == 1
    # A refused login is our settings' fault: kept for a retry, not dropped.
    assert (bad.ok, bad.permanent, bad.error) == (False, False, "smtp_auth_535")


@pytest.mark.parametrize(
    ("where", "reply", "permanent", "error"),
    [
        ("rcpt", "550 5.1.1 User unknown", True, "smtp_550"),
        ("rcpt", "452 4.2.2 Mailbox full", False, "smtp_452"),
        ("data", "554 5.7.1 Rejected", True, "smtp_554"),
        ("data", "451 4.3.0 Try again later", False, "smtp_451"),
    ],
)
def test_smtp_replies_are_classified(
    smtp: SmtpPeer, where: str, reply: str, permanent: bool, error: str
) -> None:
    """SMTP 5xx replies are permanent, 4xx are retried."""
    if where == "rcpt":
        smtp.reject_next_rcpt(reply)
    else:
        smtp.reject_next_data(reply)
    result = asyncio.run(_channel(smtp).send(_message(), timeout_s=5))
    assert (result.ok, result.permanent, result.error) == (False, permanent, error)
    assert smtp.received == []


def test_timeout_and_down_are_retried_and_delivered_when_back(smtp: SmtpPeer) -> None:
    """A relay that hangs in DATA is a timeout; a closed port a connect error; both retry."""
    channel = _channel(smtp)
    smtp.hang()
    try:
        hung = asyncio.run(channel.send(_message(), timeout_s=0.5))
    finally:
        smtp.release()
    smtp.down()
    refused = asyncio.run(channel.send(_message(), timeout_s=5))
    smtp.up()
    delivered = asyncio.run(channel.send(_message(), timeout_s=5))
    assert (hung.ok, hung.permanent, hung.error) == (False, False, "timeout")
    assert (refused.ok, refused.permanent, refused.error) == (False, False, "connect")
    assert delivered.ok


def test_failures_never_log_the_address_or_the_text(
    smtp: SmtpPeer, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the delivery id and the SMTP code reach the log."""
    smtp.reject_next_rcpt("550 5.1.1 User unknown")
    with caplog.at_level(logging.DEBUG, logger="notify"):
        asyncio.run(_channel(smtp).send(_message("d-e-log"), timeout_s=5))
    assert "d-e-log" in caplog.text and "smtp_550" in caplog.text
    assert ADDRESS not in caplog.text and "鈴木" not in caplog.text


def test_config_needs_a_from_address_with_a_domain() -> None:
    """Without a domain no Message-ID can be made, so the config is refused."""
    with pytest.raises(ValueError, match="domain"):
        EmailConfig(host="127.0.0.1", port=25, sender="noreply")
