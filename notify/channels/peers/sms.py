"""A stand-in SMS gateway: the JSON API :mod:`notify.channels.sms` speaks, on 127.0.0.1.

``POST /messages`` with ``{"to", "from", "text"}``, ``Authorization: Bearer <key>`` and
``Idempotency-Key``. It answers 201 ``{"id", "status": "accepted"}`` and records the SMS;
a repeat with the same key answers 200 with the same id and sends nothing more, as real
gateways do, so a retry after a lost answer is never a second SMS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from notify.channels.peers._http import HTTPPeer, Reply, Request

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class SmsRecord:
    """One SMS the gateway accepted."""

    id: str
    to: str
    sender: str
    text: str
    idempotency_key: str


class SmsGatewayPeer(HTTPPeer):
    """The gateway stand-in; ``received`` lists each SMS once, in arrival order."""

    def __init__(
        self,
        port: int = 0,
        *,
        api_key: str = "test-sms-key",
        on_record: Callable[[SmsRecord], None] | None = None,
    ) -> None:
        super().__init__(port)
        self.api_key = api_key
        self.on_record = on_record
        self.received: list[SmsRecord] = []
        self._by_key: dict[str, SmsRecord] = {}

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
        except (ValueError, KeyError, TypeError):
            return Reply(400, {"error": "body must be JSON with to, from, text"})
        if not key or not _E164.match(to) or not text:
            return Reply(400, {"error": "idempotency key, E.164 'to' and text are required"})
        with self._lock:
            seen = self._by_key.get(key)
            if seen is not None:
                return Reply(200, {"id": seen.id, "status": "accepted"})
            record = SmsRecord(f"sms-{len(self.received) + 1}", to, sender, text, key)
            self._by_key[key] = record
            self.received.append(record)
        if self.on_record is not None:
            self.on_record(record)
        return Reply(201, {"id": record.id, "status": "accepted"})
