"""PostgreSQL sessions cost few round trips: no ping for a connection just given back,
no ``BEGIN``/``ROLLBACK`` around reads; a connection the server dropped is still replaced.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, text

from dispatch.store import change_session, read_session
from dispatch.store.base import make_engine
from dispatch.store.repo import without_waiting_for_disk

pytestmark = pytest.mark.postgres


def _count_pings(engine: Engine) -> list[int]:
    """Count the dialect's pings (SQLAlchemy's, wrapped here to see them)."""
    pings = [0]
    real = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings[0] += 1
        return bool(real(dbapi_connection))

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    return pings


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_given_back_a_moment_ago_is_not_pinged(postgres_url: str) -> None:
    engine = make_engine(postgres_url, ping_idle_s=0.3)
    pings = _count_pings(engine)
    try:
        first = _backend_pid(engine)  # a new connection: alive, not pinged
        for _ in range(5):
            assert _backend_pid(engine) == first
        assert pings[0] == 0
        time.sleep(0.4)
        assert _backend_pid(engine) == first
        assert pings[0] == 1  # idle past the bound: pinged once before use
    finally:
        engine.dispose()


def test_a_connection_the_server_dropped_while_idle_is_replaced(postgres_url: str) -> None:
    engine = make_engine(postgres_url, ping_idle_s=0.2)
    admin = make_engine(postgres_url)
    try:
        first = _backend_pid(engine)
        with admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
        time.sleep(0.3)
        assert _backend_pid(engine) != first  # the ping failed; a fresh connection served
    finally:
        engine.dispose()
        admin.dispose()


def test_reads_open_no_transaction(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with read_session(engine) as s:
            assert s.execute(text("SELECT 1")).scalar_one() == 1
            time.sleep(0.02)
            # each statement its own transaction: now() is this statement's start
            assert s.execute(text("SELECT now() = statement_timestamp()")).scalar_one() is True
            dbapi = s.connection().connection.dbapi_connection
            assert dbapi is not None and dbapi.info.transaction_status.name == "IDLE"
    finally:
        engine.dispose()


def test_an_offers_commit_waits_for_no_disk_and_nothing_after_it_either_way(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        with change_session(engine) as s:
            without_waiting_for_disk(s)
            assert s.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
        # the same pooled connection, the next transaction (a booking): durable again
        with change_session(engine) as s:
            assert s.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
    finally:
        engine.dispose()
