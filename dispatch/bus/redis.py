"""The Redis event bus and leader lock (several API processes, one engine leader).

Each topic is a Redis stream whose entry ids are the topic's sequence numbers
(``<seq>-0``), written together with a counter by one Lua script so numbers
are gap-free and ordered across processes. Subscribers block on ``XREAD``
(fan-out to every reader) and replay with ``XRANGE``. After a lost connection
the reader reconnects; if Redis itself restarted (the counter went back) the
subscription ends with ``BusReset`` so the client resyncs from a full state.
Redis holds only messages: bookings live in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

import redis
import redis.asyncio as aioredis

from dispatch.bus.base import KEEP_PER_TOPIC, Message, finite_only

log = logging.getLogger("noriai.bus")

_PUBLISH = """
local s = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], s .. '-0', 'd', ARGV[1])
return s
"""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class BusReset(ConnectionError):
    """Redis lost its messages (restarted): the subscriber must resync from a full state."""


def _seq_of(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


class _RedisSubscription:
    """Reads one topic's stream in a background task into an asyncio queue."""

    def __init__(self, bus: RedisBus, topic: str, since_seq: int | None) -> None:
        self._bus = bus
        self._topic = topic
        self.queue: asyncio.Queue[Message | BaseException] = asyncio.Queue()
        self.start_seq = bus.last_seq(topic)
        self.gap = False
        after = self.start_seq
        if since_seq is not None:
            missed = bus.replay(topic, since_seq)
            if missed is None:
                self.gap = True
            else:
                for m in missed:
                    self.queue.put_nowait(m)
                after = since_seq + len(missed)
        self._task = asyncio.get_running_loop().create_task(self._read(after))

    async def _read(self, after: int) -> None:
        client: aioredis.Redis | None = None
        key = self._bus.stream_key(self._topic)
        while True:
            try:
                if client is None:
                    client = aioredis.Redis.from_url(
                        self._bus.url, client_name=self._bus.client_name
                    )
                    raw = await client.get(self._bus.seq_key(self._topic))
                    if int(raw or 0) < after:
                        raise BusReset("the bus restarted and lost its messages")
                got = await client.xread({key: f"{after}-0"}, block=1000, count=100)
                for _stream, entries in got or []:
                    for entry_id, fields in entries:
                        seq = _seq_of(entry_id)
                        data = json.loads(fields[b"d"])
                        self.queue.put_nowait(Message(self._topic, seq, data))
                        after = seq
            except asyncio.CancelledError:
                break
            except BusReset as exc:
                self.queue.put_nowait(exc)
                break
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                log.warning("bus: lost Redis connection for %s, reconnecting", self._topic)
                if client is not None:
                    with contextlib.suppress(Exception):
                        await client.aclose()  # type: ignore[attr-defined]
                client = None
                await asyncio.sleep(0.2)
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()  # type: ignore[attr-defined]

    async def get(self, timeout_s: float | None = None) -> Message | None:
        """Return the next message, ``None`` after ``timeout_s``; raise ``BusReset``."""
        try:
            item = await asyncio.wait_for(self.queue.get(), timeout_s)
        except TimeoutError:
            return None
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        """Stop the reader task."""
        self._task.cancel()


class RedisBus:
    """``EventBus`` on Redis streams (see the module docstring)."""

    def __init__(
        self, url: str, *, namespace: str = "noriai", keep: int = KEEP_PER_TOPIC
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.keep = keep
        self.client_name = f"{namespace}-bus"
        self._r = redis.Redis.from_url(
            url, client_name=self.client_name, socket_timeout=5, retry_on_timeout=True
        )
        self._publish = self._r.register_script(_PUBLISH)

    def seq_key(self, topic: str) -> str:
        """Return the Redis key of a topic's counter."""
        return f"{self.namespace}:seq:{topic}"

    def stream_key(self, topic: str) -> str:
        """Return the Redis key of a topic's stream."""
        return f"{self.namespace}:stream:{topic}"

    def publish(self, topic: str, data: dict[str, Any]) -> int:
        """Publish ``data``; return its sequence number (0 if Redis is unreachable).

        A lost message is not a lost booking: subscribers resync from the
        database when they see the gap.
        """
        data = finite_only(data, f"bus message on {topic}")
        payload = json.dumps(data, ensure_ascii=False, allow_nan=False)
        for attempt in range(2):
            try:
                keys = [self.seq_key(topic), self.stream_key(topic)]
                return int(self._publish(keys=keys, args=[payload, self.keep]))
            except (redis.ConnectionError, redis.TimeoutError):
                if attempt:
                    log.warning("bus: Redis unreachable, message on %s dropped", topic)
        return 0

    def last_seq(self, topic: str) -> int:
        """Return the newest sequence number on ``topic`` (0 if none)."""
        return int(self._r.get(self.seq_key(topic)) or 0)

    def replay(self, topic: str, since_seq: int) -> list[Message] | None:
        """Return the kept messages after ``since_seq``, or ``None`` if some are gone."""
        last = self.last_seq(topic)
        if since_seq > last:
            return None
        if since_seq == last:
            return []
        entries = self._r.xrange(self.stream_key(topic), min=f"{since_seq + 1}-0", max="+")
        out = [Message(topic, _seq_of(i), json.loads(f[b"d"])) for i, f in entries]
        if not out or out[0].seq != since_seq + 1:
            return None
        return out

    def subscribe(self, topic: str, since_seq: int | None = None) -> _RedisSubscription:
        """Subscribe from inside a running event loop."""
        return _RedisSubscription(self, topic, since_seq)

    def close(self) -> None:
        """Close the publishing connection pool."""
        self._r.close()


class RedisLeaderLock:
    """Leader election with ``SET NX PX`` and renewal; call ``acquire`` well within ``ttl_ms``."""

    def __init__(self, url: str, *, key: str = "noriai:leader", ttl_ms: int = 10_000) -> None:
        self.key = key
        self.ttl_ms = ttl_ms
        self.owner = uuid.uuid4().hex
        self._r = redis.Redis.from_url(url, socket_timeout=5)
        self._renew = self._r.register_script(_RENEW)
        self._release = self._r.register_script(_RELEASE)

    def acquire(self) -> bool:
        """Become or stay leader; False if another process holds the lock or Redis is down."""
        try:
            if self._r.set(self.key, self.owner, nx=True, px=self.ttl_ms):
                return True
            return bool(self._renew(keys=[self.key], args=[self.owner, self.ttl_ms]))
        except (redis.ConnectionError, redis.TimeoutError):
            return False

    def release(self) -> None:
        """Give up the lock if this process holds it."""
        with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
            self._release(keys=[self.key], args=[self.owner])
