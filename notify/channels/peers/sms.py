"""A stand-in SMS gateway: the JSON API :mod:`notify.channels.sms` speaks, on 127.0.0.1.

``POST /messages`` with ``{"to", "from", "text"}`` (and ``reference``, ``callback_url``),
``Authorization: Bearer <key>`` and ``Idempotency-Key``. It answers 201 ``{"id",
"status": "accepted"}`` and records the SMS; a repeat with the same key answers 200 with
the same id and sends nothing more, as real gateways do, so a retry after a lost answer
is never a second SMS. Like a real gateway it then reports each message's fate: with a
``receipt_secret``, a message that named a ``callback_url`` gets a signed receipt POSTed
there over HTTP (``notify.receipts``), from a thread of its own and retried while the
answer is not 2xx; ``fate`` says which (default: delivered), or ``auto_receipts=False``
leaves it to :meth:`SmsGatewayPeer.post_receipt`.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from notify.channels.peers._http import HTTPPeer, Reply, Request
from notify.receipts import sign

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class SmsRecord:
    """One SMS the gateway accepted."""

    id: str
    to: str
    sender: str
    text: str
    idempotency_key: str
    reference: str = ""
    callback_url: str = ""


@dataclass(frozen=True)
class ReceiptPosted:
    """A receipt the gateway posted and what the callback answered (0: unreachable)."""

    message_id: str
    status: str
    answer: int
    body: str = ""


class SmsGatewayPeer(HTTPPeer):
    """The gateway stand-in; ``received`` lists each SMS once, ``receipts`` each receipt."""

    def __init__(
        self,
        port: int = 0,
        *,
        api_key: str = "test-sms-key",
        on_record: Callable[[SmsRecord], None] | None = None,
        receipt_secret: str = "",
        clock: Callable[[], float] = time.time,
        fate: Callable[[SmsRecord], tuple[str, str]] | None = None,
        auto_receipts: bool = True,
    ) -> None:
        super().__init__(port)
        self.api_key = api_key
        self.on_record = on_record
        self.receipt_secret = receipt_secret
        self.clock = clock
        self.fate = fate or (lambda record: ("delivered", ""))
        self.auto_receipts = auto_receipts
        self.received: list[SmsRecord] = []
        self.receipts: list[ReceiptPosted] = []
        self._by_key: dict[str, SmsRecord] = {}
        self._posted = threading.Condition(self._lock)

    def route(self, request: Request) -> Reply:
        """Accept ``POST /messages``; refuse a wrong key (401) or a malformed SMS (400)."""
        if request.method != "POST" or request.path != "/messages":
            return Reply(404, {"error": "no such route"})
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply(401, {"error": "bad api key"})
        key = request.headers.get("idempotency-key", "")
        try:
            data = request.json()
            to, sender, text = str(data["to"]), str(data["from"]), str(data["text"])
            reference = str(data.get("reference") or "")
            callback = str(data.get("callback_url") or "")
        except (ValueError, KeyError, TypeError, AttributeError):
            return Reply(400, {"error": "body must be JSON with to, from, text"})
        if not key or not _E164.match(to) or not text:
            return Reply(400, {"error": "idempotency key, E.164 'to' and text are required"})
        with self._lock:
            seen = self._by_key.get(key)
            if seen is not None:
                return Reply(200, {"id": seen.id, "status": "accepted"})
            n = len(self.received) + 1
            record = SmsRecord(f"sms-{n}", to, sender, text, key, reference, callback)
            self._by_key[key] = record
            self.received.append(record)
        if self.on_record is not None:
            self.on_record(record)
        if self.auto_receipts and callback and self.receipt_secret:
            status, code = self.fate(record)
            threading.Thread(
                target=self.post_receipt, args=(record, status, code), daemon=True
            ).start()
        return Reply(201, {"id": record.id, "status": "accepted"})

    def receipt_body(self, record: SmsRecord, status: str, error_code: str = "") -> bytes:
        """The receipt JSON the gateway posts for ``record``."""
        body = {"id": record.id, "reference": record.reference or None, "status": status,
                "error_code": error_code}  # fmt: skip
        return json.dumps(body).encode()

    def post_receipt(
        self,
        record: SmsRecord,
        status: str = "delivered",
        error_code: str = "",
        *,
        url: str | None = None,
        tries: int = 5,
    ) -> ReceiptPosted:
        """POST a signed receipt for ``record`` to its callback; retry on no answer or 5xx.

        Returns (and keeps in ``receipts``) the last answer's status and body.
        """
        body = self.receipt_body(record, status, error_code)
        target = url or record.callback_url
        answer, text = 0, ""
        for attempt in range(tries):
            headers = {
                "Content-Type": "application/json",
                "Noriai-Signature": sign(self.receipt_secret, body, int(self.clock())),
            }
            req = urllib.request.Request(target, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=10) as res:
                    answer, text = res.status, res.read().decode()
            except urllib.error.HTTPError as exc:
                answer, text = exc.code, exc.read().decode()
            except OSError:
                answer, text = 0, ""
            if answer and answer < 500:
                break
            time.sleep(0.1 * (attempt + 1))
        posted = ReceiptPosted(record.id, status, answer, text)
        with self._posted:
            self.receipts.append(posted)
            self._posted.notify_all()
        return posted

    def wait_receipts(self, n: int, timeout_s: float = 30.0) -> list[ReceiptPosted]:
        """Wait until ``n`` receipts were posted and answered; return them."""
        with self._posted:
            self._posted.wait_for(lambda: len(self.receipts) >= n, timeout=timeout_s)
            return list(self.receipts)
