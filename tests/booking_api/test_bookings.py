"""Quotes, confirmations, idempotency, cancellation, modification, round trips, ownership."""

from __future__ import annotations

from typing import Any

from tests.booking_api.conftest import Api, quote_body
from tests.booking_api.fakes import FakeEngine


def _quote(api: Api, headers: dict[str, str], **over: Any) -> Any:
    return api.client.post("/api/v1/quotes", json=quote_body(**over), headers=headers)


def _book(api: Api, headers: dict[str, str], key: str | None = None, **over: Any) -> Any:
    offer = _quote(api, headers, **over).json()["offer"]
    extra = {"Idempotency-Key": key} if key else {}
    return api.client.post(
        "/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers={**headers, **extra}
    )


def test_resident_quotes_and_books_with_fare_and_labels(api: Api) -> None:
    _, me = api.member()
    r = _quote(api, me)
    assert r.status_code == 200, r.text
    offer = r.json()["offer"]
    assert offer["from_label"] == "自宅" and offer["to_label"] == "白十字総合病院"
    assert offer["fare_yen"] == 300
    assert offer["pickup_window_start"].startswith("2026-12-02T01:00")  # 10:00 JST
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=me)
    assert r.status_code == 201, r.text
    booking = r.json()["booking"]
    assert (
        booking["status"] == "booked"
        and booking["fare_yen"] == 300
        and booking["channel"] == "online"
    )
    listed = api.client.get("/api/v1/bookings", headers=me).json()
    assert [b["id"] for b in listed] == [booking["id"]]


def test_companions_raise_the_fare_per_the_city_file(api: Api) -> None:
    _, me = api.member()
    assert _quote(api, me, party_size=3).json()["offer"]["fare_yen"] == 900
    staff = api.staff()
    member, headers = api.member(staff)
    api.client.patch(
        f"/api/v1/members/{member['id']}", json={"category": "disability"}, headers=staff
    )
    assert _quote(api, headers, party_size=3).json()["offer"]["fare_yen"] == 150 + 300


def test_idempotent_confirm_never_books_twice(api: Api, engine: FakeEngine) -> None:
    _, me = api.member()
    offer = _quote(api, me).json()["offer"]
    headers = {**me, "Idempotency-Key": "abc-123"}
    first = api.client.post(
        "/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=headers
    )
    again = api.client.post(
        "/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(engine.rides) == 1
    other = _quote(api, me, time="11:00").json()["offer"]
    r = api.client.post("/api/v1/bookings", json={"offer_id": other["offer_id"]}, headers=headers)
    assert r.status_code == 400 and r.json()["detail"]["code"] == "idempotency_key_reused"


def test_full_slot_is_409_with_alternatives(api: Api) -> None:
    _, a = api.member()
    _, b = api.member()
    _, c = api.member()
    assert _book(api, a).status_code == 201
    assert _book(api, b).status_code == 201
    r = _quote(api, c)
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert detail["code"] == "no_capacity" and detail["alternatives"]
    assert detail["alternatives"][0]["pickup_window_start"].startswith("2026-12-02T02:00")


def test_confirm_after_the_last_place_went_is_409(api: Api) -> None:
    _, a = api.member()
    _, b = api.member()
    _, c = api.member()
    offers = [_quote(api, h).json()["offer"] for h in (a, b)]
    late = _quote(api, c).json()["offer"]  # all three quoted while two places were free
    for h, o in zip((a, b), offers, strict=True):
        assert (
            api.client.post(
                "/api/v1/bookings", json={"offer_id": o["offer_id"]}, headers=h
            ).status_code
            == 201
        )
    r = api.client.post("/api/v1/bookings", json={"offer_id": late["offer_id"]}, headers=c)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "no_capacity"


def test_expired_offer_is_409(api: Api, clock) -> None:
    _, me = api.member()
    offer = _quote(api, me).json()["offer"]
    clock.advance(301)
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=me)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "offer_expired"


def test_other_members_bookings_and_offers_are_404(api: Api) -> None:
    _, alice = api.member()
    _, bob = api.member()
    offer = _quote(api, alice).json()["offer"]
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=bob)
    assert r.status_code == 404
    booking = api.client.post(
        "/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=alice
    ).json()["booking"]
    assert api.client.get(f"/api/v1/bookings/{booking['id']}", headers=bob).status_code == 404
    assert (
        api.client.post(
            f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=bob
        ).status_code
        == 404
    )
    assert api.client.get("/api/v1/bookings", headers=bob).json() == []
    assert api.client.get(f"/api/v1/bookings/{booking['id']}", headers=alice).status_code == 200


def test_cancel_records_late_cancellations(api: Api, clock) -> None:
    member, me = api.member()
    early = _book(api, me).json()["booking"]
    r = api.client.post(
        f"/api/v1/bookings/{early['id']}/cancel", json={"reason": "体調不良"}, headers=me
    )
    assert (
        r.status_code == 200
        and r.json()["status"] == "cancelled"
        and not r.json()["late_cancellation"]
    )
    late = _book(api, me, time="14:00").json()["booking"]
    clock.advance(24 * 3600 + 4 * 3600 + 30 * 60)  # Wednesday 13:30
    me = api.login(member["member_number"])  # the first token expired meanwhile
    r = api.client.post(f"/api/v1/bookings/{late['id']}/cancel", json={}, headers=me)
    assert r.status_code == 200 and r.json()["late_cancellation"] is True
    again = api.client.post(f"/api/v1/bookings/{late['id']}/cancel", json={}, headers=me)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "illegal_transition"


