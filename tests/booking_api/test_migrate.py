"""The Alembic history builds every table, on SQLite and PostgreSQL, matching the models, and
backfills what a revision adds to existing rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Table, inspect

import booking_api.db  # noqa: F401
import dispatch.store.tables  # noqa: F401
from booking_api.migrate import upgrade
from dispatch.store.base import Base, make_engine


def test_upgrade_creates_the_schema_of_the_models(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)  # running again is harmless
    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"api_members", "api_accounts", "api_audit_log", "rides", "vehicles"} <= tables
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == [], f"models changed without a migration: {diff}"
    finally:
        engine.dispose()


def _fill(table: Table, n: int, **given: Any) -> dict[str, Any]:
    """A row for ``table`` with ``given`` and a plain value in each other required column."""
    row: dict[str, Any] = dict(given)
    for col in table.columns:
        if col.name in row or col.nullable or col.server_default is not None:
            continue
        kind = col.type.python_type if not isinstance(col.type, sa.JSON) else dict
        row[col.name] = {
            str: f"x{n}",  # short: fits every String column, unique per row
            int: 0,
            float: 0.0,
            bool: False,
            date: date(2026, 12, 2),
            datetime: datetime(2026, 12, 2, tzinfo=UTC),
            dict: {},
        }[kind]
    return row


def test_fare_category_is_backfilled_from_the_members(db_url: str) -> None:
    """A database with bookings made before bookings kept their fare category: upgrading
    gives each booking its member's category now (issue 13 §5)."""
    upgrade(db_url, "b3d5f7a9c1e2")
    engine = make_engine(db_url)
    try:
        meta = sa.MetaData()
        members = Table("api_members", meta, autoload_with=engine)
        bookings = Table("api_bookings", meta, autoload_with=engine)
        with engine.begin() as conn:
            for i, category in enumerate(("general", "senior")):
                member = _fill(members, i, id=f"m{i}", category=category)
                booking = _fill(bookings, i, ride_id=f"r{i}", member_id=f"m{i}", fare_yen=300)
                conn.execute(members.insert().values(member))
                conn.execute(bookings.insert().values(booking))
        upgrade(db_url)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT ride_id, fare_category FROM api_bookings"))
            got: dict[str, str | None] = {r: c for r, c in rows}
            offers = [c["name"] for c in inspect(conn).get_columns("api_offers")]
        assert got == {"r0": "general", "r1": "senior"}
        assert "fare_category" in offers
    finally:
        engine.dispose()
