"""Two operators confirm the last place at the same moment: one booking, one 409 with alternatives.

Real dispatch engine, real HTTP server (uvicorn in a thread), real concurrent
requests from two threads, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from booking_api.main import create_app
from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst

DAY = date(2026, 12, 2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def real_engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """One one-seat vehicle on a 15-minute shift at 10:00 (room for one ride), another at 11:00."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    depot = LatLon(*HOME_A)
    engine.add_vehicle("V1", depot=depot, seats=1, name="神栖1号")
    engine.set_shift("V1", DAY, jst(2026, 12, 2, 10, 0), jst(2026, 12, 2, 10, 15))
    engine.add_vehicle("V2", depot=depot, seats=1, name="神栖2号")
    engine.set_shift("V2", DAY, jst(2026, 12, 2, 11, 0), jst(2026, 12, 2, 12, 0))
    return engine


@pytest.fixture
def server(
    settings: Settings, real_engine: DispatchEngine, clock: FixedClock, city_map: Any, db: Engine
) -> Iterator[str]:
    """The API served by uvicorn on a free local port."""
    app = create_app(settings, engine=real_engine, clock=clock, city_map=city_map, db=db)
    yield from _serve(app)


@pytest.fixture
def roomy_server(
    settings: Settings, db: Engine, clock: FixedClock, city_map: Any
) -> Iterator[str]:
    """The API over three six-seat vehicles on shift all day: capacity is never the limit."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    for i in (1, 2, 3):
        engine.add_vehicle(f"V{i}", depot=LatLon(*HOME_A), seats=6, name=f"神栖{i}号")
        engine.set_shift(f"V{i}", DAY, jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 18, 0))
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)
    yield from _serve(app)


def _serve(app: Any) -> Iterator[str]:
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def test_two_operators_confirm_the_last_place_at_once(server: str, db: Engine) -> None:
    with httpx.Client(base_url=server, timeout=60) as http:
        api = Api(http, db)  # type: ignore[arg-type]
        ops = [api.staff(), api.staff()]
        members = [api.member(ops[0])[0], api.member(ops[0])[0]]
        offers = []
        for op, member in zip(ops, members, strict=True):
            r = http.post("/api/v1/quotes", json=quote_body(member_id=member["id"]), headers=op)
            assert r.status_code == 200, r.text
            offers.append(r.json()["offer"]["offer_id"])
    barrier = threading.Barrier(2)
    results: list[httpx.Response] = []

    def confirm(op: dict[str, str], offer_id: str) -> None:
        with httpx.Client(base_url=server, timeout=60) as client:
            barrier.wait()
            results.append(client.post("/api/v1/bookings", json={"offer_id": offer_id}, headers=op))

    threads = [
        threading.Thread(target=confirm, args=(op, o)) for op, o in zip(ops, offers, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409], [r.text for r in results]
    refused = next(r for r in results if r.status_code == 409).json()["detail"]
    assert refused["code"] == "no_capacity"
    assert refused["alternatives"], "the 11:00 vehicle should be offered as an alternative"
    with httpx.Client(base_url=server, timeout=60) as http:
        staff = Api(http, db).staff()  # type: ignore[arg-type]
        day = http.get(
            "/api/v1/operator/day", params={"date": DAY.isoformat()}, headers=staff
        ).json()
    booked = [b for v in day["vehicles"] for b in v["bookings"] if b["status"] not in {"cancelled"}]
    assert len(booked) == 1 and booked[0]["vehicle_id"] == "V1"


def test_retried_confirm_with_the_same_key_books_once(server: str, db: Engine) -> None:
    with httpx.Client(base_url=server, timeout=60) as http:
        api = Api(http, db)  # type: ignore[arg-type]
        _, me = api.member()
        offer = http.post("/api/v1/quotes", json=quote_body(), headers=me).json()["offer"][
            "offer_id"
        ]
    barrier = threading.Barrier(3)
    results: list[httpx.Response] = []

    def confirm() -> None:
        with httpx.Client(base_url=server, timeout=60) as client:
            barrier.wait()
            headers = {**me, "Idempotency-Key": "retry-1"}
            results.append(
                client.post("/api/v1/bookings", json={"offer_id": offer}, headers=headers)
            )

    threads = [threading.Thread(target=confirm) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_code for r in results] == [201, 201, 201], [r.text for r in results]
    assert len({r.json()["booking"]["id"] for r in results}) == 1
    with httpx.Client(base_url=server, timeout=60) as http:
        assert len(http.get("/api/v1/bookings", headers=me).json()) == 1


def test_admin_sets_up_vehicles_and_shifts_through_the_engine(server: str, db: Engine) -> None:
    with httpx.Client(base_url=server, timeout=60) as http:
        api = Api(http, db)  # type: ignore[arg-type]
        admin, operator = api.staff("admin"), api.staff("operator")
        body = {
            "id": "V9",
            "name": "波崎 9号車",
            "seats": 6,
            "wheelchairs": 1,
            "depot_lat": 35.75682,
            "depot_lon": 140.81373,
        }
        assert http.post("/api/v1/vehicles", json=body, headers=operator).status_code == 403
        r = http.post("/api/v1/vehicles", json=body, headers=admin)
        assert r.status_code == 201, r.text
        assert r.json()["wheelchairs"] == 1 and r.json()["status"] == "off_shift"
        sea = {**body, "id": "V10", "depot_lat": 35.60, "depot_lon": 140.60}
        r = http.post("/api/v1/vehicles", json=sea, headers=admin)
        assert r.status_code == 422 and r.json()["detail"]["code"] == "outside_boundary"
        shift = {"start": "2026-12-02T08:00:00+09:00", "end": "2026-12-02T17:00:00+09:00"}
        r = http.put(f"/api/v1/shifts/V9/{DAY}", json=shift, headers=admin)
        assert r.status_code == 200, r.text
        shifts = http.get(
            "/api/v1/shifts", params={"date": DAY.isoformat()}, headers=operator
        ).json()
        assert {s["vehicle_id"] for s in shifts} == {"V1", "V2", "V9"}
        assert http.put(f"/api/v1/shifts/NOPE/{DAY}", json=shift, headers=admin).status_code == 404
        vehicles = {v["id"] for v in http.get("/api/v1/vehicles", headers=operator).json()}
        assert vehicles == {"V1", "V2", "V9"}
        log = http.get("/api/v1/audit", headers=admin).json()
        assert [e["action"] for e in log[:2]] == ["shift.set", "vehicle.save"]


def test_stream_accepts_only_the_vehicles_driver_and_staff_on_the_board(
    settings: Settings, real_engine: DispatchEngine, clock: FixedClock, city_map: Any, db: Engine
) -> None:
    from fastapi.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    app = create_app(settings, engine=real_engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        api = Api(client, db)
        driver = api.staff("driver", vehicle_id="V1")["Authorization"].split()[1]
        operator = api.staff("operator")["Authorization"].split()[1]
        with client.websocket_connect(f"/ws/vehicle/V1?token={driver}") as ws:
            first = ws.receive_json()
            assert "seq" in first
        for url, code in (
            (f"/ws/vehicle/V2?token={driver}", 4403),  # another vehicle
            (f"/ws/vehicle/V1?token={operator}", 4401),  # not a driver
            ("/ws/vehicle/V1?token=forged", 4401),
            (f"/ws/board?token={driver}", 4401),  # drivers do not see the board
        ):
            with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect(url) as ws:
                ws.receive_json()
            assert info.value.code == code, url
        with client.websocket_connect(f"/ws/board?token={operator}") as ws:
            assert "seq" in ws.receive_json()


def test_rider_sees_where_the_car_is(
    settings: Settings, real_engine: DispatchEngine, clock: FixedClock, city_map: Any, db: Engine
) -> None:
    from fastapi.testclient import TestClient

    app = create_app(settings, engine=real_engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        api = Api(client, db)
        _, me = api.member()
        offer = client.post("/api/v1/quotes", json=quote_body(), headers=me).json()["offer"]
        booking = client.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=me)
        ride_id = booking.json()["booking"]["id"]
        assert client.get(f"/api/v1/bookings/{ride_id}", headers=me).json()["vehicle_lat"] is None
        real_engine.report_position("V1", 35.8895, 140.6440)
        seen = client.get(f"/api/v1/bookings/{ride_id}", headers=me).json()
        assert (seen["vehicle_lat"], seen["vehicle_lon"]) == (35.8895, 140.6440)


def test_concurrent_approvals_issue_distinct_member_numbers(server: str, db: Engine) -> None:
    with httpx.Client(base_url=server, timeout=60) as http:
        api = Api(http, db)  # type: ignore[arg-type]
        staff = [api.staff(), api.staff()]
        pending = [
            http.post("/api/v1/registrations", json=api.registration()).json()["member"]["id"]
            for _ in range(6)
        ]
    barrier = threading.Barrier(len(pending))
    results: list[httpx.Response] = []

    def approve(i: int, member_id: str) -> None:
        with httpx.Client(base_url=server, timeout=60) as client:
            barrier.wait()
            url = f"/api/v1/members/{member_id}/approve"
            results.append(client.post(url, json={}, headers=staff[i % 2]))

    threads = [threading.Thread(target=approve, args=(i, m)) for i, m in enumerate(pending)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_code for r in results] == [200] * 6, [r.text for r in results]
    numbers = sorted(r.json()["member_number"] for r in results)
    assert numbers == [f"K{i:06d}" for i in range(1, 7)]


def _race(server: str, n: int, send: Any) -> list[httpx.Response]:
    """Send ``n`` requests at the same instant from ``n`` threads; return every answer."""
    barrier = threading.Barrier(n)
    results: list[httpx.Response] = []

    def one() -> None:
        with httpx.Client(base_url=server, timeout=120) as client:
            barrier.wait()
            results.append(send(client))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.mark.parametrize("key", [None, "same-key"])
def test_many_confirms_of_one_offer_book_once_and_answer_clearly(
    server: str, db: Engine, key: str | None
) -> None:
    with httpx.Client(base_url=server, timeout=60) as http:
        _, me = Api(http, db).member()  # type: ignore[arg-type]
        offer = http.post("/api/v1/quotes", json=quote_body(), headers=me).json()["offer"]
    headers = {**me, **({"Idempotency-Key": key} if key else {})}
    results = _race(
        server,
        20,
        lambda c: c.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=headers),
    )
    codes = sorted(r.status_code for r in results)
    assert all(c < 500 for c in codes), [r.text for r in results if r.status_code >= 500]
    booked = {r.json()["booking"]["id"] for r in results if r.status_code == 201}
    assert len(booked) == 1, codes
    if key:
        assert codes == [201] * len(results)  # every retry gets the same booking back
    for r in results:
        if r.status_code == 409:
            assert r.json()["detail"]["code"] in {"offer_taken", "busy"}, r.text
    with httpx.Client(base_url=server, timeout=60) as http:
        assert len(http.get("/api/v1/bookings", headers=me).json()) == 1


def test_the_daily_ride_limit_holds_when_offers_are_confirmed_later(
    roomy_server: str, db: Engine, settings: Settings
) -> None:
    limit = settings.city_rules().max_rides_per_day
    with httpx.Client(base_url=roomy_server, timeout=60) as http:
        _, me = Api(http, db).member()  # type: ignore[arg-type]
        offers = []
        for hour in range(9, 9 + 2 * limit):  # twice the limit, quoted before any is booked
            r = http.post("/api/v1/quotes", json=quote_body(time=f"{hour:02d}:00"), headers=me)
            assert r.status_code == 200, r.text
            offers.append(r.json()["offer"]["offer_id"])
        first = [
            http.post("/api/v1/bookings", json={"offer_id": o}, headers=me) for o in offers[:3]
        ]
        assert [r.status_code for r in first] == [201, 201, 201]
    # The rest at once: exactly enough to reach the limit get through.
    rest = iter(offers[3:])
    lock = threading.Lock()

    def next_offer(client: httpx.Client) -> httpx.Response:
        with lock:
            offer_id = next(rest)
        return client.post("/api/v1/bookings", json={"offer_id": offer_id}, headers=me)

    results = _race(roomy_server, len(offers) - 3, next_offer)
    codes = sorted(r.status_code for r in results)
    assert codes == [201] * (limit - 3) + [409] * (len(offers) - limit), [r.text for r in results]
    refused = [r.json()["detail"] for r in results if r.status_code == 409]
    assert {d["code"] for d in refused} == {"daily_limit"}
    assert f"{limit}" in refused[0]["message_ja"]
    with httpx.Client(base_url=roomy_server, timeout=60) as http:
        mine = http.get("/api/v1/bookings", headers=me).json()
    assert len([b for b in mine if b["status"] != "cancelled"]) == limit


def test_racing_changes_of_one_booking_give_one_new_booking(
    roomy_server: str, db: Engine
) -> None:
    with httpx.Client(base_url=roomy_server, timeout=60) as http:
        _, me = Api(http, db).member()  # type: ignore[arg-type]
        offer = http.post("/api/v1/quotes", json=quote_body(), headers=me).json()["offer"]
        booking = http.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=me)
        ride_id = booking.json()["booking"]["id"]
        changes = []
        for hour in (11, 12, 13, 14, 15):
            r = http.post(
                f"/api/v1/bookings/{ride_id}/modify",
                json=quote_body(time=f"{hour:02d}:00"),
                headers=me,
            )
            assert r.status_code == 200, r.text
            changes.append(r.json()["offer"]["offer_id"])
    pending = iter(changes)
    lock = threading.Lock()

    def change(client: httpx.Client) -> httpx.Response:
        with lock:
            offer_id = next(pending)
        url = f"/api/v1/bookings/{ride_id}/modify/confirm"
        return client.post(url, json={"offer_id": offer_id}, headers=me)

    results = _race(roomy_server, len(changes), change)
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [409] * (len(changes) - 1), [r.text for r in results]
    assert {r.json()["detail"]["code"] for r in results if r.status_code == 409} == {
        "illegal_transition"
    }
    with httpx.Client(base_url=roomy_server, timeout=60) as http:
        mine = http.get("/api/v1/bookings", headers=me).json()
    live = [b for b in mine if b["status"] != "cancelled"]
    winner = next(r.json() for r in results if r.status_code == 200)
    assert [b["id"] for b in live] == [winner["id"]]
    assert next(b for b in mine if b["id"] == ride_id)["status"] == "cancelled"
