"""The shared SQLAlchemy ``Base``, a UTC datetime column type and ``make_engine``.

Every table of the service (dispatch's and the booking API's) subclasses
``Base`` so one Alembic history covers them all. ``make_engine`` tunes SQLite
(WAL, foreign keys, busy timeout, ``BEGIN IMMEDIATE`` for writers on request)
and uses psycopg 3 for PostgreSQL, so the same code runs on both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection
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


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Return an engine for ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``).

    SQLite gets WAL journaling, foreign keys, a 30 s busy timeout and
    driver-level autocommit so that SQLAlchemy emits ``BEGIN`` itself (``BEGIN
    IMMEDIATE`` when the ``IMMEDIATE`` execution option is set, which takes the
    write lock at once and serialises writers). A plain ``postgresql://`` URL
    is routed to psycopg 3.
    """
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith("sqlite"):
        return create_engine(url, echo=echo, pool_pre_ping=True, future=True)
    engine = create_engine(
        url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}, future=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        if ":memory:" not in url and url not in {"sqlite://", "sqlite:///"}:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def create_all(engine: Engine) -> None:
    """Create every table known to ``Base`` (tests, demo; production uses Alembic)."""
    import dispatch.store.tables  # noqa: F401  (registers the tables)

    Base.metadata.create_all(engine)
