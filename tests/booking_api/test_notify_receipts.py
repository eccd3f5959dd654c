"""Delivery receipts (issue 12 §3): the local SMS gateway posts signed receipts over HTTP to
the API served by uvicorn, as a real gateway calls its callback URL; each SMS ends delivered
or failed on the member's deliveries, the log and the daily count; a repeat changes nothing,
a contradicting, unknown or unsigned receipt is refused. A push subscription the push
service calls gone (410) is forgotten, and the member's next message goes by SMS.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from booking_api.main import create_app
from booking_api.notifications import make_feed, notify_config
from booking_api.settings import Settings
from dispatch.store.tables import EventRow
from notify.channels.peers.push import PushServicePeer
from notify.channels.peers.sms import SmsGatewayPeer, SmsRecord
from notify.channels.push import PushChannel, PushConfig, generate_vapid_keys
from notify.channels.sms import SmsChannel
from notify.channels.standin import standins
from notify.receipts import sign
from notify.worker import Notifier
from tests.booking_api.conftest import Api
from tests.booking_api.fakes import FixedClock

SECRET = "dlr-secret-0123456789abcdef"
RECEIPTS = "/api/v1/receipts/sms"
REPORT = "/api/v1/reports/deliveries"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(
    settings: Settings, engine: Any, clock: FixedClock, city_map: Any, db: Engine
) -> Iterator[tuple[Api, Settings]]:
    """The API under uvicorn, taking SMS receipts signed with ``SECRET`` at its public URL."""
    import uvicorn

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = settings.model_copy(update={"public_url": url, "sms_receipt_secret": SECRET})
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield Api(client, db), settings  # type: ignore[arg-type]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _gateway(clock: FixedClock, **over: Any) -> SmsGatewayPeer:
    # A phone that is switched off for days: the network gives up (GSM cause 27).
    def fate(record: SmsRecord) -> tuple[str, str]:
        return ("undelivered", "27") if record.to.endswith("0002") else ("delivered", "")

    return SmsGatewayPeer(
        receipt_secret=SECRET, clock=lambda: clock.now().timestamp(), fate=fate, **over
    )


def _drain(db: Engine, settings: Settings, clock: FixedClock, channels: dict[str, Any]) -> None:
    worker = Notifier(db, channels, notify_config(settings), clock.now, make_feed(settings), "w")

    async def go() -> None:
        while await worker.run_once():
            pass

    asyncio.run(go())


def _sms_channels(settings: Settings, peer: SmsGatewayPeer) -> dict[str, Any]:
    """The stand-ins, and the real SMS adapter as the settings configure it (callback URL)."""
    sms = settings.model_copy(update={"sms_url": peer.url, "sms_key": peer.api_key,
                                      "sms_sender": "KAMISU"}).sms_config()  # fmt: skip
    assert sms.receipt_url == f"{settings.public_url}{RECEIPTS}"
    return {**standins(None), "sms": SmsChannel(sms)}


def _deliveries(api: Api, staff: dict[str, str], member_id: str) -> list[dict[str, Any]]:
    r = api.client.get("/api/v1/deliveries", params={"member_id": member_id}, headers=staff)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def _signed(body: dict[str, Any], ts: float, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", "Noriai-Signature": sign(secret, raw, int(ts))}


def test_receipts_settle_each_sms_and_the_counts_follow(
    served: tuple[Api, Settings], db: Engine, clock: FixedClock
) -> None:
    """Delivered and undelivered receipts over HTTP; the log, the card and the count."""
    api, settings = served
    with _gateway(clock) as gateway:
        channels = _sms_channels(settings, gateway)
        _drain(db, settings, clock, channels)  # the feed starts here
        staff = api.staff()
        reached, _ = api.member(staff, phone="090-5555-0001")
        off, _ = api.member(staff, phone="090-5555-0002")
        landline, _ = api.member(staff, phone="0299-55-0003", email="kanda@example.jp")
        _drain(db, settings, clock, channels)
        posted = gateway.wait_receipts(2)
        assert sorted((p.status, p.answer) for p in posted) == [("delivered", 200),
                                                                ("undelivered", 200)]  # fmt: skip
        [ok] = _deliveries(api, staff, reached["id"])
        assert (ok["channel"], ok["status"], ok["error"]) == ("sms", "delivered", "")
        assert ok["sent_at"] and ok["delivered_at"]
        [bad] = _deliveries(api, staff, off["id"])
        assert (bad["status"], bad["error"]) == ("failed", "receipt: undelivered (27)")
        assert bad["delivered_at"] is None
        assert {d["status"] for d in _deliveries(api, staff, landline["id"])} == {"sent"}
        # the office is told of the failed one, as of a refusal
        with Session(db) as s:
            rows = s.scalars(select(EventRow).where(EventRow.kind == "alert"))
            alerts = [e.payload for e in rows]
        assert [a["delivery_id"] for a in alerts] == [bad["id"]]
        # the log filters on the new state
        r = api.client.get("/api/v1/deliveries", params={"status": "delivered"}, headers=staff)
        assert [d["id"] for d in r.json()["items"]] == [ok["id"]]
        report = api.client.get(REPORT, params={"start": "2026-12-01", "end": "2026-12-01"},
                                headers=staff).json()  # fmt: skip
        cells = {d["channel"]: d for d in report["days"]}
        assert {k: cells["sms"][k] for k in ("sent", "delivered", "failed", "total")} == {
            "sent": 0, "delivered": 1, "failed": 1, "total": 2}  # fmt: skip
        # no receipts on calls and email: "delivered" is not known there, not 0
        assert (cells["voice"]["sent"], cells["voice"]["delivered"]) == (1, None)
        assert (cells["email"]["sent"], cells["email"]["delivered"]) == (1, None)
        totals = {t["channel"]: t for t in report["totals"]}
        assert (totals["sms"]["delivered"], totals["push"]["delivered"]) == (1, None)

        first = next(m for m in gateway.received if m.to.endswith("0001"))
        again = gateway.post_receipt(first, "delivered")  # the gateway retries: harmless
        assert again.answer == 200 and json.loads(again.body)["outcome"] == "unchanged"
        contra = gateway.post_receipt(first, "undelivered")
        assert contra.answer == 409, contra.body
        detail = json.loads(contra.body)["detail"]
        assert (detail["code"], detail["current"]) == ("receipt_conflict", "delivered")
        assert detail["message_ja"] and detail["message_en"]
        buffered = gateway.post_receipt(first, "buffered")  # late, not final: nothing changes
        assert json.loads(buffered.body)["outcome"] == "pending"
        assert _deliveries(api, staff, reached["id"])[0]["status"] == "delivered"
        stranger = SmsRecord("sms-999", "+819000000000", "X", "x", "k", "", first.callback_url)
        unknown = gateway.post_receipt(stranger, "delivered")
        assert unknown.answer == 404 and "delivery_unknown" in unknown.body


def test_a_receipt_that_outruns_the_workers_record_still_counts(
    served: tuple[Api, Settings], db: Engine, clock: FixedClock
) -> None:
    """The gateway answers the send only after its receipt was taken: the row is still
    'sending' when the receipt comes, ends delivered, and the worker does not undo it."""
    api, settings = served
    with _gateway(clock, auto_receipts=False) as gateway:

        def receipt_first(record: SmsRecord) -> None:
            # Called by the gateway before it answers the send (on_record runs first).
            gateway.post_receipt(record, "delivered")

        gateway.on_record = receipt_first
        channels = _sms_channels(settings, gateway)
        _drain(db, settings, clock, channels)
        staff = api.staff()
        member, _ = api.member(staff, phone="090-5555-0011")
        _drain(db, settings, clock, channels)
        [posted] = gateway.receipts
        assert posted.answer == 200 and json.loads(posted.body)["outcome"] == "applied"
        [d] = _deliveries(api, staff, member["id"])
        assert (d["status"], d["attempts"]) == ("delivered", 1)
        assert len(gateway.received) == 1


def test_an_unsigned_or_forged_receipt_is_refused_and_changes_nothing(
    served: tuple[Api, Settings], db: Engine, clock: FixedClock
) -> None:
    """No signature: 422 naming the header; another secret or an old one: 401."""
    api, settings = served
    with _gateway(clock, auto_receipts=False) as gateway:
        channels = _sms_channels(settings, gateway)
        _drain(db, settings, clock, channels)
        staff = api.staff()
        member, _ = api.member(staff, phone="090-5555-0021")
        _drain(db, settings, clock, channels)
        [record] = gateway.received
        body = {"id": record.id, "reference": record.reference, "status": "undelivered"}
        r = api.client.post(RECEIPTS, json=body)
        assert r.status_code == 422, r.text
        now = clock.now().timestamp()
        for raw, headers in (_signed(body, now, "another-secret-0123456789"),
                             _signed(body, now - 600)):  # fmt: skip
            r = api.client.post(RECEIPTS, content=raw, headers=headers)
            assert r.status_code == 401, r.text
            assert r.json()["detail"]["code"] == "bad_signature"
        raw, headers = _signed(body, now)
        tampered = raw.replace(b"undelivered", b"delivered")
        assert api.client.post(RECEIPTS, content=tampered, headers=headers).status_code == 401
        assert _deliveries(api, staff, member["id"])[0]["status"] == "sent"
        r = api.client.post(RECEIPTS, content=raw, headers=headers)  # the real one
        assert r.status_code == 200 and r.json()["status"] == "failed", r.text


def test_without_a_secret_receipts_are_off(api: Api) -> None:
    """No NORIAI_SMS_RECEIPT_SECRET: the endpoint says so (404), whatever is signed."""
    body = {"id": "sms-1", "status": "delivered"}
    raw, headers = _signed(body, time.time())
    r = api.client.post(RECEIPTS, content=raw, headers=headers)
    assert r.status_code == 404 and r.json()["detail"]["code"] == "receipts_off", r.text


def test_a_push_subscription_gone_is_forgotten_and_sms_takes_over(
    api: Api, db: Engine, settings: Settings, clock: FixedClock
) -> None:
    """The push service answers 410 for a revoked subscription: the delivery fails, the
    subscription is deleted, and the member's next broadcast goes by SMS alone."""
    keys = generate_vapid_keys()
    with PushServicePeer() as push, SmsGatewayPeer() as gateway:
        channels: dict[str, Any] = {
            **standins(None),
            "push": PushChannel(PushConfig(keys.private_key, keys.public_key, "mailto:o@x.jp")),
            "sms": SmsChannel(settings.model_copy(update={"sms_url": gateway.url,
                              "sms_key": gateway.api_key, "sms_sender": "K"}).sms_config()),
        }  # fmt: skip
        _drain(db, settings, clock, channels)
        staff = api.staff()
        member, resident = api.member(staff, phone="090-5555-0031")
        _drain(db, settings, clock, channels)  # told of the approval by SMS
        sub = push.subscribe(application_server_key=keys.public_key)
        r = api.client.post("/api/v1/me/push-subscriptions", json=sub, headers=resident)
        assert r.status_code == 201 and r.json()["push_subscribed"], r.text
        push.unsubscribe(sub)  # the phone's browser dropped it

        def broadcast() -> None:
            target = {"area": member["home_area"]}
            n = api.client.post("/api/v1/broadcasts/preview", json=target, headers=staff).json()
            body = {**target, "message_ja": "台風のため運休します", "expected": n["recipients"]}
            r = api.client.post("/api/v1/broadcasts", headers=staff, json=body)
            assert r.status_code == 201, r.text
            _drain(db, settings, clock, channels)

        broadcast()
        pushed = [d for d in _deliveries(api, staff, member["id"]) if d["channel"] == "push"]
        assert [(d["status"], d["error"]) for d in pushed] == [("failed", "http_410")]
        prefs = api.client.get("/api/v1/me/notifications", headers=resident).json()
        assert not prefs["push_subscribed"] and "push" not in prefs["effective"]
        before = len(gateway.received)
        broadcast()
        assert len(gateway.received) == before + 1
        assert [d["channel"] for d in _deliveries(api, staff, member["id"])].count("push") == 1
