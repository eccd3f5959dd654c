"""Email over SMTP with ``aiosmtplib``: plain text, UTF-8, one Message-ID per delivery.

The Message-ID is made from the delivery id (``<delivery_id@sender-domain>``), so a retry
of the same delivery carries the same id and mail systems and readers can tell a duplicate.
Japanese subjects are RFC 2047-encoded and bodies sent as UTF-8, which every mail client
reads.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from notify.channels._http import failed
from notify.channels.base import Message, SendResult

_DOMAIN = re.compile(r"@([^>\s]+)>?\s*$")


@dataclass(frozen=True)
class EmailConfig:
    """The SMTP relay and the From address (from ``NORIAI_SMTP_*``)."""

    host: str
    port: int
    sender: str  # From: e.g. "神栖市デマンドタクシー <noreply@example.jp>"
    user: str = ""
    password: str = ""
    starttls: bool = True

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("SMTP host is empty")
        if _DOMAIN.search(self.sender) is None:
            raise ValueError("SMTP From must be an address with a domain")

    @property
    def domain(self) -> str:
        """The From address's domain, used in Message-IDs."""
        found = _DOMAIN.search(self.sender)
        assert found is not None
        return found.group(1)


def build_email(config: EmailConfig, message: Message) -> EmailMessage:
    """The MIME message for ``message``: headers, UTF-8 text, the link on its own line."""
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = config.sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{message.delivery_id}@{config.domain}>"
    # Tells mail servers and vacation responders not to answer an automatic notice.
    mail["Auto-Submitted"] = "auto-generated"
    text = message.body if message.url is None else f"{message.body}\n\n{message.url}"
    mail.set_content(text, charset="utf-8")
    if message.language.startswith("ja"):
        mail["Content-Language"] = "ja"
    else:
        mail["Content-Language"] = message.language
    return mail


class EmailChannel:
    """Sends one email per :meth:`send` through the configured relay."""

    name = "email"

    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    async def send(self, message: Message, *, timeout_s: float) -> SendResult:
        """Send through SMTP; a 5xx reply is permanent, 4xx, time-outs and refusals retry."""
        mail = build_email(self.config, message)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.config.host,
                port=self.config.port,
                username=self.config.user or None,
                password=self.config.password or None,
                start_tls=self.config.starttls,
                timeout=timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [e.code for e in exc.recipients]
            return _reply_result(message, min(codes) if codes else 450)
        except aiosmtplib.SMTPAuthenticationError as exc:
            # Our login is wrong, not the member's address: keep the message for when the
            # office fixes the settings.
            return failed(message, f"smtp_auth_{exc.code}", permanent=False)
        except aiosmtplib.SMTPResponseException as exc:
            return _reply_result(message, exc.code)
        except (aiosmtplib.SMTPTimeoutError, TimeoutError):
            return failed(message, "timeout", permanent=False)
        except (aiosmtplib.SMTPException, OSError):
            return failed(message, "connect", permanent=False)
        return SendResult(ok=True, provider_ref=str(mail["Message-ID"]))


def _reply_result(message: Message, code: int) -> SendResult:
    return failed(message, f"smtp_{code}", permanent=500 <= code < 600)
