"""The in-process event bus (the embedded default) and its always-leader lock."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any

from dispatch.bus.base import KEEP_PER_TOPIC, Message, finite_only


class _Topic:
    def __init__(self, keep: int) -> None:
        self.seq = 0
        self.history: deque[Message] = deque(maxlen=keep)
        self.subscribers: set[_MemorySubscription] = set()


class _MemorySubscription:
    """Queue fed by the bus through ``call_soon_threadsafe`` on the subscriber's loop."""

    def __init__(self, bus: InProcessBus, topic: str, start_seq: int, gap: bool) -> None:
        self._bus = bus
        self._topic = topic
        self.start_seq = start_seq
        self.gap = gap
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Message] = asyncio.Queue()
        self.closed = False

    async def get(self, timeout_s: float | None = None) -> Message | None:
        """Return the next message, or ``None`` after ``timeout_s`` seconds."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout_s)
        except TimeoutError:
            return None

    def deliver(self, msg: Message) -> None:
        """Hand ``msg`` to the subscriber's loop (from any thread)."""
        if self.closed:
            return
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, msg)
        except RuntimeError:  # the loop is gone: the socket ended without close()
            self.close()

    def close(self) -> None:
        """Stop receiving messages."""
        self.closed = True
        self._bus._drop(self._topic, self)


class InProcessBus:
    """Thread-safe bus inside one process: per-topic counters, history and fan-out.

    Publishing is synchronous (the engine calls it from worker threads);
    subscribers are asyncio tasks, fed through their own loop.
    """

    def __init__(self, keep: int = KEEP_PER_TOPIC) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._topics: dict[str, _Topic] = {}

    def _topic(self, name: str) -> _Topic:
        t = self._topics.get(name)
        if t is None:
            t = self._topics[name] = _Topic(self._keep)
        return t

    def publish(self, topic: str, data: dict[str, Any]) -> int:
        """Publish ``data`` on ``topic``; return its sequence number."""
        data = finite_only(data, f"bus message on {topic}")
        with self._lock:
            t = self._topic(topic)
            t.seq += 1
            msg = Message(topic, t.seq, dict(data))
            t.history.append(msg)
            subs = list(t.subscribers)
        for sub in subs:
            sub.deliver(msg)
        return msg.seq

    def last_seq(self, topic: str) -> int:
        """Return the newest sequence number on ``topic`` (0 if none)."""
        with self._lock:
            return self._topic(topic).seq

    def _replay_locked(self, t: _Topic, since_seq: int) -> list[Message] | None:
        if since_seq > t.seq:
            return None
        if since_seq == t.seq:
            return []
        if not t.history or t.history[0].seq > since_seq + 1:
            return None
        return [m for m in t.history if m.seq > since_seq]

    def replay(self, topic: str, since_seq: int) -> list[Message] | None:
        """Return kept messages after ``since_seq``, or ``None`` if some are gone."""
        with self._lock:
            return self._replay_locked(self._topic(topic), since_seq)

    def subscribe(self, topic: str, since_seq: int | None = None) -> _MemorySubscription:
        """Subscribe (inside a running loop), queueing the replay first."""
        with self._lock:
            t = self._topic(topic)
            missed = None if since_seq is None else self._replay_locked(t, since_seq)
            gap = since_seq is not None and missed is None
            sub = _MemorySubscription(self, topic, t.seq, gap)
            for m in missed or []:
                sub.queue.put_nowait(m)
            t.subscribers.add(sub)
        return sub

    def _drop(self, topic: str, sub: _MemorySubscription) -> None:
        with self._lock:
            self._topic(topic).subscribers.discard(sub)

    def close(self) -> None:
        """Nothing to release in-process."""


class AlwaysLeader:
    """The in-process leader lock: a single embedded engine always leads."""

    def acquire(self) -> bool:
        """Return True."""
        return True

    def release(self) -> None:
        """Nothing to release."""
