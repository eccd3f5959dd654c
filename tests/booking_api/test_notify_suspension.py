"""The suspension notice and its lifting end to end (issue 12 §1): three no-shows of the
real engine suspend the member and the SMS gateway gets the notice once; staff lifting it
sends the lifting once, and nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from booking_api.settings import Settings
from dispatch.engine import DispatchEngine
from notify.channels.peers.sms import SmsGatewayPeer
from tests.booking_api.conftest import Api
from tests.booking_api.fakes import FixedClock, jst
from tests.booking_api.test_notifications import (  # noqa: F401 (the engine fixture)
    _book,
    _drain,
    _no_show,
    _until_en_route,
    _worker,
    engine,
)


@pytest.fixture
def gateway() -> Iterator[SmsGatewayPeer]:
    with SmsGatewayPeer() as peer:
        yield peer


def test_suspension_and_its_lifting_reach_the_gateway_once_each(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer,
    engine: DispatchEngine,  # noqa: F811
) -> None:  # fmt: skip
    worker = _worker(db, settings, clock, gateway)
    _drain(worker)
    staff = api.staff()
    member, _ = api.member(staff, phone="090-5555-0303")
    rides = [_book(api, staff, member["id"], hhmm) for hhmm in ("09:30", "12:00", "15:00")]
    clock.t = jst(2026, 12, 2, 8, 0)
    engine.start_shift("V1")
    for i, ride in enumerate(rides):
        _until_en_route(engine, clock, ride["id"])
        _no_show(engine, clock, ride["id"], f"s{i}")
    _drain(worker)
    texts = [m.text for m in gateway.received]
    suspended = [t for t in texts if "利用を停止します" in t]
    assert len(suspended) == 1, texts
    assert all(m.to == "+819055550303" for m in gateway.received)
    r = api.client.post(f"/api/v1/members/{member['id']}/no-shows/lift",
                        json={"reason": "本人と電話で確認"}, headers=api.staff())  # fmt: skip
    assert r.status_code == 200, r.text
    _drain(worker)
    lifted = [m.text for m in gateway.received if "解除しました" in m.text]
    assert lifted == ["利用停止・警告を解除しました。またご利用いただけます。"]
    _drain(worker)
    assert len(gateway.received) == gateway.requests_seen  # nothing sent twice
    assert sum("利用を停止します" in m.text for m in gateway.received) == 1
