"""A quote's way through the API on PostgreSQL: few round trips, none waiting for the disk.

Counted on the real app, engine and database: every statement the quote sends, every
transaction it opens, every commit that waits for the log on disk.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from booking_api.main import create_app
from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst

pytestmark = pytest.mark.postgres
DAY = date(2026, 12, 2)


def test_a_quote_costs_few_round_trips(
    settings: Settings, db: Engine, clock: FixedClock, city_map: Any
) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("round trips are counted on PostgreSQL")
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    for i in (1, 2):
        engine.add_vehicle(f"V{i}", depot=LatLon(*HOME_A), seats=4, name=f"神栖{i}号")
        engine.set_shift(f"V{i}", DAY, jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 18, 0))
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        _, me = Api(client, db).member()
        assert client.post("/api/v1/quotes", json=quote_body(), headers=me).status_code == 200
        sent: list[str] = []
        event.listen(db, "before_cursor_execute",
                     lambda _c, _cur, stmt, *_: sent.append(" ".join(stmt.split())[:60]))
        event.listen(db, "begin", lambda conn: sent.append(
            "(autocommit)" if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
            else "BEGIN"))
        r = client.post("/api/v1/quotes", json=quote_body(time="11:00"), headers=me)
        assert r.status_code == 200, r.text
    statements = [s for s in sent if s not in {"BEGIN", "(autocommit)"}]
    # sign-in (the session, its account and the resident's member in one), the member's
    # rides, the day's version with the fleet's stamp, the engine's offer, the API's
    # offer, two SET LOCAL: 7 (were 9 with the session, account and member read one
    # after the other; 11 with the member's rides read twice, vehicles and shifts, the
    # API's offer read back)
    assert len(statements) <= 7, sent
    assert not any(s.startswith("SELECT api_members") for s in statements), sent
    # the API's two, the engine's offer; reads in autocommit (were 6, and a ping each)
    assert sent.count("BEGIN") <= 3, sent
    # both offers are written without waiting for the disk
    assert statements.count("SET LOCAL synchronous_commit TO OFF") == 2, sent
    assert not any(s.startswith("SELECT vehicles") or s.startswith("SELECT shifts")
                   for s in statements), sent
