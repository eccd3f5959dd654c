"""Email bounces: the return path that names a delivery, and RFC 3464 reports read back.

A relay that accepted a message may fail to deliver it later; the receiving side then
mails a delivery status notification (DSN: ``multipart/report;
report-type=delivery-status``) to the message's envelope sender. Each email is sent
with its own envelope sender, ``bounce+<delivery id>@<bounce domain>`` (VERP), so a
report names the delivery by the address it comes to, whatever its body says; the
original Message-ID quoted in the report (``<delivery id@from domain>``) is a cross-check.
Parsing uses only the standard library's ``email`` package.
"""

from __future__ import annotations

import email
import email.parser
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message

LOCAL_PREFIX = "bounce+"
_ID = re.compile(r"^bounce\+([0-9a-f]{1,32})$", re.IGNORECASE)
_STATUS = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})$")


def return_path(delivery_id: str, bounce_domain: str) -> str:
    """The envelope sender of ``delivery_id``'s email: ``bounce+<id>@<bounce_domain>``."""
    return f"{LOCAL_PREFIX}{delivery_id}@{bounce_domain}"


def delivery_of(address: str, bounce_domain: str) -> str | None:
    """The delivery id a return path names, or None for any other address."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or domain.lower() != bounce_domain.lower():
        return None
    found = _ID.match(local)
    return found.group(1).lower() if found else None


@dataclass(frozen=True)
class Dsn:
    """What a delivery status notification says of its (first failed) recipient.

    ``final`` is true when the reporting server gave up (``Action: failed``); a delay
    report (``Action: delayed``, a 4.x.x status) is not final: the server still tries.
    """

    action: str  # failed | delayed | delivered | relayed | expanded
    status: str  # the enhanced status code, e.g. 5.1.1
    diagnostic: str = ""  # the remote server's own reply, e.g. "smtp; 550 5.1.1 ..."
    recipient: str = ""  # Final-Recipient, without its "rfc822;" type
    original_message_id: str = ""  # the Message-ID of the mail it reports on, if quoted

    @property
    def final(self) -> bool:
        """Whether the message will not be delivered (the server gave up on it)."""
        return self.action == "failed"

    @property
    def reason(self) -> str:
        """The delivery log's reason: ``bounce: 5.1.1 <diagnostic>``."""
        text = f"bounce: {self.status}"
        return f"{text} {self.diagnostic}" if self.diagnostic else text


class NotADsn(ValueError):
    """The message is not a delivery status notification (an auto-reply, spam ...)."""


def _fields(block: Message) -> dict[str, str]:
    return {k.lower(): " ".join(str(v).split()) for k, v in block.items()}


def _typed(value: str) -> str:
    """Strip the address or diagnostic type (``rfc822;``, ``smtp;``) off an address field."""
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def _blocks(part: Message) -> list[Message]:
    """The per-message and per-recipient field blocks of a message/delivery-status part."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parses the blocks as sub-messages
        return [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    return [parser.parsestr(chunk) for chunk in re.split(r"\r?\n\r?\n", text) if chunk.strip()]


def _original_id(report: Message) -> str:
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
            headers = email.message_from_string(text, policy=email.policy.compat32)
            return str(headers.get("Message-ID", "")).strip()
        if kind == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(first, Message):
                return str(first.get("Message-ID", "")).strip()
    return ""


def parse_dsn(raw: bytes) -> Dsn:
    """Read the DSN in ``raw`` (a whole message); raise ``NotADsn`` for anything else.

    Of several recipients the first failed one is taken (each of our emails has one
    recipient, so several is another sender's report). A status that is not an
    enhanced code (RFC 3463) makes it no DSN: a guess is not written to the log.
    """
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    if mail.get_content_type() != "multipart/report":
        raise NotADsn(f"a {mail.get_content_type()} message")
    if str(mail.get_param("report-type", "")).lower() != "delivery-status":
        raise NotADsn("a report that is not delivery-status")
    part = next((p for p in mail.walk() if p.get_content_type() == "message/delivery-status"),
                None)  # fmt: skip
    if part is None:
        raise NotADsn("no message/delivery-status part")
    recipients = [f for f in map(_fields, _blocks(part)) if "action" in f]
    if not recipients:
        raise NotADsn("no recipient in the report")
    chosen = next((f for f in recipients if f["action"].lower() == "failed"), recipients[0])
    status = chosen.get("status", "").split(" ")[0]
    if _STATUS.match(status) is None:
        raise NotADsn(f"status {status!r} is no enhanced status code")
    return Dsn(
        action=chosen["action"].lower(),
        status=status,
        diagnostic=_typed(chosen.get("diagnostic-code", ""))[:150],
        recipient=_typed(chosen.get("final-recipient", "")),
        original_message_id=_original_id(mail),
    )
