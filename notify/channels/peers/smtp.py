"""A local SMTP server (aiosmtpd) in a thread that records each message it accepts.

It parses what it receives with the standard library, so tests read the subject and body
as a mail client would (RFC 2047 words and the body's charset decoded). It can refuse the
next recipients or messages with a given SMTP reply (``550 …`` permanent, ``451 …``
temporary), hang in DATA until released, be down (port closed) and come back, and require
a login. With a certificate it speaks TLS: from the first byte (``tls="implicit"``, as
on port 465) or after STARTTLS, which it then requires before MAIL (``tls="starttls"``,
as on 587); each record says whether it came encrypted.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class EmailRecord:
    """One message the server accepted: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    tls: bool = False  # the message came over an encrypted connection

    @property
    def subject(self) -> str:
        """The decoded Subject header."""
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The decoded text/plain body, with line ends as a mail client shows them."""
        part = self.message.get_body(preferencelist=("plain",))
        assert isinstance(part, EmailMessage)
        # MIME text is CRLF on the wire (and inside base64); readers show plain newlines.
        return str(part.get_content()).replace("\r\n", "\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpPeer:
    """The SMTP stand-in; ``received`` lists each accepted message; ``port`` is stable.

    ``credentials=(user, password)`` makes it require AUTH (allowed without TLS, as this
    is a loopback test server).
    """

    def __init__(
        self,
        port: int = 0,
        *,
        credentials: tuple[str, str] | None = None,
        on_record: Callable[[EmailRecord], None] | None = None,
        tls: str | None = None,
        cert_file: str = "",
        key_file: str = "",
    ) -> None:
        if tls not in (None, "implicit", "starttls") or (tls and not cert_file):
            raise ValueError("tls is 'implicit' or 'starttls', with a cert_file")
        self.tls = tls
        self._server_tls: ssl.SSLContext | None = None
        if tls:
            self._server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._server_tls.load_cert_chain(cert_file, key_file or None)
        self.port = port or _free_port()
        self.credentials = credentials
        self.on_record = on_record
        self.received: list[EmailRecord] = []
        self._lock = threading.Lock()
        self._rcpt_replies: list[str] = []
        self._data_replies: list[str] = []
        self._release = threading.Event()
        self._release.set()
        self._controller: Controller | None = None

    @property
    def host(self) -> str:
        """The address it listens on."""
        return "127.0.0.1"

    def start(self) -> Self:
        """Listen on ``port`` in a thread; returns self."""
        kwargs: dict[str, Any] = {}
        if self.credentials is not None:
            kwargs.update(
                authenticator=self._authenticate, auth_required=True, auth_require_tls=False
            )
        if self.tls == "implicit":
            kwargs["ssl_context"] = self._server_tls
        elif self.tls == "starttls":
            kwargs.update(tls_context=self._server_tls, require_starttls=True)
        self._controller = _QuietController(
            _Handler(self), hostname=self.host, port=self.port, enable_SMTPUTF8=True, **kwargs
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        """Close the port (a hanging DATA is released first)."""
        self._release.set()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def down(self) -> None:
        """Be unreachable: connections are refused until :meth:`up`."""
        self.stop()

    def up(self) -> None:
        """Listen again on the same port."""
        if self._controller is None:
            self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reject_next_rcpt(self, reply: str, times: int = 1) -> None:
        """Answer RCPT TO of the next ``times`` recipients with ``reply`` (e.g. ``550 …``)."""
        with self._lock:
            self._rcpt_replies.extend([reply] * times)

    def reject_next_data(self, reply: str, times: int = 1) -> None:
        """Answer the end of DATA of the next ``times`` messages with ``reply``."""
        with self._lock:
            self._data_replies.extend([reply] * times)

    def hang(self) -> None:
        """Hold every DATA without answering until :meth:`release`."""
        self._release.clear()

    def release(self) -> None:
        """Let held messages be answered."""
        self._release.set()

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            self.credentials is not None
            and isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.credentials[0]
            and auth_data.password.decode() == self.credentials[1]
        )
        return AuthResult(success=ok, handled=False)

    def _pop(self, replies: list[str]) -> str | None:
        with self._lock:
            return replies.pop(0) if replies else None

    def _record(self, mail_from: str, rcpt_tos: list[str], raw: bytes, tls: bool) -> None:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        record = EmailRecord(mail_from, tuple(rcpt_tos), raw, parsed, tls)
        with self._lock:
            self.received.append(record)
        if self.on_record is not None:
            self.on_record(record)


class _QuietController(Controller):
    """A Controller whose sessions do not warn that AUTH is allowed without TLS.

    aiosmtpd warns on every connection; on a loopback test server that is noise.
    """

    def factory(self) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


class _Handler:
    """aiosmtpd's hooks, delegating to the peer's switches and records."""

    def __init__(self, peer: SmtpPeer) -> None:
        self.peer = peer

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        reply = self.peer._pop(self.peer._rcpt_replies)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.peer._release.is_set():
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.peer._release.wait, 120)
        reply = self.peer._pop(self.peer._data_replies)
        if reply is not None:
            return reply
        self.peer._record(str(envelope.mail_from), list(envelope.rcpt_tos), envelope.content,
                          server.transport.get_extra_info("ssl_object") is not None)  # fmt: skip
        return "250 OK"