def test_round_trip_books_both_ways_or_nothing(api: Api, engine: FakeEngine) -> None:
    _, me = api.member()
    r = _quote(api, me, return_time="13:00")
    assert r.status_code == 200, r.text
    out, back = r.json()["offer"], r.json()["return_offer"]
    assert back["from_label"] == "白十字総合病院" and back["to_label"] == "自宅"
    body = {"offer_id": out["offer_id"], "return_offer_id": back["offer_id"]}
    r = api.client.post("/api/v1/bookings", json=body, headers=me)
    assert r.status_code == 201 and r.json()["return_booking"]["to_label"] == "自宅"
    # Fill 15:00 after quoting a round trip to it: the way back fails, so the way out is released.
    _, other = api.member()
    q = _quote(api, me, time="11:00", return_time="15:00").json()
    _book(api, other, time="15:00")
    _book(api, other, time="15:30")
    body = {"offer_id": q["offer"]["offer_id"], "return_offer_id": q["return_offer"]["offer_id"]}
    keyed = {**me, "Idempotency-Key": "round-2"}
    r = api.client.post("/api/v1/bookings", json=body, headers=keyed)
    assert r.status_code == 409
    assert "帰りの便" in r.json()["detail"]["message_ja"]
    retry = api.client.post("/api/v1/bookings", json=body, headers=keyed)
    assert retry.status_code == 409 and retry.json() == r.json()
    mine = [
        b for b in api.client.get("/api/v1/bookings", headers=me).json() if b["status"] == "booked"
    ]
    assert len(mine) == 2  # only the first round trip


def test_modify_keeps_the_old_booking_when_the_new_time_fails(api: Api) -> None:
    _, me = api.member()
    old = _book(api, me).json()["booking"]
    q = api.client.post(
        f"/api/v1/bookings/{old['id']}/modify", json=quote_body(time="11:00"), headers=me
    )
    assert q.status_code == 200, q.text
    r = api.client.post(
        f"/api/v1/bookings/{old['id']}/modify/confirm",
        json={"offer_id": q.json()["offer"]["offer_id"]},
        headers=me,
    )
    assert r.status_code == 200 and r.json()["pickup_window_start"].startswith("2026-12-02T02:00")
    assert (
        api.client.get(f"/api/v1/bookings/{old['id']}", headers=me).json()["status"] == "cancelled"
    )
    new_id = r.json()["id"]
    # The 13:00 slot fills after the quote: the modification fails and the 11:00 booking stays.
    q = api.client.post(
        f"/api/v1/bookings/{new_id}/modify", json=quote_body(time="13:00"), headers=me
    ).json()
    _, x = api.member()
    _book(api, x, time="13:00")
    _book(api, x, time="13:10")
    r = api.client.post(
        f"/api/v1/bookings/{new_id}/modify/confirm",
        json={"offer_id": q["offer"]["offer_id"]},
        headers=me,
    )
    assert r.status_code == 409
    assert api.client.get(f"/api/v1/bookings/{new_id}", headers=me).json()["status"] == "booked"


def test_operator_books_for_a_member_by_phone(api: Api) -> None:
    staff = api.staff()
    member, headers = api.member(staff)
    r = api.client.post("/api/v1/quotes", json=quote_body(member_id=member["id"]), headers=staff)
    assert r.status_code == 200
    r = api.client.post(
        "/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]}, headers=staff
    )
    assert r.status_code == 201 and r.json()["booking"]["channel"] == "phone"
    assert len(api.client.get("/api/v1/bookings", headers=headers).json()) == 1
    r = api.client.post("/api/v1/quotes", json=quote_body(), headers=staff)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "member_required"


def test_saved_places_can_be_used_and_are_private(api: Api) -> None:
    _, me = api.member()
    _, other = api.member()
    r = api.client.post(
        "/api/v1/me/places", json={"label": "かかりつけ", "place_id": "D0011"}, headers=me
    )
    assert r.status_code == 201 and r.json()["area"] == "A"
    place_id = r.json()["id"]
    r = _quote(api, me, to={"saved_place_id": place_id})
    assert r.status_code == 200 and r.json()["offer"]["to_label"] == "かかりつけ"
    assert _quote(api, other, to={"saved_place_id": place_id}).status_code == 404
    assert api.client.delete(f"/api/v1/me/places/{place_id}", headers=other).status_code == 404
    assert api.client.delete(f"/api/v1/me/places/{place_id}", headers=me).status_code == 204
    r = api.client.post(
        "/api/v1/me/places", json={"label": "海", "lat": 35.6, "lon": 140.6}, headers=me
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "outside_boundary"
