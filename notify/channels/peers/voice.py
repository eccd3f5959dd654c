"""A stand-in voice-call provider: the JSON API :mod:`notify.channels.voice` speaks.

``POST /calls`` with ``{"to", "from", "text", "language", "repeat"}`` (bearer key,
``Idempotency-Key``) places a call that reads ``text`` aloud in ``language`` (``ja-JP`` or
``en-US``) and answers 201 ``{"id", "status": "queued"}``; ``GET /calls/<id>`` answers the
call's status. The outcome of the next calls can be set (``no-answer``, ``busy``,
``failed``); otherwise calls end ``completed``. A repeated key is not a second call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from notify.channels.peers._http import HTTPPeer, Reply, Request

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
LANGUAGES = frozenset({"ja-JP", "en-US"})
OUTCOMES = frozenset({"completed", "no-answer", "busy", "failed"})


@dataclass(frozen=True)
class CallRecord:
    """One call the provider placed: what it read, in which voice, and how it ended."""

    id: str
    to: str
    caller_id: str
    text: str
    language: str
    repeat: int
    idempotency_key: str
    outcome: str


class VoiceProviderPeer(HTTPPeer):
    """The voice provider stand-in; ``received`` lists each call once."""

    def __init__(
        self,
        port: int = 0,
        *,
        api_key: str = "test-voice-key",
        on_record: Callable[[CallRecord], None] | None = None,
    ) -> None:
        super().__init__(port)
        self.api_key = api_key
        self.on_record = on_record
        self.received: list[CallRecord] = []
        self._by_key: dict[str, CallRecord] = {}
        self._by_id: dict[str, CallRecord] = {}
        self._outcomes: list[str] = []

    def next_outcomes(self, *outcomes: str) -> None:
        """The next calls end this way, in order (then ``completed`` again)."""
        unknown = set(outcomes) - OUTCOMES
        if unknown:
            raise ValueError(f"unknown call outcomes: {sorted(unknown)}")
        with self._lock:
            self._outcomes.extend(outcomes)

    def route(self, request: Request) -> Reply:
        """Place a call (``POST /calls``) or tell its status (``GET /calls/<id>``)."""
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply(401, {"error": "bad api key"})
        if request.method == "GET" and request.path.startswith("/calls/"):
            with self._lock:
                call = self._by_id.get(request.path.removeprefix("/calls/"))
            if call is None:
                return Reply(404, {"error": "no such call"})
            return Reply(200, {"id": call.id, "status": call.outcome})
        if request.method != "POST" or request.path != "/calls":
            return Reply(404, {"error": "no such route"})
        key = request.headers.get("idempotency-key", "")
        try:
            data = request.json()
            to, text, language = str(data["to"]), str(data["text"]), str(data["language"])
            caller_id, repeat = str(data.get("from", "")), int(data.get("repeat", 1))
        except (ValueError, KeyError, TypeError):
            return Reply(400, {"error": "body must be JSON with to, text, language"})
        if not key or not _E164.match(to) or not text or language not in LANGUAGES:
            return Reply(400, {"error": "idempotency key, E.164 'to', text, language needed"})
        with self._lock:
            seen = self._by_key.get(key)
            if seen is not None:
                return Reply(200, {"id": seen.id, "status": "queued"})
            outcome = self._outcomes.pop(0) if self._outcomes else "completed"
            call = CallRecord(
                f"call-{len(self.received) + 1}",
                to,
                caller_id,
                text,
                language,
                max(1, repeat),
                key,
                outcome,
            )
            self._by_key[key] = call
            self._by_id[call.id] = call
            self.received.append(call)
        if self.on_record is not None:
            self.on_record(call)
        return Reply(201, {"id": call.id, "status": "queued"})
