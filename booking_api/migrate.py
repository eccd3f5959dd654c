"""Database migrations (Alembic, scripts in ``booking_api/migrations``) run from code.

``upgrade(url)`` brings any database (SQLite file or PostgreSQL) to the latest
revision; ``noriai db upgrade`` and the service's start-up call it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for ``url`` without an ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (the latest by default)."""
    command.upgrade(alembic_config(url), revision)


def autogenerate(url: str, message: str) -> None:
    """Write a new revision from the difference between the models and the database (developers)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
