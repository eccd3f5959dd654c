"""Channels chosen at registration are stored and used; numbers are stored in one form."""

from __future__ import annotations

from tests.booking_api.conftest import Api


def _prefs(api: Api, member_id: str) -> dict:
    r = api.client.get(f"/api/v1/members/{member_id}/notifications", headers=api.staff())
    assert r.status_code == 200, r.text
    return r.json()


def test_an_online_registration_keeps_its_channels_and_number_form(api: Api) -> None:
    body = api.registration(
        phone="+81 80 6123 0909", notify_channels=["sms", "email"], email="hanako@example.jp"
    )
    r = api.client.post("/api/v1/registrations", json=body)
    assert r.status_code == 201, r.text
    member = r.json()["member"]
    assert member["phone"] == "080-6123-0909"
    prefs = _prefs(api, member["id"])
    assert prefs["channels"] == ["sms", "email"] and prefs["email"] == "hanako@example.jp"
    assert prefs["effective"] == ["sms", "email"]


def test_a_landline_given_at_the_counter_is_called(api: Api) -> None:
    staff = api.staff()
    body = api.registration(
        phone="０２９９（７１）０４０４", notify_channels=["voice"], password=""
    )
    r = api.client.post("/api/v1/members", json=body, headers=staff)
    assert r.status_code in (200, 201), r.text
    assert r.json()["phone"] == "0299-71-0404"
    assert _prefs(api, r.json()["id"])["effective"] == ["voice"]
    # The same number typed the international way is the same member.
    again = api.registration(phone="+81 299 71 0404")
    assert api.client.post("/api/v1/registrations", json=again).status_code == 409


def test_sms_to_a_landline_and_email_without_address_are_refused(api: Api) -> None:
    r = api.client.post(
        "/api/v1/registrations",
        json=api.registration(phone="0299-71-0505", notify_channels=["sms"]),
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "sms_needs_mobile"
    r = api.client.post("/api/v1/registrations", json=api.registration(notify_channels=["email"]))
    assert r.status_code == 422 and r.json()["detail"]["code"] == "email_required"


def test_a_number_of_the_wrong_length_is_refused_on_its_field(api: Api) -> None:
    r = api.client.post(
        "/api/v1/registrations",
        json=api.registration(phone="090-1234-567"),
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["code"] == "bad_phone" and detail["errors"][0]["field"] == "body.phone"
    assert "11" in detail["errors"][0]["message_en"]
