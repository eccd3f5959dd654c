"""No input produces a server error: schemathesis over every operation of the OpenAPI schema.

Each operation is called with generated (valid and invalid) data as an admin and
as a resident, a bounded number of examples each; every answer must be below 500
and a documented status.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from sqlalchemy import Engine

from booking_api.main import create_app
from booking_api.settings import Settings
from tests.booking_api.conftest import Api
from tests.booking_api.fakes import FakeFleet, FixedClock

EXAMPLES = 12


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Engine:
    """A SQLite database with every table (fuzzing tests the HTTP layer; one database is enough)."""
    from dispatch.store.base import Base, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'fuzz.sqlite'}")
    Base.metadata.create_all(engine)
    return engine


def fuzz(operation: Any, headers: dict[str, str], seen: Counter[int]) -> None:
    """Call one operation with generated data; every answer is below 500 and in the house shape."""

    @given(case=operation.as_strategy())
    @hyp_settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def run(case: Any) -> None:
        response = case.call(headers={**(case.headers or {}), **headers})
        seen[response.status_code] += 1
        assert response.status_code < 500, (
            f"{operation.label}: {response.status_code} {response.text[:300]}"
        )
        if response.status_code >= 400 and "json" in str(response.headers.get("content-type", "")):
            detail = response.json()["detail"]
            assert {"code", "message", "message_ja", "message_en"} <= set(detail), response.text

    run()


def test_no_input_gives_a_server_error(
    settings: Settings, clock: FixedClock, city_map: Any, sqlite_db: Engine
) -> None:
    app = create_app(
        settings, engine=FakeFleet(clock), clock=clock, city_map=city_map, db=sqlite_db
    )
    seen: Counter[int] = Counter()
    with TestClient(app) as client:
        api = Api(client, sqlite_db)
        member, _ = api.member()
        admin = api.staff("admin")
        admin_name = client.get("/api/v1/auth/me", headers=admin).json()["display_name"]
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [op.ok() for op in schema.get_all_operations()]
        assert len(operations) > 30
        for operation in operations:
            # Fresh tokens for each operation: fuzzing /auth/logout ends the session it is given.
            for login in (admin_name, member["member_number"]):
                fuzz(operation, api.login(login), seen)
    total = sum(seen.values())
    print(
        f"\nschemathesis: {len(operations)} operations, {total} requests,"
        f" statuses {dict(sorted(seen.items()))}"
    )
    assert total >= len(operations) * 2
