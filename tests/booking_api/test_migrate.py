"""The Alembic history builds every table, on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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
