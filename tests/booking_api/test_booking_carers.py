"""The carers (介助者) of a party are kept with the booking: a change re-quotes them as
carers (not companions), answers give them back, and standing orders count them too."""

from __future__ import annotations

from typing import Any

from tests.booking_api.conftest import Api, quote_body


def _member(api: Api, staff: dict[str, str]) -> dict[str, Any]:
    body = api.registration()
    del body["password"]
    member: dict[str, Any] = api.client.post("/api/v1/members", json=body, headers=staff).json()
    return member


def test_carers_are_kept_with_the_booking_and_through_a_change(api: Api) -> None:
    """A party of three with two carers pays the member's 300 yen; the booking says two
    carers, and changing its time with them still costs 300 yen, not 900."""
    staff = api.staff()
    member = _member(api, staff)
    body = quote_body(member_id=member["id"], party_size=3, carers=2)
    offer = api.client.post("/api/v1/quotes", json=body, headers=staff).json()["offer"]
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=staff)
    assert r.status_code == 201, r.text
    booking = r.json()["booking"]
    assert (booking["carers"], booking["fare_yen"]) == (2, 300)
    got = api.client.get(f"/api/v1/bookings/{booking['id']}", headers=staff).json()
    assert got["carers"] == 2
    listed = api.client.get(
        "/api/v1/bookings", params={"member_id": member["id"]}, headers=staff
    ).json()
    assert [b["carers"] for b in listed] == [2]
    change = quote_body(time="13:00", party_size=3, carers=booking["carers"])
    r = api.client.post(f"/api/v1/bookings/{booking['id']}/modify", json=change, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["offer"]["fare_yen"] == 300
    r = api.client.post(
        f"/api/v1/bookings/{booking['id']}/modify/confirm",
        json={"offer_id": r.json()["offer"]["offer_id"], "reason": "時間の変更"},
        headers=staff,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["carers"], r.json()["fare_yen"]) == (2, 300)


def test_a_booking_without_carers_says_none(api: Api) -> None:
    """A party of two without carers: the companion pays and the booking says 0 carers."""
    member, me = api.member()
    offer = api.client.post("/api/v1/quotes", json=quote_body(party_size=2), headers=me).json()
    r = api.client.post(
        "/api/v1/bookings", json={"offer_id": offer["offer"]["offer_id"]}, headers=me
    )
    assert r.status_code == 201, r.text
    assert (r.json()["booking"]["carers"], r.json()["booking"]["fare_yen"]) == (0, 600)
    del member


def test_standing_order_fares_count_carers(api: Api) -> None:
    """A weekly standing order for a member with a carer books each date at the member's
    fare (the carer rides free in Kamisu), and each booking keeps the carer."""
    staff = api.staff()
    member = _member(api, staff)
    series = {
        **quote_body(member_id=member["id"], party_size=2, carers=1),
        "weekdays": [2],
        "start_date": "2026-12-02",
        "until": "2026-12-09",
    }
    del series["date"]
    r = api.client.post("/api/v1/series", json=series, headers=staff)
    assert r.status_code in (200, 201), r.text
    booked = r.json()["booked"]
    assert booked, r.text
    assert {(b["carers"], b["fare_yen"]) for b in booked} == {(1, 300)}
