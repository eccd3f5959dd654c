"""Riders are told (issue 12): events of the real engine and the API reach the channels
through the outbox and the notifier, against the local SMS gateway stand-in; nothing is
lost or sent twice when the gateway is down, when a worker dies mid-batch, or (PostgreSQL)
when two workers run at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from booking_api.notifications import make_feed, notify_config
from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import DriverTap, LatLon, RideStatus
from dispatch.engine import DispatchEngine
from dispatch.store.base import make_engine
from dispatch.store.repo import read_session
from dispatch.store.tables import EventRow, RideRow
from notify.channels.peers.sms import SmsGatewayPeer
from notify.channels.sms import SmsChannel, SmsConfig
from notify.channels.standin import standins
from notify.store import DeliveryRow
from notify.worker import Notifier
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst

DAY = date(2026, 12, 2)
PLATE = "水戸 500 あ 12-34"


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """One vehicle with a plate and colour on shift on 2 December, the city file's rules."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号",
                       plate=PLATE, colour="白")  # fmt: skip
    engine.set_shift("V1", DAY, jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 17, 0))
    return engine


@pytest.fixture
def gateway() -> Iterator[SmsGatewayPeer]:
    with SmsGatewayPeer() as peer:
        yield peer


def _worker(db: Engine, settings: Settings, clock: FixedClock, peer: SmsGatewayPeer,
            name: str = "w1") -> Notifier:  # fmt: skip
    channels: dict[str, Any] = dict(standins(None))
    channels["sms"] = SmsChannel(SmsConfig(peer.url, peer.api_key, "KAMISU"))
    return Notifier(db, channels, notify_config(settings), clock.now, make_feed(settings), name)


def _drain(worker: Notifier) -> None:
    async def go() -> None:
        while await worker.run_once():
            pass

    asyncio.run(go())


def _book(api: Api, staff: dict[str, str], member_id: str, hhmm: str) -> dict[str, Any]:
    r = api.client.post("/api/v1/quotes", json=quote_body(member_id=member_id, time=hhmm),
                        headers=staff)  # fmt: skip
    assert r.status_code == 200, r.text
    r = api.client.post("/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]},
                        headers=staff)  # fmt: skip
    assert r.status_code == 201, r.text
    return dict(r.json()["booking"])


def _statuses(db: Engine) -> dict[str, int]:
    with read_session(db) as s:
        rows = s.execute(select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status))
        return {k: int(v) for k, v in rows}


def test_events_reach_the_sms_gateway_once_each(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer
) -> None:
    worker = _worker(db, settings, clock, gateway)
    _drain(worker)  # the feed starts here: earlier history is not told
    staff = api.staff()
    member, resident = api.member(staff, phone="090-1111-2201")
    ride = _book(api, staff, member["id"], "10:00")
    r = api.client.post(f"/api/v1/bookings/{ride['id']}/cancel",
                        json={"reason": "台風のため運休"}, headers=staff)  # fmt: skip
    assert r.status_code == 200, r.text
    _drain(worker)
    texts = [m.text for m in gateway.received]
    assert all(m.to == "+819011112201" for m in gateway.received)
    assert any(member["member_number"] in t and "0299-90-1234" in t for t in texts), texts
    assert any("予約を受け付けました" in t and ride["id"] in t and "10:" in t for t in texts)
    assert any("取り消しました" in t and "台風のため運休" in t for t in texts), texts
    assert len(texts) == 3 and len(set(texts)) == 3
    # the rider's own choice: English, told by SMS; the broadcast is counted first, then sent
    r = api.client.put("/api/v1/me/notifications", headers=resident,
                       json={"channels": ["sms"], "language": "en"})  # fmt: skip
    assert r.status_code == 200 and r.json()["effective"] == ["sms"], r.text
    _book(api, staff, member["id"], "12:00")
    target = {"service_date": DAY.isoformat()}
    r = api.client.post("/api/v1/broadcasts/preview", json=target, headers=staff)
    assert r.json() == {"recipients": 1, "by_channel": {"sms": 1}, "unreachable": 0}, r.text
    body = {**target, "message_ja": "本日は運休します", "message_en": "No service today",
            "expected": 2}  # fmt: skip
    r = api.client.post("/api/v1/broadcasts", json=body, headers=staff)
    assert r.status_code == 409 and r.json()["detail"]["recipients"] == 1, r.text
    r = api.client.post("/api/v1/broadcasts", json={**body, "expected": 1}, headers=staff)
    assert r.status_code == 201, r.text
    _drain(worker)
    texts = [m.text for m in gateway.received]
    assert any(t == "No service today" for t in texts), texts
    assert any(t.startswith("Booked:") for t in texts), texts
    # operators see each delivery on the member card's log
    r = api.client.get(f"/api/v1/deliveries?member_id={member['id']}", headers=staff)
    items = r.json()["items"]
    assert {i["event"] for i in items} == {
        "registration_approved", "booking_confirmed", "booking_cancelled", "broadcast"
    }  # fmt: skip
    assert all(i["status"] == "sent" for i in items)
    _drain(worker)
    assert len(gateway.received) == 5  # running again sends nothing more


