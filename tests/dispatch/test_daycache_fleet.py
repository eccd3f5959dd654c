"""The fleet (vehicles, the day's shifts) kept with the day: read again only when a row
changed, in any process and by any kind of write."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from dispatch.bus import InProcessBus
from dispatch.config import EngineConfig
from dispatch.domain import Offer, Refusal
from dispatch.engine import DispatchEngine
from dispatch.store import make_engine as make_db
from tests.dispatch.helpers import CITY, DAY, at, make_engine, trip


@pytest.fixture
def other_db(db: Engine) -> Iterator[Engine]:
    """A second connection pool on the same database: another API process's view."""
    second = make_db(db.url.render_as_string(hide_password=False))
    yield second
    second.dispose()


def _quote(engine: DispatchEngine, member: str) -> Offer | Refusal:
    return engine.quote(trip((2, 2), (15, 15), at(9), member=member))


def test_the_fleet_is_read_again_only_after_it_changed(db: Engine, other_db: Engine) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("the fleet is kept on PostgreSQL only (read every time on SQLite)")
    a, clock, _ = make_engine(db, vehicles=1)
    b = DispatchEngine(EngineConfig(), db=other_db, bus=InProcessBus(), travel=CITY, clock=clock)
    assert b.days is not None
    assert isinstance(_quote(b, "K1"), Offer)
    reads = b.days.fleet_reloads
    for i in range(3):
        assert isinstance(_quote(b, f"K{i + 2}"), Offer)
    assert b.days.fleet_reloads == reads  # nothing changed: no vehicle or shift read

    # another process takes the only car out of service with a plain UPDATE (no ORM hook)
    with db.begin() as conn:
        conn.execute(text("UPDATE vehicles SET status = 'out_of_service' WHERE id = 'V1'"))
    assert isinstance(_quote(b, "K9"), Refusal)  # the next quote knows
    assert b.days.fleet_reloads == reads + 1

    with db.begin() as conn:
        conn.execute(text("UPDATE vehicles SET status = 'off_shift' WHERE id = 'V1'"))
    assert isinstance(_quote(b, "K10"), Offer)
    # a shift cut short by the other engine: no car at 09:00 any more
    a.set_shift("V1", DAY, at(12), at(17))
    assert isinstance(_quote(b, "K11"), Refusal)
