"""The event-bus interface: numbered messages per topic, live fan-out and replay.

A message's ``seq`` grows by one per topic. ``subscribe(topic, since_seq)``
first queues every kept message after ``since_seq`` and then live ones; when
the bus no longer holds them (trimmed, or the counter restarted after a Redis
restart) the subscription says so with ``gap`` and the caller sends a fresh
full state instead.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import Any, Protocol

#: How many messages per topic a bus keeps for replay.
KEEP_PER_TOPIC = 2000

_log = logging.getLogger(__name__)


def _scrub(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def finite_only(data: dict[str, Any], what: str = "message") -> dict[str, Any]:
    """Return ``data`` with every NaN or infinity replaced by ``None`` (logged).

    Such numbers are not JSON: one in a board message or snapshot made every
    operator's board fail to parse it. Positions are refused where they come in
    (``dispatch.gps``); this is the last guard so no path can poison a client.
    """
    try:
        json.dumps(data, allow_nan=False, default=str)
    except ValueError:
        _log.warning("%s with a non-finite number: replaced by null", what)
        return _scrub(data)  # type: ignore[no-any-return]
    return data


@dataclass(frozen=True)
class Message:
    """One published message: its topic, per-topic sequence number and JSON data."""

    topic: str
    seq: int
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """Return the data with ``seq`` added, as sent to websocket clients."""
        return {**self.data, "seq": self.seq}


class Subscription(Protocol):
    """A live feed of one topic, read from an asyncio task.

    ``start_seq`` is the sequence number of the last message *before* the live
    ones (a full state built right after subscribing is at least that new);
    ``gap`` is true when ``since_seq`` was given but could not be replayed.
    """

    start_seq: int
    gap: bool

    async def get(self, timeout_s: float | None = None) -> Message | None:
        """Return the next message, or ``None`` after ``timeout_s`` seconds."""
        ...

    def close(self) -> None:
        """Stop receiving messages."""
        ...


class EventBus(Protocol):
    """Publish numbered messages and subscribe with replay (in-process or Redis)."""

    def publish(self, topic: str, data: dict[str, Any]) -> int:
        """Publish ``data`` on ``topic`` from any thread; return its sequence number."""
        ...

    def last_seq(self, topic: str) -> int:
        """Return the sequence number of the newest message on ``topic`` (0 if none)."""
        ...

    def replay(self, topic: str, since_seq: int) -> list[Message] | None:
        """Return the kept messages after ``since_seq``, or ``None`` if some are gone."""
        ...

    def subscribe(self, topic: str, since_seq: int | None = None) -> Subscription:
        """Subscribe from inside a running event loop (see the module docstring)."""
        ...

    def close(self) -> None:
        """Release connections and stop background readers."""
        ...


class LeaderLock(Protocol):
    """Decides which engine process runs the background loop (exactly one at a time)."""

    def acquire(self) -> bool:
        """Try to become (or stay) leader; return whether this process leads now."""
        ...

    def release(self) -> None:
        """Give up leadership (if held)."""
        ...
