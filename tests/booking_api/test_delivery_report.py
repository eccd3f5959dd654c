"""The daily delivery count by channel in the reports (issue 12 §3), over HTTP: members
approved through the API are told by the real notifier, to the local SMS gateway (which
takes, refuses or is down) and the stand-ins for calls and email; the report counts each
delivery on its Tokyo day and under where it stands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from booking_api.notifications import make_feed, notify_config
from booking_api.settings import Settings
from notify.channels.peers.sms import SmsGatewayPeer
from notify.channels.sms import SmsChannel, SmsConfig
from notify.channels.standin import standins
from notify.worker import Notifier
from tests.booking_api.conftest import Api
from tests.booking_api.fakes import FixedClock, jst

URL = "/api/v1/reports/deliveries"
ZERO = {"queued": 0, "sent": 0, "delivered": None, "failed": 0, "given_up": 0,
        "cancelled": 0, "total": 0}  # fmt: skip


@pytest.fixture
def gateway() -> Iterator[SmsGatewayPeer]:
    with SmsGatewayPeer() as peer:
        yield peer


def _drain(db: Engine, settings: Settings, clock: FixedClock, peer: SmsGatewayPeer) -> None:
    channels: dict[str, Any] = dict(standins(None))
    channels["sms"] = SmsChannel(SmsConfig(peer.url, peer.api_key, "KAMISU"))
    worker = Notifier(db, channels, notify_config(settings), clock.now, make_feed(settings), "w")

    async def go() -> None:
        while await worker.run_once():
            pass

    asyncio.run(go())


def _cells(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["date"], d["channel"]): {k: v for k, v in d.items() if k not in ("date", "channel")}
            for d in report["days"]}  # fmt: skip


def test_each_delivery_counts_on_its_tokyo_day_under_where_it_stands(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer
) -> None:
    """Sent, refused, given up and waiting, per channel; 00:05 in Tokyo is the next day."""
    tell = lambda: _drain(db, settings, clock, gateway)  # noqa: E731
    tell()  # the feed starts here
    staff = api.staff()
    # Tue 1 Dec 09:00: a mobile told by SMS; a second one the gateway refuses for good;
    # a landline with an email address told by call and email (the stand-ins take them)
    api.member(staff, phone="090-5555-0001")
    tell()
    gateway.fail_next(400)
    api.member(staff, phone="090-5555-0002")
    tell()
    api.member(staff, phone="0299-55-0003", email="kanda@example.jp")
    tell()
    # 23:55 in Tokyo: quiet hours, queued for 08:00; 00:05 (15:05 UTC, still 1 Dec) is 2 Dec
    clock.t = jst(2026, 12, 1, 23, 55)
    staff = api.staff()  # a staff login lasts hours, not the test's day
    api.member(staff, phone="090-5555-0004")
    tell()
    clock.t = jst(2026, 12, 2, 0, 5)
    api.member(staff, phone="090-5555-0005")
    tell()
    r = api.client.get(URL, params={"start": "2026-11-30", "end": "2026-12-02"}, headers=staff)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["start"], report["end"], report["timezone"]) == (
        "2026-11-30", "2026-12-02", "Asia/Tokyo")  # fmt: skip
    assert len(report["days"]) == 3 * 4  # every day and channel, zeros too
    cells = _cells(report)
    assert cells[("2026-11-30", "sms")] == ZERO
    assert cells[("2026-12-01", "sms")] == {**ZERO, "queued": 1, "sent": 1, "failed": 1,
                                            "total": 3}  # fmt: skip
    assert cells[("2026-12-01", "voice")] == {**ZERO, "sent": 1, "total": 1}
    assert cells[("2026-12-01", "email")] == {**ZERO, "sent": 1, "total": 1}
    assert cells[("2026-12-01", "push")] == ZERO
    assert cells[("2026-12-02", "sms")] == {**ZERO, "queued": 1, "total": 1}
    # the gateway is down from 08:00: both wait, retried, until their give-up time
    gateway.down()
    clock.t = jst(2026, 12, 2, 8, 1)
    for _ in range(30):
        tell()
        clock.advance(settings.notify_backoff_max_s)
    gateway.up()
    tell()
    # 15:40 on 2 Dec: one more, refused for now (gateway busy): it waits for its retry
    clock.t = jst(2026, 12, 2, 15, 40)
    staff = api.staff()
    gateway.fail_next(503)
    api.member(staff, phone="090-5555-0006")
    tell()
    report = api.client.get(URL, params={"start": "2026-12-01", "end": "2026-12-02"},
                            headers=staff).json()  # fmt: skip
    cells = _cells(report)
    assert cells[("2026-12-01", "sms")] == {**ZERO, "sent": 1, "failed": 1, "given_up": 1,
                                            "total": 3}  # fmt: skip
    assert cells[("2026-12-02", "sms")] == {**ZERO, "queued": 1, "given_up": 1, "total": 2}
    totals = {t["channel"]: t for t in report["totals"]}
    assert totals["sms"] == {"channel": "sms", **ZERO, "queued": 1, "sent": 1, "failed": 1,
                             "given_up": 2, "total": 5}  # fmt: skip
    assert totals["voice"]["sent"] == totals["email"]["sent"] == 1
    assert totals["push"]["total"] == 0


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2026-12-02", "end": "2026-12-01"}, "bad_period"),
        ({"start": "2026-01-01", "end": "2026-12-01"}, "bad_period"),
        ({"start": "2026-12-01", "end": "2028-12-01"}, "date_out_of_range"),
    ],
)
def test_a_period_is_bounded_like_the_other_reports(
    api: Api, params: dict[str, str], code: str
) -> None:
    """Backwards, longer than 92 days or beyond a year ahead: a 422 that says why."""
    r = api.client.get(URL, params=params, headers=api.staff())
    assert r.status_code == 422 and r.json()["detail"]["code"] == code, r.text
    assert r.json()["detail"]["message_ja"]


def test_residents_cannot_read_the_report(api: Api) -> None:
    """Only staff see the counts."""
    _, resident = api.member()
    assert api.client.get(URL, headers=resident).status_code == 403
    assert api.client.get(URL).status_code == 401
