"""A message about a ride links to that ride (issue 12 §2): the booking confirmation's
push and email carry #/bookings?ride=ID, a message about no ride the app's start page."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select

from booking_api.notifications import make_feed, notify_config
from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from dispatch.store.repo import read_session
from notify.channels.standin import standins
from notify.store import DeliveryRow
from notify.worker import Notifier
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """The real engine (its events feed the notifier): one car on shift on 2 December."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号")
    engine.set_shift("V1", date(2026, 12, 2), jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 17, 0))
    return engine


def _drain(db: Engine, settings: Settings, clock: FixedClock) -> None:
    channels: dict[str, Any] = dict(standins(None))
    worker = Notifier(db, channels, notify_config(settings), clock.now, make_feed(settings), "w")

    async def go() -> None:
        while await worker.run_once():
            pass

    asyncio.run(go())


def test_the_confirmation_email_links_to_its_ride(
    api: Api, db: Engine, settings: Settings, clock: FixedClock
) -> None:
    """The email of a booking names the ride in its link; the approval's links to the app."""
    _drain(db, settings, clock)
    staff = api.staff()
    member, _ = api.member(staff, phone="090-8888-0001", notify_channels=["email"],
                           email="link@example.jp")  # fmt: skip
    r = api.client.post("/api/v1/quotes", json=quote_body(member_id=member["id"]),
                        headers=staff)  # fmt: skip
    assert r.status_code == 200, r.text
    r = api.client.post("/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]},
                        headers=staff)  # fmt: skip
    assert r.status_code == 201, r.text
    ride_id = r.json()["booking"]["id"]
    _drain(db, settings, clock)
    with read_session(db) as s:
        rows = s.execute(select(DeliveryRow.event, DeliveryRow.url, DeliveryRow.status)
                         .where(DeliveryRow.channel == "email")).all()  # fmt: skip
    assert sorted(rows) == [
        ("booking_confirmed", f"{settings.public_url}/#/bookings?ride={ride_id}", "sent"),
        ("registration_approved", f"{settings.public_url}/", "sent"),
    ]
