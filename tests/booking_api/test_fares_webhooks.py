"""Online purchase through the local provider stand-in (issue 13 §2): the webhook's signature
is checked on the raw body, each event is handled once (replay), and events out of order end
in the same state; the resident's wallet gets the coupon book once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from booking_api.faredb import LedgerRow
from booking_api.main import create_app
from booking_api.settings import Settings
from fares.payprovider import SIGNATURE_HEADER, StandIn, sign
from tests.booking_api.conftest import Api
from tests.booking_api.fakes import FixedClock

SECRET = "whsec_test_0123456789abcdef"
HOOK = "/api/v1/payments/webhooks/local"


@pytest.fixture
def api(
    settings: Settings, engine: Any, clock: FixedClock, city_map: Any, db: Engine
) -> Iterator[Api]:
    """The app with the local payment provider switched on."""
    settings = settings.model_copy(
        update={"payment_provider": "local", "payment_webhook_secret": SECRET}
    )
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        yield Api(client, db)


def _stand_in(api: Api, clock: FixedClock) -> StandIn:
    return StandIn(
        SECRET,
        lambda body, headers: api.client.post(HOOK, content=body, headers=headers),
        lambda: clock.now().timestamp(),
    )


def _checkout(api: Api) -> tuple[dict[str, Any], dict[str, str]]:
    _, resident = api.member()
    r = api.client.post("/api/v1/me/checkouts", json={"product_id": "coupon11"}, headers=resident)
    assert r.status_code == 201, r.text
    return r.json(), resident


def _rows(api: Api) -> int:
    with Session(api.db) as s:
        return int(s.scalar(select(func.count()).select_from(LedgerRow)) or 0)


def test_a_paid_checkout_fills_the_wallet_once(api: Api, clock: FixedClock) -> None:
    """payment.succeeded adds the coupon book; the same webhook again changes nothing."""
    checkout, resident = _checkout(api)
    assert checkout["status"] == "pending" and checkout["amount_yen"] == 3000
    assert checkout["pay_url"].startswith("/pay?checkout=")
    stand_in = _stand_in(api, clock)
    r = stand_in.pay(checkout["id"], 3000)
    assert (r.status_code, r.json()["status"]) == (202, "accepted")
    replay = stand_in.deliver(*stand_in.sent[0])
    assert (replay.status_code, replay.json()["status"]) == (202, "duplicate")
    wallet = api.client.get("/api/v1/me/wallet", headers=resident).json()
    assert [h["rides_left"] for h in wallet["holdings"]] == [11]
    assert [(e["kind"], e["channel"], e["yen_in"]) for e in wallet["history"]] == [
        ("sale", "online", 3000)
    ]
    got = api.client.get(f"/api/v1/me/checkouts/{checkout['id']}", headers=resident).json()
    assert got["status"] == "paid" and got["holding_id"] == wallet["holdings"][0]["id"]


def test_signatures_are_checked(api: Api, clock: FixedClock) -> None:
    """No signature 400, a wrong or stale one 401, a body changed after signing 401."""
    checkout, _ = _checkout(api)
    body, headers = _stand_in(api, clock).event(checkout["id"], "payment.succeeded", 3000)
    assert api.client.post(HOOK, content=body).status_code == 400
    wrong = {SIGNATURE_HEADER: sign("another-secret", body, int(clock.now().timestamp()))}
    assert api.client.post(HOOK, content=body, headers=wrong).status_code == 401
    stale = {SIGNATURE_HEADER: sign(SECRET, body, int(clock.now().timestamp()) - 3600)}
    assert api.client.post(HOOK, content=body, headers=stale).status_code == 401
    tampered = body.replace(b"3000", b"1")
    r = api.client.post(HOOK, content=tampered, headers=headers)
    assert r.status_code == 401 and r.json()["detail"]["code"] == "bad_signature"
    assert (
        api.client.post(
            "/api/v1/payments/webhooks/other", content=body, headers=headers
        ).status_code
        == 404
    )
    assert _rows(api) == 0


def test_events_out_of_order_end_the_same(api: Api, clock: FixedClock) -> None:
    """A refund that arrives before the payment it refunds still ends refunded: sale and
    refund each once, the wallet's rides gone, the money back to zero."""
    checkout, resident = _checkout(api)
    stand_in = _stand_in(api, clock)
    paid = stand_in.event(checkout["id"], "payment.succeeded", 3000)
    refund = stand_in.event(checkout["id"], "payment.refunded", 3000)
    assert stand_in.deliver(*refund).json()["status"] == "accepted"
    got = api.client.get(f"/api/v1/me/checkouts/{checkout['id']}", headers=resident).json()
    assert got["status"] == "pending" and _rows(api) == 0
    assert stand_in.deliver(*paid).json()["status"] == "accepted"
    assert stand_in.deliver(*refund).json()["status"] == "duplicate"
    got = api.client.get(f"/api/v1/me/checkouts/{checkout['id']}", headers=resident).json()
    assert got["status"] == "refunded"
    wallet = api.client.get("/api/v1/me/wallet", headers=resident).json()
    assert wallet["holdings"][0]["rides_left"] == 0
    assert sum(e["yen_in"] - e["yen_out"] for e in wallet["history"]) == 0
    assert sorted(e["kind"] for e in wallet["history"]) == ["refund", "sale"]


def test_without_a_provider_online_sales_are_off(
    settings: Settings, engine: Any, clock: FixedClock, city_map: Any, db: Engine
) -> None:
    """No provider in the settings: checkouts and webhooks are not found (404)."""
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        api = Api(client, db)
        _, resident = api.member()
        r = client.post("/api/v1/me/checkouts", json={"product_id": "coupon11"}, headers=resident)
        assert r.status_code == 404
        assert client.post(HOOK, content=b"{}").status_code == 404
