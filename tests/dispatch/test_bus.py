"""Event buses (in-process and Redis): sequence numbers, replay, gaps, reconnects, leadership."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from dispatch.bus import AlwaysLeader, InProcessBus


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def bus(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh bus keeping 5 messages per topic."""
    if request.param == "memory":
        yield InProcessBus(keep=5)
        return
    from dispatch.bus.redis import RedisBus

    url = request.getfixturevalue("redis_url")
    ns = f"test-{uuid.uuid4().hex[:10]}"
    b = RedisBus(url, namespace=ns, keep=5)
    yield b
    r = redis.Redis.from_url(url)
    for key in r.scan_iter(f"{ns}:*"):
        r.delete(key)
    b.close()


def test_sequence_and_replay(bus: Any) -> None:
    """Each topic counts on its own; replay returns what came after a given seq."""
    assert bus.last_seq("vehicle.V1") == 0
    assert [bus.publish("vehicle.V1", {"n": i}) for i in range(3)] == [1, 2, 3]
    assert bus.publish("board", {"n": 0}) == 1
    assert [m.data["n"] for m in bus.replay("vehicle.V1", 1) or []] == [1, 2]
    assert bus.replay("vehicle.V1", 3) == []
    assert bus.replay("vehicle.V1", 9) is None, "a seq from the future means the bus restarted"


def test_trimmed_history_is_a_gap(bus: Any) -> None:
    """When old messages were dropped, replay says so instead of skipping them."""
    for i in range(200):
        bus.publish("t", {"n": i})
    assert bus.replay("t", 1) is None
    tail = bus.replay("t", 197)
    assert [m.seq for m in tail or []] == [198, 199, 200]


def test_subscribe_replays_then_streams(bus: Any) -> None:
    """A late subscriber gets the missed messages, then live ones, in order, once."""

    async def scenario() -> None:
        bus.publish("t", {"n": 1})
        bus.publish("t", {"n": 2})
        sub = bus.subscribe("t", since_seq=1)
        assert not sub.gap
        await asyncio.get_running_loop().run_in_executor(None, bus.publish, "t", {"n": 3})
        got = [await sub.get(5) for _ in range(2)]
        assert [m.seq for m in got] == [2, 3]
        assert await sub.get(0.3) is None
        sub.close()
        fresh = bus.subscribe("t")
        assert fresh.start_seq == 3 and not fresh.gap
        fresh.close()
        stale = bus.subscribe("t", since_seq=50)
        assert stale.gap
        stale.close()

    asyncio.run(scenario())


@pytest.mark.redis
def test_redis_connection_drop_reconnects(redis_url: str) -> None:
    """Killing the bus's Redis connections loses nothing: the reader reconnects and resumes."""
    from dispatch.bus.redis import RedisBus

    ns = f"test-{uuid.uuid4().hex[:10]}"
    bus = RedisBus(redis_url, namespace=ns)
    admin = redis.Redis.from_url(redis_url)

    async def scenario() -> None:
        sub = bus.subscribe("t")
        bus.publish("t", {"n": 1})
        assert (await sub.get(5)).seq == 1  # type: ignore[union-attr]
        for c in admin.client_list():
            if c.get("name") == bus.client_name:
                admin.client_kill_filter(_id=c["id"])
        await asyncio.sleep(0.3)
        bus.publish("t", {"n": 2})
        bus.publish("t", {"n": 3})
        got = [await sub.get(5) for _ in range(2)]
        assert [m.seq for m in got if m] == [2, 3]
        sub.close()

    try:
        asyncio.run(scenario())
    finally:
        for key in admin.scan_iter(f"{ns}:*"):
            admin.delete(key)
        bus.close()


@pytest.mark.redis
def test_redis_restart_forces_resync(redis_url: str) -> None:
    """If Redis lost its data (restart), the subscription ends with BusReset."""
    from dispatch.bus.redis import BusReset, RedisBus

    ns = f"test-{uuid.uuid4().hex[:10]}"
    bus = RedisBus(redis_url, namespace=ns)
    admin = redis.Redis.from_url(redis_url)

    async def scenario() -> None:
        bus.publish("t", {"n": 1})
        sub = bus.subscribe("t")
        for key in admin.scan_iter(f"{ns}:*"):
            admin.delete(key)  # what a restart without persistence does
        for c in admin.client_list():
            if c.get("name") == bus.client_name:
                admin.client_kill_filter(_id=c["id"])
        with pytest.raises(BusReset):
            for _ in range(20):
                await sub.get(0.5)
        sub.close()

    try:
        asyncio.run(scenario())
    finally:
        for key in admin.scan_iter(f"{ns}:*"):
            admin.delete(key)
        bus.close()


@pytest.mark.redis
def test_only_one_leader(redis_url: str) -> None:
    """Two engines started at once: one leads; when it stops renewing, the other takes over."""
    from dispatch.bus.redis import RedisLeaderLock

    key = f"test-leader-{uuid.uuid4().hex[:8]}"
    a = RedisLeaderLock(redis_url, key=key, ttl_ms=300)
    b = RedisLeaderLock(redis_url, key=key, ttl_ms=300)
    first = [a.acquire(), b.acquire()]
    assert sorted(first) == [False, True]
    leader, other = (a, b) if first[0] else (b, a)
    assert leader.acquire() and not other.acquire()
    time.sleep(0.45)  # the leader died: its lock expires
    assert other.acquire()
    assert not leader.acquire()
    other.release()
    assert leader.acquire()
    leader.release()


def test_in_process_always_leads() -> None:
    """The embedded engine is always the leader."""
    lock = AlwaysLeader()
    assert lock.acquire()
    lock.release()
    assert lock.acquire()