def test_gateway_down_then_back_delivers_each_once(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer
) -> None:
    worker = _worker(db, settings, clock, gateway)
    _drain(worker)
    staff = api.staff()
    members = [api.member(staff, phone=f"080-2222-{i:04d}")[0] for i in range(6)]
    gateway.down()
    for _ in range(4):  # minutes of outage: every try fails, every row waits its backoff
        _drain(worker)
        clock.advance(settings.notify_backoff_max_s + 1)
    assert _statuses(db) == {"queued": 6}
    gateway.fail_next(503, times=2)  # back, but busy at first
    gateway.up()
    for _ in range(3):
        _drain(worker)
        clock.advance(settings.notify_backoff_max_s + 1)
    assert _statuses(db) == {"sent": 6}
    assert sorted(m.to for m in gateway.received) == sorted(
        "+81" + m["phone"].replace("-", "")[1:] for m in members
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer
) -> None:
    first = _worker(db, settings, clock, gateway, "first")
    _drain(first)
    staff = api.staff()
    for i in range(8):
        api.member(staff, phone=f"070-3333-{i:04d}")
    first.fill()
    batch = first.claim()
    assert len(batch) == 8
    # it sends half, then dies before recording anything (no ``record``: the process is gone)
    asyncio.run(first.send_all(batch[:4]))
    assert len(gateway.received) == 4 and _statuses(db) == {"sending": 8}
    second = _worker(db, settings, clock, gateway, "second")
    _drain(second)  # the dead worker's lease still holds: nothing is taken from it yet
    assert _statuses(db) == {"sending": 8}
    clock.advance(notify_config(settings).lease_s + 1)
    _drain(second)
    assert _statuses(db) == {"sent": 8}
    assert len(gateway.received) == 8  # the four re-sent had the same key: kept once
    assert len({m.to for m in gateway.received}) == 8


