"""The shared SQLAlchemy ``Base``, a UTC datetime column type and ``make_engine``.

Every table of the service (dispatch's and the booking API's) subclasses
``Base`` so one Alembic history covers them all. ``make_engine`` tunes SQLite
(WAL, foreign keys, busy timeout, ``BEGIN IMMEDIATE`` for writers on request)
and uses psycopg 3 for PostgreSQL, so the same code runs on both.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

#: Execution option asking SQLite to open the transaction with ``BEGIN IMMEDIATE``.
IMMEDIATE = "noriai_sqlite_immediate"

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; constraint names are deterministic for Alembic."""

    metadata = MetaData(naming_convention=_NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned UTC-aware (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Refuse naive datetimes and store UTC (naive UTC on SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            msg = f"naive datetime {value!r}: times must be timezone-aware"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Return the stored time as a UTC-aware datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 8,
    max_overflow: int = 16,
    pool_timeout_s: float = 10.0,
    statement_timeout_s: float | None = None,
    ping_idle_s: float = 1.0,
) -> Engine:
    """Return an engine for ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``).

    SQLite gets WAL journaling, foreign keys, a busy timeout and driver-level
    autocommit so that SQLAlchemy emits ``BEGIN`` itself (``BEGIN IMMEDIATE``
    when the ``IMMEDIATE`` execution option is set, which takes the write lock
    at once and serialises writers). A plain ``postgresql://`` URL is routed to
    psycopg 3. Waits are bounded: for a pooled connection ``pool_timeout_s``,
    and with ``statement_timeout_s`` for a statement, a row lock (PostgreSQL)
    or the write lock (SQLite); work that outlasts them fails instead of
    piling up (the API answers such a failure 503, see ``booking_api.errors``).
    A pooled PostgreSQL connection is pinged before use only when it has lain
    unused for ``ping_idle_s`` (see ``_ping_when_idle``).
    """
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout_s}
    if not url.startswith("sqlite"):
        pg = create_engine(url, echo=echo, future=True, **pool)
        _ping_when_idle(pg, ping_idle_s)
        if statement_timeout_s is not None:
            _bound_postgres(pg, int(statement_timeout_s * 1000))
        return pg
    busy_ms = int((statement_timeout_s or 30.0) * 1000)
    memory = ":memory:" in url or url in {"sqlite://", "sqlite:///"}
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
        future=True,
        **({} if memory else pool),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_IDLE_SINCE = "noriai_idle_since"


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """Ping a pooled connection at checkout only when it has been idle ``idle_s`` or more.

    A ping before every use (``pool_pre_ping``) is one more round trip per
    session, and a quote opens several: under load it was a tenth of a quote's
    database time. A connection given back a moment ago was alive a moment ago; a
    server lost since then fails the statement instead, which invalidates the
    pool (SQLAlchemy's disconnect handling) and is answered 503, as a request in
    flight at that instant is anyway. A failed ping makes the pool connect anew.
    """

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _back(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is not None and time.monotonic() - since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc


def _bound_postgres(engine: Engine, timeout_ms: int) -> None:
    """Give every new PostgreSQL connection a statement and lock-wait time limit."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cur:
            cur.execute(f"SET statement_timeout = {timeout_ms}")
            cur.execute(f"SET lock_timeout = {timeout_ms}")
        dbapi_connection.commit()


def create_all(engine: Engine) -> None:
    """Create every table known to ``Base`` (tests, demo; production uses Alembic)."""
    import dispatch.store.tables  # noqa: F401  (registers the tables)

    Base.metadata.create_all(engine)
