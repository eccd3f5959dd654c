"""The tablet's taps over HTTP under the city's tap rules (issue 10, §5), on the real engine.

Refusals are 409s in the house error shape (Japanese and English), never a 500;
the last tap can be undone for 60 s; staff void a wrong no-show, which leaves the
rider's count and ends the suspension it caused; everything is in the audit log or
the engine's event log.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from dispatch.store.repo import read_session
from dispatch.store.tables import EventRow
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst

DAY = date(2026, 12, 2)
FAR = (35.95, 140.70)  # about 8 km from the member's home in 大野原


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """One vehicle on shift 08:00-17:00 on 2 December, the city file's rules."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号")
    engine.set_shift("V1", DAY, jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 17, 0))
    return engine


def _book(api: Api, staff: dict[str, str], member_id: str, hhmm: str) -> dict[str, Any]:
    body = quote_body(member_id=member_id, time=hhmm)
    r = api.client.post("/api/v1/quotes", json=body, headers=staff)
    assert r.status_code == 200, r.text
    r = api.client.post("/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]},
                        headers=staff)  # fmt: skip
    assert r.status_code == 201, r.text
    return dict(r.json()["booking"])


def _tap(api: Api, driver: dict[str, str], ride_id: str, tap: str, **extra: Any) -> Any:
    body = {"ride_id": ride_id, "tap": tap, "tap_id": extra.pop("tap_id", f"{ride_id}-{tap}")}
    return api.client.post("/api/v1/driver/taps", json={**body, **extra}, headers=driver)


def _set(clock: FixedClock, t: datetime) -> None:
    clock.advance((t - clock.now()).total_seconds())


def test_taps_refused_in_words_undone_and_voided(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    _set(clock, jst(2026, 12, 2, 8, 40))  # the service day, before the first pickup
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    member, _ = api.member(staff)
    rides = [_book(api, staff, member["id"], t) for t in ("10:00", "12:00", "14:00")]
    first = rides[0]
    start = datetime.fromisoformat(first["pickup_window_start"])

    # 到着 hours early, 8 km away: refused with both languages and what the tablet needs
    _set(clock, start - timedelta(hours=1, minutes=17))
    r = _tap(api, driver, first["id"], "arrived", lat=FAR[0], lon=FAR[1])
    assert r.status_code == 409, r.text
    d = r.json()["detail"]
    assert d["code"] == "arrive_too_far" and d["needs_reason"] is True
    assert "離れています" in d["message_ja"] and "from the pickup" in d["message_en"]
    assert d["distance_m"] > 5000 and "gps_inaccurate" in d["reasons"]
    # a NaN position is a 422 from the schema, not a 500
    bad = api.client.post("/api/v1/driver/taps", headers=driver,
                          content=f'{{"ride_id": "{first["id"]}", "tap": "arrived", '
                                  '"tap_id": "nan", "lat": NaN, "lon": 140.6}')  # fmt: skip
    assert bad.status_code == 422, bad.text
    # 乗車 before 到着, and 不在 before 到着: refused
    r = _tap(api, driver, first["id"], "boarded")
    assert (r.status_code, r.json()["detail"]["code"]) == (409, "board_before_arrival")
    r = _tap(api, driver, first["id"], "no_show")
    assert (r.status_code, r.json()["detail"]["code"]) == (409, "no_show_before_arrival")
    # with a reason, 到着 is taken and the reason kept
    r = _tap(api, driver, first["id"], "arrived", lat=FAR[0], lon=FAR[1],
             reason="gps_inaccurate", tap_id="a-reason")  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "arrived", r.text
    # 不在 at once: refused until 5 minutes past the window's start
    r = _tap(api, driver, first["id"], "no_show")
    assert r.status_code == 409
    d = r.json()["detail"]
    assert d["code"] == "no_show_too_early"
    assert datetime.fromisoformat(d["not_before"]) == start + timedelta(minutes=5)
    # undo within 60 s: the ride is back where it was
    clock.advance(30)
    r = api.client.post("/api/v1/driver/taps/a-reason/undo", headers=driver)
    assert r.status_code == 200 and r.json()["status"] in ("assigned", "en_route"), r.text
    again = api.client.post("/api/v1/driver/taps/a-reason/undo", headers=driver)
    assert again.status_code == 200 and again.json()["status"] == r.json()["status"]
    unknown = api.client.post("/api/v1/driver/taps/nope/undo", headers=driver)
    assert unknown.status_code == 404

    # three real no-shows suspend the rider ...
    for ride in rides:
        s = datetime.fromisoformat(ride["pickup_window_start"])
        _set(clock, s)
        assert _tap(api, driver, ride["id"], "arrived", reason="stop_moved",
                    tap_id=f"{ride['id']}-arr").status_code == 200  # fmt: skip
        _set(clock, s + timedelta(minutes=5))
        r = _tap(api, driver, ride["id"], "no_show", tap_id=f"{ride['id']}-ns")
        assert r.status_code == 200, r.text
    card = api.client.get(f"/api/v1/members/{member['id']}", headers=staff).json()
    assert card["no_shows"]["state"] == "suspended"
    # ... the last one undone within 60 s leaves the count at once
    clock.advance(20)
    r = api.client.post(f"/api/v1/driver/taps/{rides[2]['id']}-ns/undo", headers=driver)
    assert r.status_code == 200 and r.json()["status"] == "arrived", r.text
    card = api.client.get(f"/api/v1/members/{member['id']}", headers=staff).json()
    assert (card["no_shows"]["count"], card["no_shows"]["state"]) == (2, "warned")
    clock.advance(60 * 5)
    assert _tap(api, driver, rides[2]["id"], "no_show", tap_id="again").status_code == 200
    clock.advance(61)
    late = api.client.post("/api/v1/driver/taps/again/undo", headers=driver)
    assert (late.status_code, late.json()["detail"]["code"]) == (409, "undo_expired")

    # staff void a wrong one with a reason: not counted, the suspension ends; audited
    url = f"/api/v1/members/{member['id']}/no-shows/{rides[0]['id']}/void"
    assert api.client.post(url, json={"reason": ""}, headers=staff).status_code == 422
    r = api.client.post(url, json={"reason": "乗務員の押し間違い"}, headers=staff)
    assert r.status_code == 200, r.text
    assert (r.json()["count"], r.json()["state"]) == (2, "warned")
    twice = api.client.post(url, json={"reason": "again"}, headers=staff)
    assert (twice.status_code, twice.json()["detail"]["code"]) == (409, "not_a_no_show")
    other, _ = api.member(staff)
    wrong = f"/api/v1/members/{other['id']}/no-shows/{rides[1]['id']}/void"
    assert api.client.post(wrong, json={"reason": "x"}, headers=staff).status_code == 404
    assert api.client.post(url, json={"reason": "x"}, headers=driver).status_code == 403
    log = api.client.get("/api/v1/audit", headers=api.staff("admin")).json()
    entry = next(e for e in log if e["action"] == "ride.no_show_void")
    assert entry["entity_id"] == rides[0]["id"]
    assert entry["before"]["no_show_state"] == "suspended"
    assert entry["after"]["reason"] == "乗務員の押し間違い"
    with read_session(engine.db) as s:
        kinds = [e.kind for e in s.scalars(select(EventRow).order_by(EventRow.id))]
    for kind in ("tap.refused", "tap.arrived", "tap.undone", "tap.no_show", "ride.no_show_voided"):
        assert kind in kinds