@pytest.mark.postgres
def test_two_workers_at_once_send_each_message_once(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer
) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite runs one notifier")
    staff = api.staff()
    a = _worker(db, settings, clock, gateway, "a")
    _drain(a)
    for i in range(40):
        api.member(staff, phone=f"090-4444-{i:04d}")
    a.fill()
    other = make_engine(db.url.render_as_string(hide_password=False))
    b = _worker(other, settings, clock, gateway, "b")
    a.config = b.config = type(a.config)(**{**a.config.__dict__, "batch_size": 5})
    go = threading.Barrier(2)

    def run(w: Notifier) -> None:
        go.wait()
        _drain(w)

    threads = [threading.Thread(target=run, args=(w,)) for w in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.dispose()
    assert _statuses(db) == {"sent": 40}
    assert gateway.requests_seen == 40  # no row was sent by both (SKIP LOCKED), not even once
    assert len(gateway.received) == 40
    assert a.counters.sent > 0 and b.counters.sent > 0
    with read_session(db) as s:
        assert not s.scalars(select(EventRow).where(EventRow.kind == "alert")).all()


def _ride(db: Engine, ride_id: str) -> RideRow:
    with read_session(db) as s:
        row = s.get(RideRow, ride_id)
        assert row is not None
        return row


def _until_en_route(engine: DispatchEngine, clock: FixedClock, ride_id: str) -> None:
    """Let virtual minutes pass, the car reporting from its depot, until it sets off."""
    for _ in range(24 * 60):
        engine.report_position("V1", *HOME_A)
        if engine.get_ride(ride_id).status is RideStatus.EN_ROUTE:
            return
        clock.advance(60)
    raise AssertionError(f"{ride_id} never set off")


def _no_show(engine: DispatchEngine, clock: FixedClock, ride_id: str, tag: str) -> None:
    """到着 at the door, the city's wait for the rider, then 不在."""
    row = _ride(engine.db, ride_id)
    clock.t = max(clock.t, row.pickup_window_start)
    engine.report_position("V1", row.pickup_lat, row.pickup_lon)
    engine.driver_tap("V1", ride_id, DriverTap.ARRIVED, tap_id=f"{tag}-arrived")
    clock.advance(engine.config.taps.no_show_wait_s + 60)
    engine.driver_tap("V1", ride_id, DriverTap.NO_SHOW, tap_id=f"{tag}-no-show")


def test_the_days_events_of_the_real_engine_reach_the_gateway_once_each(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer,
    engine: DispatchEngine,
) -> None:  # fmt: skip
    """On the day: the car on its way (minutes), a new pickup time after a delay, the car at
    the door (colour and plate), and at the second no-show the warning; each once."""
    worker = _worker(db, settings, clock, gateway)
    _drain(worker)
    staff = api.staff()
    member, _ = api.member(staff, phone="090-5555-0101")
    first = _book(api, staff, member["id"], "10:00")
    second = _book(api, staff, member["id"], "14:00")
    _drain(worker)
    told = len(gateway.received)  # the approval and the two confirmations
    assert told == 3, [m.text for m in gateway.received]

    def new_texts() -> list[str]:
        nonlocal told
        _drain(worker)
        texts = [m.text for m in gateway.received[told:]]
        told = len(gateway.received)
        assert all(m.to == "+819055550101" for m in gateway.received)
        return texts

    clock.t = jst(2026, 12, 2, 8, 0)
    engine.start_shift("V1")
    _until_en_route(engine, clock, first["id"])
    row = _ride(db, first["id"])
    assert new_texts() == [_on_its_way(db, first["id"])]
    # the car is held up for 40 minutes: the rider gets the new time, once
    engine.report_delay("V1", 40 * 60)
    late = _ride(db, first["id"]).estimated_pickup
    assert late is not None and late > row.pickup_window_end
    local = late.astimezone(ZoneInfo("Asia/Tokyo"))
    assert new_texts() == [
        f"お迎えが遅れます。新しいお迎え時刻は{local.hour}:{local.minute:02d}頃です。"
    ]
    engine.report_delay("V1", 40 * 60)  # the same delay reported again tells nothing new
    assert new_texts() == []
    clock.t = late
    engine.report_delay("V1", 0)
    _no_show(engine, clock, first["id"], "r1")
    # at the door with colour and plate; one no-show is not yet a warning
    assert new_texts() == [f"お迎えの車が着きました。白の車、ナンバー{PLATE}です。"]
    _until_en_route(engine, clock, second["id"])
    assert new_texts() == [_on_its_way(db, second["id"])]
    _no_show(engine, clock, second["id"], "r2")
    assert sorted(new_texts()) == sorted(  # sent side by side: either may arrive first
        [
            f"お迎えの車が着きました。白の車、ナンバー{PLATE}です。",
            "お迎えの際にお会いできませんでした。続くと利用停止になります。お問い合わせ:0299-90-1234",
        ]
    )
    _drain(worker)
    assert len(gateway.received) == told == gateway.requests_seen  # nothing sent twice
    with read_session(db) as s:
        events = list(s.scalars(select(DeliveryRow.event).where(DeliveryRow.channel == "sms")))
    assert sorted(events) == sorted(
        ["registration_approved", "booking_confirmed", "booking_confirmed", "car_en_route",
         "pickup_delayed", "car_arrived", "car_en_route", "car_arrived", "no_show_warning"]
    )  # fmt: skip


def _on_its_way(db: Engine, ride_id: str) -> str:
    """The text for the car setting off: minutes from its ``ride.en_route`` to the pickup."""
    row = _ride(db, ride_id)
    assert row.estimated_pickup is not None
    [set_off] = [e for e in _events(db, "ride.en_route") if e.ride_id == ride_id]
    minutes = max(1, round((row.estimated_pickup - set_off.at).total_seconds() / 60))
    return f"お迎えの車が向かっています。あと約{minutes}分で着きます。"


def _events(db: Engine, kind: str) -> list[EventRow]:
    with read_session(db) as s:
        return list(s.scalars(select(EventRow).where(EventRow.kind == kind).order_by(EventRow.id)))


def test_the_worker_blanks_old_texts_once_an_hour(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, gateway: SmsGatewayPeer
) -> None:
    """Texts and addresses are kept ``keep_message_days`` (city file), then blanked by the
    running worker, which looks once every ``purge_every_s``; younger ones are kept."""
    worker = _worker(db, settings, clock, gateway)
    keep = worker.config.keep_bodies_days
    _drain(worker)
    api.member(api.staff(), phone="090-5555-0202")
    _drain(worker)
    assert _bodies(db) == [("sent", True)]
    clock.advance(keep * 86400 - 1800)  # not yet old: the hourly look finds nothing
    _drain(worker)
    assert _bodies(db) == [("sent", True)]
    api.member(api.staff(), phone="090-5555-0203")
    clock.advance(1800 + 60)  # old now, but the last look was under an hour ago
    _drain(worker)
    assert _bodies(db) == [("sent", True), ("sent", True)]
    clock.advance(worker.config.purge_every_s)
    _drain(worker)
    assert _bodies(db) == [("sent", False), ("sent", True)]
    with read_session(db) as s:
        old = s.scalars(select(DeliveryRow).order_by(DeliveryRow.created_at)).first()
        assert old is not None
        assert (old.address, old.subject, old.body) == ("", "", "")
        assert old.purged_at is not None and old.purged_at == clock.now()
    assert len(gateway.received) == 2  # blanking is no re-send


def _bodies(db: Engine) -> list[tuple[str, bool]]:
    """Each delivery's status and whether it still holds a text and an address."""
    with read_session(db) as s:
        rows = s.execute(
            select(DeliveryRow.status, DeliveryRow.body, DeliveryRow.address).order_by(
                DeliveryRow.created_at
            )
        )
        return [(st, bool(body) and bool(addr)) for st, body, addr in rows]
