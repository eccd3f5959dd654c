"""Registration (online and by staff), eligibility, approval, rejection, search, audit."""

from __future__ import annotations

from tests.booking_api.conftest import OUTSIDE, PASSWORD, Api


def test_online_registration_is_pending_until_approved_with_a_number(api: Api) -> None:
    r = api.client.post("/api/v1/registrations", json=api.registration())
    assert r.status_code == 201, r.text
    member = r.json()["member"]
    assert member["status"] == "pending" and member["member_number"] is None
    assert member["channel"] == "online" and member["home_area"] == "A"
    assert member["notes"] is None  # staff notes never shown to the applicant
    assert "承認" in r.json()["message_ja"]
    staff = api.staff()
    approved = api.client.post(
        f"/api/v1/members/{member['id']}/approve", json={}, headers=staff
    ).json()
    assert approved["status"] == "approved" and approved["member_number"] == "K000001"
    second, _ = api.member(staff)
    assert second["member_number"] == "K000002"
    again = api.client.post(f"/api/v1/members/{member['id']}/approve", json={}, headers=staff)
    assert again.status_code == 409


def test_home_outside_the_city_is_refused_with_the_reason(api: Api) -> None:
    r = api.client.post(
        "/api/v1/registrations", json=api.registration(home_lat=OUTSIDE[0], home_lon=OUTSIDE[1])
    )
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["code"] == "outside_boundary" and "運行区域" in detail["message_ja"]


def test_consent_and_duplicate_phone(api: Api) -> None:
    r = api.client.post("/api/v1/registrations", json=api.registration(consent_privacy=False))
    assert r.status_code == 422 and r.json()["detail"]["code"] == "consent_required"
    body = api.registration(phone="0299-55-6666")
    assert api.client.post("/api/v1/registrations", json=body).status_code == 201
    r = api.client.post("/api/v1/registrations", json={**body, "phone": "0299556666"})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "already_exists"


def test_staff_registration_records_the_channel_and_the_audit_log(api: Api) -> None:
    staff = api.staff()
    admin = api.staff("admin")
    body = {
        **api.registration(),
        "channel": "counter",
        "category": "disability",
        "notes": "杖を使用",
        "approve": True,
    }
    r = api.client.post("/api/v1/members", json=body, headers=staff)
    assert r.status_code == 201, r.text
    member = r.json()
    assert (
        member["channel"] == "counter"
        and member["status"] == "approved"
        and member["notes"] == "杖を使用"
    )
    log = api.client.get("/api/v1/audit", headers=admin).json()
    assert [e["action"] for e in log[:2]] == ["member.approve", "member.register"]
    assert log[0]["before"]["status"] == "pending" and log[0]["after"]["status"] == "approved"


def test_rejection_reason_is_kept_and_shown(api: Api) -> None:
    staff = api.staff()
    member_id = api.client.post("/api/v1/registrations", json=api.registration()).json()["member"][
        "id"
    ]
    r = api.client.post(
        f"/api/v1/members/{member_id}/reject", json={"reason": "市外在住"}, headers=staff
    )
    assert r.status_code == 200 and r.json()["rejection_reason"] == "市外在住"
    assert (
        api.client.post(
            f"/api/v1/members/{member_id}/reject", json={"reason": "x"}, headers=staff
        ).status_code
        == 409
    )


def test_search_by_phone_fragment_name_or_kana_in_any_width(api: Api) -> None:
    staff = api.staff()
    api.member(staff, name="佐藤 一郎", kana="さとう いちろう", phone="0479-22-3344")
    api.member(staff, name="鈴木 次郎", kana="スズキ ジロウ", phone="090-8765-4321")

    def names(q: str) -> list[str]:
        r = api.client.get("/api/v1/members", params={"q": q}, headers=staff)
        assert r.status_code == 200
        return [m["name"] for m in r.json()]

    assert names("3344") == ["佐藤 一郎"]
    assert names("サトウ") == ["佐藤 一郎"]
    assert names("ｻﾄｳｲﾁ") == ["佐藤 一郎"]
    assert names("すずき じろう") == ["鈴木 次郎"]
    assert names("鈴木") == ["鈴木 次郎"]
    assert names("８７６５") == ["鈴木 次郎"]
    assert names("田中") == []


def test_a_short_international_fragment_finds_the_numbers_it_starts(api: Api) -> None:
    """+81 fixes the number's start: +81 90 12 is 090-12…, however few digits follow."""
    staff = api.staff()
    api.member(staff, name="佐藤 一郎", kana="さとう いちろう", phone="090-1234-5678")
    api.member(staff, name="鈴木 次郎", kana="すずき じろう", phone="090-8123-9012")
    api.member(staff, name="高橋 三郎", kana="たかはし さぶろう", phone="0299-12-9012")

    def names(q: str) -> list[str]:
        r = api.client.get("/api/v1/members", params={"q": q}, headers=staff)
        assert r.status_code == 200, r.text
        return sorted(m["name"] for m in r.json())

    assert names("+81 90 12") == ["佐藤 一郎"]  # not 鈴木's ...9012 at the end
    assert names("+81-90-1") == ["佐藤 一郎"]
    assert names("＋８１ ９０") == ["佐藤 一郎", "鈴木 次郎"]
    assert names("0081 90 81") == ["鈴木 次郎"]
    assert names("+81 (0)299 1") == ["高橋 三郎"]
    assert names("+81 299") == ["高橋 三郎"]
    assert names("+81 90 1234 5678") == ["佐藤 一郎"]  # a whole number as before
    assert names("9012") == ["佐藤 一郎", "鈴木 次郎", "高橋 三郎"]  # national: anywhere
    assert names("+81 80") == []


def test_member_card_and_edit_and_password_reset(api: Api) -> None:
    staff = api.staff()
    member, _ = api.member(staff)
    r = api.client.patch(
        f"/api/v1/members/{member['id']}",
        json={"kana": "やまだ はなこ", "notes": "耳が遠い"},
        headers=staff,
    )
    assert r.status_code == 200 and r.json()["notes"] == "耳が遠い"
    card = api.client.get(f"/api/v1/members/{member['id']}", headers=staff).json()
    assert card["saved_places"] == [] and card["recent_bookings"] == []
    r = api.client.post(
        f"/api/v1/members/{member['id']}/password", json={"password": "582047"}, headers=staff
    )
    assert r.status_code == 204
    bad = api.client.post(
        "/api/v1/auth/login", json={"login": member["member_number"], "password": PASSWORD}
    )
    assert bad.status_code == 401
    api.login(member["member_number"], "582047")
    assert api.client.get("/api/v1/members/nope", headers=staff).status_code == 404


def test_resident_sees_own_membership(api: Api) -> None:
    member, me = api.member()
    r = api.client.get("/api/v1/me", headers=me)
    assert r.status_code == 200 and r.json()["id"] == member["id"] and r.json()["notes"] is None
