"""Database fixtures for dispatch tests: a SQLite file and a private PostgreSQL schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from dispatch.store import create_all, make_engine


def _pg_engine(postgres_url: str) -> Iterator[Engine]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_url else "?"
    engine = make_engine(f"{postgres_url}{sep}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database with every dispatch table, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'noriai.sqlite'}")
        create_all(engine)
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    gen = _pg_engine(url)
    engine = next(gen)
    create_all(engine)
    yield engine
    gen.close()
