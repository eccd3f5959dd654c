"""The background loop: re-planning keeps promises; with two engines only one leads."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import Engine

from dispatch.adapter import ProblemBuilder
from dispatch.bus import AlwaysLeader
from dispatch.domain import Offer
from dispatch.loop import run_dispatcher
from dispatch.replan import replan
from dispatch.store import read_session
from optimizer import check
from tests.dispatch.helpers import DAY, at, later, make_engine, trip


def _fill(engine, n: int) -> int:
    booked = 0
    for i in range(n):
        when = later(at(8, 30), 7 * i)
        out = engine.quote(trip((i % 9, 1 + i % 4), (19 - i % 5, 12 + i % 7), when))
        if isinstance(out, Offer):
            engine.confirm(out.offer_id)
            booked += 1
    return booked


def test_replan_keeps_every_promise(db: Engine) -> None:
    """Re-optimising a busy day leaves a plan the independent checker accepts."""
    engine, clock, _ = make_engine(db, vehicles=3, seats=3, reoptimize_time_limit_s=1)
    booked = _fill(engine, 15)
    assert booked >= 8
    clock.set(at(8))
    for v in ("V1", "V2", "V3"):
        engine.start_shift(v)
    replan(engine, DAY, time_limit_s=1.0)
    with read_session(db) as s:
        b = ProblemBuilder(engine.travel, engine.config, engine.now())
        problem, plan = b.build(engine.load_day(s, DAY), live=True)
    assert len(problem.promises) == booked
    assert check(problem, plan) == []
    assert all(r.vehicle_id for r in engine.list_rides())


def test_loop_runs_ticks_in_process(db: Engine) -> None:
    """The in-process engine always leads and ticks every round."""
    engine, clock, _ = make_engine(db, vehicles=1, reoptimize_time_limit_s=0.1)
    clock.set(at(8))
    assert run_dispatcher(engine, AlwaysLeader(), interval_s=0.0, max_rounds=3) == 3


@pytest.mark.redis
def test_two_engines_one_leader(tmp_path, redis_url: str) -> None:
    """Two dispatchers started at once against one database: only one ever ticks."""
    from dispatch.bus.redis import RedisLeaderLock
    from dispatch.store import create_all
    from dispatch.store import make_engine as make_db

    db = make_db(f"sqlite:///{tmp_path / 'x.sqlite'}")
    create_all(db)
    engine, clock, _ = make_engine(db, vehicles=1, reoptimize_time_limit_s=0.05)
    clock.set(at(8))
    key = f"test-leader-{uuid.uuid4().hex[:8]}"
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        lock = RedisLeaderLock(redis_url, key=key, ttl_ms=5000)
        barrier.wait()
        counts.append(run_dispatcher(engine, lock, interval_s=0.05, max_rounds=5))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(counts) == [0, 5]
