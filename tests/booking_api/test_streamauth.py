"""The ride socket's authentication as the booking API wires it: own rides only, staff any."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from booking_api.main import create_app
from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst


def test_resident_watches_only_their_own_ride(
    settings: Settings, db: Engine, clock: FixedClock, city_map: Any
) -> None:
    from fastapi.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号")
    engine.set_shift("V1", clock.now().date(), jst(2026, 12, 1, 9, 0), jst(2026, 12, 1, 17, 0))
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        api = Api(client, db)
        _, me = api.member()
        _, other = api.member()
        operator = api.staff("operator")["Authorization"].split()[1]
        body = quote_body(date="2026-12-01", time="10:00")
        offer = client.post("/api/v1/quotes", json=body, headers=me).json()["offer"]
        booking = client.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=me)
        ride_id = booking.json()["booking"]["id"]
        mine = me["Authorization"].split()[1]
        with client.websocket_connect(f"/ws/ride/{ride_id}?token={mine}") as ws:
            first = ws.receive_json()
            assert first["type"] == "ride_status" and first["ride_id"] == ride_id
            assert first["vehicle_id"] == "V1" and first["eta_pickup"]
            engine.report_position("V1", 35.89, 140.64)
            moved = ws.receive_json()
            assert (moved["vehicle_lat"], moved["vehicle_lon"]) == (35.89, 140.64)
        with client.websocket_connect(f"/ws/ride/{ride_id}?token={operator}") as ws:
            assert ws.receive_json()["ride_id"] == ride_id
        theirs = other["Authorization"].split()[1]
        for url, code in (
            (f"/ws/ride/{ride_id}?token={theirs}", 4403),
            (f"/ws/ride/R-none?token={mine}", 4404),
            (f"/ws/ride/{ride_id}?token=forged", 4401),
        ):
            with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect(url) as ws:
                ws.receive_json()
            assert info.value.code == code, url
