"""Email over SMTP with ``aiosmtplib``: plain text, UTF-8, one Message-ID per delivery.

The Message-ID is made from the delivery id (``<delivery_id@sender-domain>``), so a retry
of the same delivery carries the same id and mail systems and readers can tell a duplicate.
Japanese subjects are RFC 2047-encoded and bodies sent as UTF-8, which every mail client
reads.

The relay is reached over TLS unless the settings say otherwise: STARTTLS on the
submission port (587, required: a relay that does not offer it is not written to in
clear) or implicit TLS (465). The relay's certificate is verified against the system's
CAs, or only against ``ca_file`` for a relay with a private CA; a certificate that does
not verify is a retry (``tls``), so the message waits for the office to fix it.

With a bounce domain each message's envelope sender (its return path) is
``bounce+<delivery id>@<bounce domain>``, so a later bounce names its delivery
(``notify.dsn``, ``notify.bounces``); without one it is the From address.
"""

from __future__ import annotations

import email.policy
import email.utils
import os
import re
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from notify.channels._http import failed
from notify.channels.base import Message, SendResult
from notify.dsn import return_path

_DOMAIN = re.compile(r"@([^>\s]+)>?\s*$")


@dataclass(frozen=True)
class EmailConfig:
    """The SMTP relay and the From address (from ``NORIAI_SMTP_*``)."""

    host: str
    port: int
    sender: str  # From: e.g. "神栖市デマンドタクシー <noreply@example.jp>"
    user: str = ""
    password: str = ""
    starttls: bool = True  # upgrade a plain connection (587); required when set
    implicit_tls: bool = False  # TLS from the first byte (465); STARTTLS is then moot
    verify_certs: bool = True  # off only for a relay on the same host, never in production
    ca_file: str = ""  # PEM CAs to trust instead of the system's (a private relay)
    bounce_domain: str = ""  # set: each email's envelope sender is bounce+<id>@ this domain

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("SMTP host is empty")
        if _DOMAIN.search(self.sender) is None:
            raise ValueError("SMTP From must be an address with a domain")
        if self.ca_file and not os.path.isfile(self.ca_file):
            raise ValueError(f"SMTP CA file {self.ca_file!r} does not exist")
        if self.bounce_domain and ("@" in self.bounce_domain or "." not in self.bounce_domain):
            raise ValueError(f"bounce domain {self.bounce_domain!r} is not a mail domain")

    @property
    def uses_tls(self) -> bool:
        """Whether messages travel encrypted (implicit TLS or STARTTLS)."""
        return self.implicit_tls or self.starttls

    def tls_context(self) -> ssl.SSLContext:
        """The client TLS context: the CA file's or the system's CAs, hostname checked."""
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if not self.verify_certs:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    @property
    def domain(self) -> str:
        """The From address's domain, used in Message-IDs."""
        found = _DOMAIN.search(self.sender)
        assert found is not None
        return found.group(1)

    def envelope_sender(self, delivery_id: str) -> str | None:
        """MAIL FROM for a delivery: its own return path with a bounce domain, else From's."""
        return return_path(delivery_id, self.bounce_domain) if self.bounce_domain else None


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
        # Made once: it reads the CA file, and a worker sends many messages.
        self._tls = config.tls_context() if config.uses_tls else None

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
                sender=self.config.envelope_sender(message.delivery_id),
                use_tls=self.config.implicit_tls,
                start_tls=self.config.starttls and not self.config.implicit_tls,
                tls_context=self._tls,
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
        except (aiosmtplib.SMTPException, OSError) as exc:
            # A certificate that does not verify (or a relay without STARTTLS) is our
            # settings' or the relay's fault: kept for a retry, and said apart.
            return failed(message, "tls" if _tls_failure(exc) else "connect", permanent=False)
        return SendResult(ok=True, provider_ref=str(mail["Message-ID"]))


def _tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):  # aiosmtplib wraps the ssl error in its own
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError) or "STARTTLS" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reply_result(message: Message, code: int) -> SendResult:
    return failed(message, f"smtp_{code}", permanent=500 <= code < 600)
