"""How a call ended (issue 12 §3): the worker asks the local voice provider about each call
it placed; answered → delivered, no answer → failed and the office told; a provider that
cannot say now is asked again later. The delivery log and the daily count follow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from booking_api.main import create_app
from booking_api.notifications import make_feed, notify_config
from booking_api.settings import Settings
from dispatch.store.tables import EventRow
from notify.channels.peers.voice import VoiceProviderPeer
from notify.channels.standin import standins
from notify.channels.voice import VoiceChannel
from notify.worker import Notifier
from tests.booking_api.conftest import Api
from tests.booking_api.fakes import FixedClock


@pytest.fixture
def provider() -> Iterator[VoiceProviderPeer]:
    with VoiceProviderPeer() as peer:
        yield peer


@pytest.fixture
def voice_settings(settings: Settings, provider: VoiceProviderPeer) -> Settings:
    return settings.model_copy(update={"voice_url": provider.url, "voice_key": provider.api_key,
                                       "voice_caller_id": "+81299000000"})  # fmt: skip


@pytest.fixture
def api(
    voice_settings: Settings, engine: Any, clock: FixedClock, city_map: Any, db: Engine
) -> Iterator[Api]:
    app = create_app(voice_settings, engine=engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        yield Api(client, db)


def _once(worker: Notifier) -> int:
    return asyncio.run(worker.run_once())


def _drain(worker: Notifier) -> None:
    while _once(worker):
        pass


def _statuses(api: Api, staff: dict[str, str], member_id: str) -> list[tuple[str, str]]:
    r = api.client.get("/api/v1/deliveries", params={"member_id": member_id}, headers=staff)
    return [(d["status"], d["error"]) for d in r.json()["items"] if d["channel"] == "voice"]


def test_calls_end_delivered_or_failed_by_the_providers_word(
    api: Api, db: Engine, voice_settings: Settings, clock: FixedClock,
    provider: VoiceProviderPeer,
) -> None:  # fmt: skip
    """Answered, not answered, and asked again when the provider could not say."""
    channels: dict[str, Any] = {**standins(None), "voice": VoiceChannel(
        voice_settings.voice_config())}  # fmt: skip
    worker = Notifier(db, channels, notify_config(voice_settings), clock.now,
                      make_feed(voice_settings), "w")  # fmt: skip
    _drain(worker)
    staff = api.staff()
    answered, _ = api.member(staff, phone="0299-55-0101")  # a landline: told by a call
    _drain(worker)
    assert _statuses(api, staff, answered["id"]) == [("delivered", "")]
    provider.next_outcomes("no-answer")
    away, _ = api.member(staff, phone="0299-55-0102")
    _drain(worker)
    [(status, why)] = _statuses(api, staff, away["id"])
    assert (status, why) == ("failed", "call: no-answer")
    with Session(db) as s:
        alerts = [e.payload for e in s.scalars(select(EventRow).where(EventRow.kind == "alert"))]
    assert [a["member_id"] for a in alerts] == [away["id"]]  # the office phones them
    # the provider is away when the call's outcome is asked: still sent, asked again later
    later, _ = api.member(staff, phone="0299-55-0103")
    assert _once(worker) == 1  # the call is placed
    provider.down()
    _once(worker)
    assert _statuses(api, staff, later["id"]) == [("sent", "")]
    provider.up()
    _once(worker)  # not yet: the next check is a minute away
    assert _statuses(api, staff, later["id"]) == [("sent", "")]
    clock.advance(61)
    _once(worker)
    assert _statuses(api, staff, later["id"]) == [("delivered", "")]
    assert len(provider.received) == 3  # asking never places a call again
    report = api.client.get("/api/v1/reports/deliveries", headers=staff,
                            params={"start": "2026-12-01", "end": "2026-12-01"}).json()  # fmt: skip
    [voice] = [d for d in report["days"] if d["channel"] == "voice"]
    assert (voice["sent"], voice["delivered"], voice["failed"]) == (0, 2, 1)
    [sms] = [d for d in report["days"] if d["channel"] == "sms"]
    assert sms["delivered"] is None  # no receipt secret: SMS receipts are not asked for
