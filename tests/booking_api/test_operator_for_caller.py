"""Operators act for a caller: register them on the spot under the city's approval rule,
book, change and cancel with a reason (audited), and carers in the party ride as the city
file says."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from booking_api.city import CityFileError, parse_city
from tests.booking_api.conftest import Api, quote_body


def caller(api: Api, **over: Any) -> dict[str, Any]:
    """A phone caller's registration as the operator types it: no PIN, no approve flag."""
    body = api.registration(**over)
    del body["password"]
    return body


def audit_actions(api: Api, admin: dict[str, str], entity_id: str) -> list[dict[str, Any]]:
    """The audit lines about one member or booking, oldest first."""
    log = api.client.get("/api/v1/audit", params={"limit": 1000}, headers=admin).json()
    return [line for line in reversed(log) if line["entity_id"] == entity_id]


def book(api: Api, staff: dict[str, str], member_id: str, **over: Any) -> dict[str, Any]:
    """Quote and confirm a trip for a member as an operator."""
    r = api.client.post(
        "/api/v1/quotes", json=quote_body(member_id=member_id, **over), headers=staff
    )
    assert r.status_code == 200, r.text
    offer = r.json()["offer"]
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=staff)
    assert r.status_code == 201, r.text
    booking: dict[str, Any] = r.json()["booking"]
    return booking


def test_caller_registered_by_phone_is_approved_and_books_in_the_same_call(api: Api) -> None:
    """Under Kamisu's rule (approve at once) a caller registered without a PIN can book."""
    staff, admin = api.staff(), api.staff("admin")
    r = api.client.post("/api/v1/members", json=caller(api, channel="phone"), headers=staff)
    assert r.status_code == 201, r.text
    member = r.json()
    assert member["status"] == "approved" and member["member_number"]
    assert member["channel"] == "phone"
    booking = book(api, staff, member["id"])
    assert booking["channel"] == "phone"
    actions = [a["action"] for a in audit_actions(api, admin, member["id"])]
    assert actions == ["member.register", "member.approve"]


def test_queue_rule_leaves_the_caller_pending(api: Api) -> None:
    """Under the queue rule the registration waits; an operator may not approve it at entry,
    an admin may."""
    state = api.client.app.state.noriai  # type: ignore[attr-defined]
    state.rules = replace(state.rules, staff_registration="queue")
    staff, admin = api.staff(), api.staff("admin")
    r = api.client.post("/api/v1/members", json=caller(api), headers=staff)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending"
    r = api.client.post("/api/v1/members", json={**caller(api), "approve": True}, headers=staff)
    assert r.status_code == 403 and r.json()["detail"]["code"] == "approval_queued"
    r = api.client.post("/api/v1/members", json={**caller(api), "approve": True}, headers=admin)
    assert r.status_code == 201 and r.json()["status"] == "approved"
    assert api.client.get("/api/v1/rules").json()["staff_registration"] == "queue"


def test_the_approval_rule_must_be_known() -> None:
    """A city file with another value for the rule is refused when loaded."""
    import tomllib

    from booking_api.city import CITIES_DIR

    data = tomllib.loads((CITIES_DIR / "kamisu.toml").read_text("utf-8"))
    data["registration"] = {"staff_registration": "sometimes"}
    with pytest.raises(CityFileError, match="staff_registration"):
        parse_city(data)


def test_operator_changes_and_cancels_with_a_reason_in_the_audit_log(api: Api) -> None:
    """A change and a cancellation for a caller need a reason, which the audit log keeps."""
    staff, admin = api.staff(), api.staff("admin")
    member = api.client.post("/api/v1/members", json=caller(api), headers=staff).json()
    old = book(api, staff, member["id"], time="10:00")
    r = api.client.post(
        f"/api/v1/bookings/{old['id']}/modify", json=quote_body(time="13:00"), headers=staff
    )
    assert r.status_code == 200, r.text
    offer_id = r.json()["offer"]["offer_id"]
    url = f"/api/v1/bookings/{old['id']}/modify/confirm"
    r = api.client.post(url, json={"offer_id": offer_id}, headers=staff)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "reason_required"
    r = api.client.post(url, json={"offer_id": offer_id, "reason": "通院時間の変更"}, headers=staff)
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["pickup_window_start"] != old["pickup_window_start"]
    r = api.client.post(f"/api/v1/bookings/{new['id']}/cancel", json={}, headers=staff)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "reason_required"
    r = api.client.post(
        f"/api/v1/bookings/{new['id']}/cancel", json={"reason": "入院のため"}, headers=staff
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    changed = audit_actions(api, admin, old["id"])
    assert [a["action"] for a in changed] == ["booking.confirm", "booking.modify"]
    assert changed[-1]["after"]["reason"] == "通院時間の変更"
    assert changed[-1]["after"]["ride_id"] == new["id"]
    assert changed[-1]["before"]["pickup_window_start"]
    cancelled = audit_actions(api, admin, new["id"])
    assert cancelled[-1]["action"] == "booking.cancel"
    assert cancelled[-1]["after"]["reason"] == "入院のため"


def test_a_resident_still_cancels_without_a_reason(api: Api) -> None:
    """Residents are not asked why they cancel their own ride."""
    member, me = api.member()
    r = api.client.post("/api/v1/quotes", json=quote_body(), headers=me)
    offer_id = r.json()["offer"]["offer_id"]
    booking = api.client.post("/api/v1/bookings", json={"offer_id": offer_id}, headers=me).json()
    r = api.client.post(f"/api/v1/bookings/{booking['booking']['id']}/cancel", json={}, headers=me)
    assert r.status_code == 200, r.text
    del member


@pytest.mark.parametrize(
    ("party", "carers", "fare"), [(1, 0, 300), (3, 0, 900), (3, 1, 600), (3, 2, 300)]
)
def test_carers_ride_free_companions_pay(api: Api, party: int, carers: int, fare: int) -> None:
    """Kamisu: a general member pays 300 yen, each companion 300 yen, carers nothing; the
    fare quoted is the fare booked."""
    staff = api.staff()
    member = api.client.post("/api/v1/members", json=caller(api), headers=staff).json()
    body = quote_body(member_id=member["id"], party_size=party, carers=carers)
    r = api.client.post("/api/v1/quotes", json=body, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["offer"]["fare_yen"] == fare
    offer_id = r.json()["offer"]["offer_id"]
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer_id}, headers=staff)
    assert r.json()["booking"]["fare_yen"] == fare


def test_more_carers_than_the_party_is_refused(api: Api) -> None:
    """Carers are counted in the party: two carers with a party of two is a 422 in words."""
    staff = api.staff()
    member = api.client.post("/api/v1/members", json=caller(api), headers=staff).json()
    body = quote_body(member_id=member["id"], party_size=2, carers=2)
    r = api.client.post("/api/v1/quotes", json=body, headers=staff)
    assert r.status_code == 422
    assert "介助者" in r.text


def test_driver_notes_are_kept_with_the_booking(api: Api) -> None:
    """The operator's notes for the driver come back with the booking for staff and tablet."""
    staff = api.staff()
    member = api.client.post("/api/v1/members", json=caller(api), headers=staff).json()
    booking = book(api, staff, member["id"], notes="玄関前の段差に注意")
    r = api.client.get(f"/api/v1/bookings/{booking['id']}", headers=staff)
    assert r.json()["notes"] == "玄関前の段差に注意"
