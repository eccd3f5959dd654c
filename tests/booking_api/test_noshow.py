"""No-show policy: counting in the window, warning, suspension, its end and lifting by staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from booking_api.city import CityFileError, NoShowPolicy, parse_no_show
from booking_api.noshow import assess
from tests.booking_api.conftest import Api, quote_body
from tests.booking_api.fakes import FakeEngine

POLICY = NoShowPolicy(True, window_days=90, warn_after=2, suspend_after=3, suspend_days=30)
T0 = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_count_warn_and_suspend_within_the_window() -> None:
    assert assess(POLICY, [], None, days(0)).state == "ok"
    one = assess(POLICY, [days(0)], None, days(1))
    assert (one.count, one.state) == (1, "ok")
    two = assess(POLICY, [days(0), days(10)], None, days(11))
    assert (two.count, two.state) == (2, "warned")
    three = assess(POLICY, [days(0), days(10), days(20)], None, days(21))
    assert (three.count, three.state, three.suspended_until) == (3, "suspended", days(50))


def test_old_no_shows_fall_out_of_the_window() -> None:
    st = assess(POLICY, [days(0), days(10)], None, days(95))
    assert (st.count, st.state) == (1, "ok")  # the first is more than 90 days old


def test_a_served_suspension_starts_a_new_count() -> None:
    times = [days(0), days(1), days(2)]
    assert assess(POLICY, times, None, days(31)).state == "suspended"
    after = assess(POLICY, times, None, days(32))
    assert (after.count, after.state, after.suspended_until) == (0, "ok", None)
    again = assess(POLICY, [*times, days(40), days(41)], None, days(42))
    assert (again.count, again.state) == (2, "warned")


def test_clearing_by_staff_forgets_earlier_no_shows() -> None:
    times = [days(0), days(1), days(2)]
    st = assess(POLICY, times, days(5), days(6))
    assert (st.count, st.state) == (0, "ok")
    st = assess(POLICY, [*times, days(7)], days(5), days(8))
    assert (st.count, st.state) == (1, "ok")


def test_disabled_policy_never_warns() -> None:
    off = parse_no_show(None)
    assert not off.enabled
    assert assess(off, [days(0), days(1), days(2)], None, days(3)).state == "ok"


@pytest.mark.parametrize(
    "table",
    [
        {"window_days": 90, "warn_after": 4, "suspend_after": 3, "suspend_days": 30},
        {"window_days": 10, "warn_after": 2, "suspend_after": 3, "suspend_days": 30},
    ],
)
def test_inconsistent_policy_is_a_clear_configuration_error(table: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="no_show"):
        parse_no_show(table)
    assert issubclass(CityFileError, ValueError)


def _no_show(api: Api, driver: dict[str, str], ride_id: str) -> None:
    for tap in ("arrived", "no_show"):
        r = api.client.post(
            "/api/v1/driver/taps",
            json={"ride_id": ride_id, "tap": tap, "tap_id": f"{ride_id}-{tap}"},
            headers=driver,
        )
        assert r.status_code == 200, r.text


def _book(api: Api, headers: dict[str, str], **over: Any) -> str:
    r = api.client.post("/api/v1/quotes", json=quote_body(**over), headers=headers)
    assert r.status_code == 200, r.text
    offer_id = r.json()["offer"]["offer_id"]
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer_id}, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["booking"]["id"])


def test_warning_then_suspension_then_lift_through_the_api(api: Api, engine: FakeEngine) -> None:
    engine.capacity = 5
    staff = api.staff()
    admin = api.staff("admin")
    member, me = api.member(staff)
    driver = api.staff("driver", vehicle_id="V1")
    rides = [_book(api, me, time=t) for t in ("10:00", "13:00", "15:00")]
    assert api.client.get("/api/v1/me", headers=me).json()["no_shows"]["state"] == "ok"

    _no_show(api, driver, rides[0])
    _no_show(api, driver, rides[1])
    mine = api.client.get("/api/v1/me", headers=me).json()["no_shows"]
    assert mine["count"] == 2 and mine["state"] == "warned"
    assert "3回" in mine["message_ja"] and "suspended for 30 days" in mine["message_en"]
    card = api.client.get(f"/api/v1/members/{member['id']}", headers=staff).json()
    assert card["no_shows"]["state"] == "warned"

    held = api.client.post("/api/v1/quotes", json=quote_body(date="2026-12-03"), headers=me)
    assert held.status_code == 200
    _no_show(api, driver, rides[2])
    card = api.client.get(f"/api/v1/members/{member['id']}", headers=staff).json()
    assert card["no_shows"]["state"] == "suspended"
    assert card["no_shows"]["suspended_until"].startswith("2027-01-01T06:00")  # 15:00 JST + 30 d

    refused = api.client.post("/api/v1/quotes", json=quote_body(date="2026-12-04"), headers=me)
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert detail["code"] == "member_suspended" and "1月1日" in detail["message_ja"]
    assert "2027-01-01" in detail["message_en"] and detail["suspended_until"]
    by_staff = api.client.post(
        "/api/v1/quotes", json=quote_body(member_id=member["id"], date="2026-12-04"), headers=staff
    )
    assert by_staff.status_code == 403
    late = api.client.post(
        "/api/v1/bookings", json={"offer_id": held.json()["offer"]["offer_id"]}, headers=me
    )
    assert late.status_code == 403 and late.json()["detail"]["code"] == "member_suspended"

    resident_lift = api.client.post(
        f"/api/v1/members/{member['id']}/no-shows/lift", json={"reason": "x"}, headers=me
    )
    assert resident_lift.status_code == 403
    lifted = api.client.post(
        f"/api/v1/members/{member['id']}/no-shows/lift",
        json={"reason": "入院していたため"},
        headers=staff,
    )
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["state"] == "ok" and lifted.json()["count"] == 0
    again = api.client.post(
        f"/api/v1/members/{member['id']}/no-shows/lift", json={"reason": "x"}, headers=staff
    )
    assert again.status_code == 409
    after = api.client.post("/api/v1/quotes", json=quote_body(date="2026-12-04"), headers=me)
    assert after.status_code == 200
    log = api.client.get("/api/v1/audit", headers=admin).json()
    entry = next(e for e in log if e["action"] == "member.no_show_lift")
    assert entry["entity_id"] == member["id"]
    assert entry["before"]["no_show_state"] == "suspended"
    assert entry["after"]["reason"] == "入院していたため"


def test_suspension_ends_by_itself(api: Api, engine: FakeEngine, clock: Any) -> None:
    engine.capacity = 5
    member, me = api.member()
    driver = api.staff("driver", vehicle_id="V1")
    for ride in [_book(api, me, time=t) for t in ("10:00", "13:00", "15:00")]:
        _no_show(api, driver, ride)
    assert api.client.get("/api/v1/me", headers=me).json()["no_shows"]["state"] == "suspended"
    clock.advance(32 * 86400)  # past 1 January 15:00 JST
    me = api.login(member["member_number"])  # the old token expired meanwhile
    mine = api.client.get("/api/v1/me", headers=me).json()["no_shows"]
    assert mine["state"] == "ok" and mine["count"] == 0 and mine["message_ja"] is None
