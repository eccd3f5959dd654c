"""The evening reminder end to end (issue 12 §1): rides booked for tomorrow are reminded once
at the city's reminder time, through the outbox and the notifier, to the local SMS gateway;
a ride cancelled first is not reminded, and a second evening round sends nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from booking_api.settings import Settings
from notify.channels.peers.sms import SmsGatewayPeer
from tests.booking_api.conftest import Api
from tests.booking_api.fakes import FixedClock
from tests.booking_api.test_notifications import (  # noqa: F401 (fixtures)
    _book,
    _drain,
    _worker,
    engine,
)


@pytest.fixture
def gateway() -> Iterator[SmsGatewayPeer]:
    with SmsGatewayPeer() as peer:
        yield peer


def test_tomorrows_rides_are_reminded_once_at_the_reminder_time(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer
) -> None:
    worker = _worker(db, settings, clock, gateway)
    _drain(worker)
    staff = api.staff()
    member, _ = api.member(staff, phone="090-1111-3301")
    _book(api, staff, member["id"], "10:00")  # 2 December, tomorrow from 1 December
    dropped = _book(api, staff, member["id"], "14:00")
    r = api.client.post(f"/api/v1/bookings/{dropped['id']}/cancel",
                        json={"reason": "通院日の変更"}, headers=staff)  # fmt: skip
    assert r.status_code == 200, r.text
    _drain(worker)
    before = len(gateway.received)
    assert not any("明日" in m.text for m in gateway.received)  # 09:00: not yet
    clock.advance((17 * 60 + 55 - 9 * 60) * 60)  # 17:55, still before 18:00
    _drain(worker)
    assert len(gateway.received) == before
    clock.advance(10 * 60)  # 18:05, the city file's reminder time has passed
    _drain(worker)
    reminders = [m for m in gateway.received[before:] if "明日" in m.text]
    assert len(reminders) == 1, [m.text for m in gateway.received[before:]]
    assert reminders[0].to == "+819011113301"
    assert "10:" in reminders[0].text and "14:" not in reminders[0].text
    clock.advance(3600)
    _drain(worker)
    assert len([m for m in gateway.received if "明日" in m.text]) == 1


def test_a_waiting_reminder_is_cancelled_when_the_rider_cancels_the_ride(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer
) -> None:
    """The reminder waits for the end of the rider's quiet hours; she cancels the ride
    herself (she is not told of her own cancellation) before it is due: the reminder is
    cancelled, never sent, and the log and the daily count show it so."""
    worker = _worker(db, settings, clock, gateway)
    _drain(worker)
    staff = api.staff()
    member, resident = api.member(staff, phone="090-1111-3302")
    quiet = {"quiet_start": "17:00", "quiet_end": "07:00"}
    r = api.client.put("/api/v1/me/notifications", json=quiet, headers=resident)
    assert r.status_code == 200, r.text
    ride = _book(api, staff, member["id"], "10:00")  # 2 December, tomorrow
    _drain(worker)
    clock.advance((18 * 60 + 5 - 9 * 60) * 60)  # 18:05: the reminder is made, due at 07:00
    _drain(worker)
    log = "/api/v1/deliveries"
    mine = {"member_id": member["id"], "event": "reminder"}
    [waiting] = api.client.get(log, params=mine, headers=staff).json()["items"]
    assert (waiting["status"], waiting["channel"]) == ("queued", "sms")
    clock.advance(3600)  # 19:05
    r = api.client.post(f"/api/v1/bookings/{ride['id']}/cancel", json={}, headers=resident)
    assert r.status_code == 200, r.text
    _drain(worker)
    [cancelled] = api.client.get(log, params=mine, headers=staff).json()["items"]
    assert (cancelled["id"], cancelled["status"]) == (waiting["id"], "cancelled")
    assert cancelled["error"] == "ride cancelled" and cancelled["sent_at"] is None
    r = api.client.get(log, params={"status": "cancelled"}, headers=staff)
    assert [d["id"] for d in r.json()["items"]] == [waiting["id"]]
    report = api.client.get("/api/v1/reports/deliveries", headers=staff,
                            params={"start": "2026-12-01", "end": "2026-12-01"}).json()  # fmt: skip
    [sms] = [d for d in report["days"] if d["channel"] == "sms"]
    assert (sms["cancelled"], sms["queued"]) == (1, 0)
    assert sms["total"] == sms["sent"] + sms["cancelled"]  # the approval, the confirmation
    clock.advance(13 * 3600)  # 08:05 on 2 December: past the end of her quiet hours
    _drain(worker)
    assert not any("明日" in m.text for m in gateway.received)
