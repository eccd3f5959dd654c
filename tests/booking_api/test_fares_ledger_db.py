"""The migrated ledger table refuses edits and deletes, and rows with bad amounts (issue 13 §4)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from booking_api.migrate import upgrade
from dispatch.store.base import make_engine

INSERT = (
    "INSERT INTO fare_ledger (at, kind, actor, channel, method, product_id, yen_in, yen_out,"
    " rides_in, rides_out, reason) VALUES ('2026-12-02 01:00:00+00', 'sale', 'op', 'counter',"
    " 'cash', 'coupon11', :yin, :yout, 0, 0, '')"
)


@pytest.mark.parametrize(
    "statement", ["UPDATE fare_ledger SET reason = 'x'", "DELETE FROM fare_ledger"]
)
def test_the_ledger_is_append_only(db_url: str, statement: str) -> None:
    """An UPDATE or DELETE of a ledger row is refused by the database itself."""
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(INSERT), {"yin": 3000, "yout": 0})
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text(INSERT), {"yin": 100, "yout": 100})
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM fare_ledger")).scalar() == 1
    finally:
        engine.dispose()
