"""A channel withdrawn (issue 12 §2): when a member's channels change over HTTP, the messages
still queued for a channel they no longer have follow them. The member's approval notice
waits for her quiet hours (08:00-12:00); she or the office changes her channels at 09:00:
a copy on a kept channel is enough (the other is cancelled, 'channel withdrawn'), a lone
message moves to her new first channel and reaches the local SMS gateway at 12:05 with its
text, and one that cannot be read out by a call is cancelled and counted.
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
from tests.booking_api.fakes import FixedClock

QUIET = {"quiet_start": "08:00", "quiet_end": "12:00"}
REPORT = "/api/v1/reports/deliveries"


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


def _log(api: Api, staff: dict[str, str], member_id: str) -> dict[str, dict[str, Any]]:
    r = api.client.get("/api/v1/deliveries", params={"member_id": member_id}, headers=staff)
    assert r.status_code == 200, r.text
    return {d["channel"]: d for d in r.json()["items"]}


def _choose(api: Api, headers: dict[str, str], path: str, channels: list[str], email: str) -> None:
    body = {"channels": channels, "email": email, **QUIET}
    r = api.client.put(path, json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["effective"] == channels


def test_queued_messages_follow_the_members_new_channels(
    api: Api, db: Engine, clock: FixedClock, settings: Settings, gateway: SmsGatewayPeer
) -> None:
    """Cancelled where a kept channel has it, moved where none has, cancelled for a call."""
    _drain(db, settings, clock, gateway)  # the feed starts here
    staff = api.staff()
    both, both_h = api.member(staff, phone="090-5555-0201", email="both@example.jp")
    lone, _ = api.member(staff, phone="090-5555-0202", email="lone@example.jp")
    land, _ = api.member(staff, phone="0299-55-0203", email="land@example.jp")
    _choose(api, both_h, "/api/v1/me/notifications", ["sms", "email"], "both@example.jp")
    _choose(api, staff, f"/api/v1/members/{lone['id']}/notifications", ["email"],
            "lone@example.jp")  # fmt: skip
    _choose(api, staff, f"/api/v1/members/{land['id']}/notifications", ["email"],
            "land@example.jp")  # fmt: skip
    _drain(db, settings, clock, gateway)  # the approvals are queued until 12:00
    assert set(_log(api, staff, both["id"])) == {"sms", "email"}
    queued = _log(api, staff, lone["id"])["email"]
    assert queued["status"] == "queued"

    # She opts out of SMS in the app: the email copy still reaches her.
    _choose(api, both_h, "/api/v1/me/notifications", ["email"], "both@example.jp")
    mine = _log(api, staff, both["id"])
    assert (mine["sms"]["status"], mine["sms"]["error"]) == ("cancelled", "channel withdrawn")
    assert mine["email"]["status"] == "queued"
    # The office takes email off for her on the phone: the message moves to SMS.
    _choose(api, staff, f"/api/v1/members/{lone['id']}/notifications", ["sms"], "")
    [(channel, moved)] = _log(api, staff, lone["id"]).items()
    assert (channel, moved["id"], moved["status"]) == ("sms", queued["id"], "queued")
    assert (moved["subject"], moved["body"]) == (queued["subject"], queued["body"])
    # A landline member asks for calls: the written text is no call script: cancelled.
    _choose(api, staff, f"/api/v1/members/{land['id']}/notifications", ["voice"],
            "land@example.jp")  # fmt: skip
    gone = _log(api, staff, land["id"])
    assert set(gone) == {"email"}
    assert (gone["email"]["status"], gone["email"]["error"]) == ("cancelled", "channel withdrawn")

    clock.advance(3 * 3600 + 300)  # 12:05, past the quiet hours
    _drain(db, settings, clock, gateway)
    [sms] = gateway.received
    assert sms.to == "+819055550202" and sms.text == queued["body"]
    assert _log(api, staff, lone["id"])["sms"]["status"] == "sent"
    assert _log(api, staff, both["id"])["email"]["status"] == "sent"
    report = api.client.get(REPORT, params={"start": "2026-12-01", "end": "2026-12-01"},
                            headers=staff).json()  # fmt: skip
    cells = {d["channel"]: d for d in report["days"]}
    assert (cells["sms"]["sent"], cells["sms"]["cancelled"]) == (1, 1)
    assert (cells["email"]["sent"], cells["email"]["cancelled"]) == (1, 1)


def test_turning_push_off_moves_the_queued_push_to_sms(
    api: Api, db: Engine, clock: FixedClock, settings: Settings, gateway: SmsGatewayPeer
) -> None:
    """The resident app turns push off: her queued push goes to her phone by SMS instead."""
    _drain(db, settings, clock, gateway)
    staff = api.staff()
    member, resident = api.member(staff, phone="090-5555-0211")
    sub = {"endpoint": "https://push.example.jp/send/abc123",
           "keys": {"p256dh": "B" * 87, "auth": "A" * 22}}  # fmt: skip
    r = api.client.post("/api/v1/me/push-subscriptions", json=sub, headers=resident)
    assert r.status_code == 201, r.text
    r = api.client.put("/api/v1/me/notifications", json=QUIET, headers=resident)
    assert r.status_code == 200 and r.json()["effective"] == ["push"], r.text
    _drain(db, settings, clock, gateway)
    push = _log(api, staff, member["id"])["push"]
    assert push["status"] == "queued"
    r = api.client.delete("/api/v1/me/push-subscriptions", headers=resident)
    assert r.status_code == 204, r.text
    [(channel, moved)] = _log(api, staff, member["id"]).items()
    assert (channel, moved["id"], moved["status"]) == ("sms", push["id"], "queued")
    clock.advance(3 * 3600 + 300)
    _drain(db, settings, clock, gateway)
    [sms] = gateway.received
    assert sms.to == "+819055550211" and sms.text == push["body"]
