"""New PINs and passwords: long enough for the login limit to protect them, and none
that a stranger would try first. Old, shorter PINs keep working.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from booking_api.db import AccountRow
from booking_api.security import hash_password
from tests.booking_api.conftest import Api

BIRTH = "1948-04-01"  # 昭和23年4月1日
PHONE = "0299-44-5566"
GUESSABLE = [
    "0000",  # 4 digits: 10,000 guesses
    "12345",  # too short
    "000000",
    "777777",
    "123456",
    "654321",
    "890123",
    "121212",
    "123123",
    "445566",  # the phone number's tail
    "0299445566",  # the phone number
    "19480401",  # YYYYMMDD
    "480401",  # YYMMDD
    "230401",  # era year (Shōwa 23) + MMDD
    "010448",  # DDMMYY
    "pass",  # a short password
    "password",
    "aaaaaaaa",
]


def _field_error(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    detail = r.json()["detail"]
    errors = {e["field"]: e for e in detail["errors"]}
    assert "body.password" in errors, detail
    assert detail["message_ja"] and detail["message_en"]
    return errors["body.password"]


@pytest.mark.parametrize("pin", GUESSABLE)
def test_registration_refuses_a_guessable_pin_next_to_the_field(api: Api, pin: str) -> None:
    body = api.registration(phone=PHONE, birth_date=BIRTH, password=pin)
    r = api.client.post("/api/v1/registrations", json=body)
    assert r.status_code == 422, (pin, r.text)
    err = _field_error(r)
    assert err["message_ja"] and err["message_en"]


@pytest.mark.parametrize("pin", ["730519", "582047", "hanako-2026", "ひまわり2026"])
def test_registration_accepts_a_pin_nobody_guesses(api: Api, pin: str) -> None:
    body = api.registration(phone=PHONE, birth_date=BIRTH, password=pin)
    assert api.client.post("/api/v1/registrations", json=body).status_code == 201


def test_staff_registration_and_reset_follow_the_same_rule(api: Api) -> None:
    staff = api.staff()
    body = {**api.registration(phone=PHONE, birth_date=BIRTH, password="111111"), "approve": True}
    r = api.client.post("/api/v1/members", json=body, headers=staff)
    assert r.status_code == 422 and _field_error(r)
    body["password"] = "730519"
    r = api.client.post("/api/v1/members", json=body, headers=staff)
    assert r.status_code == 201, r.text
    member_id = r.json()["id"]
    for pin in ("0000", "000000", "445566", "480401"):
        r = api.client.post(
            f"/api/v1/members/{member_id}/password", json={"password": pin}, headers=staff
        )
        assert r.status_code == 422, pin
        assert _field_error(r)
    r = api.client.post(
        f"/api/v1/members/{member_id}/password", json={"password": "582047"}, headers=staff
    )
    assert r.status_code == 204


def test_admins_cannot_give_staff_a_guessable_password(api: Api) -> None:
    admin = api.staff("admin")
    body = {"username": "op-weak", "password": "12345678", "role": "operator"}
    r = api.client.post("/api/v1/accounts", json=body, headers=admin)
    assert r.status_code == 422 and _field_error(r)
    body["password"] = "op-strong-2026"
    r = api.client.post("/api/v1/accounts", json=body, headers=admin)
    assert r.status_code == 201
    r = api.client.post(
        f"/api/v1/accounts/{r.json()['id']}/password", json={"password": "aaaaaaaa"},
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 422 and _field_error(r)


def test_a_member_with_an_old_four_digit_pin_still_logs_in(api: Api) -> None:
    """PINs set before the rule are not locked out; the rule applies when one is set."""
    member, _ = api.member(phone=PHONE, birth_date=BIRTH)
    with Session(api.db) as s:
        s.execute(
            update(AccountRow)
            .where(AccountRow.member_id == member["id"])
            .values(password_hash=hash_password("1111"))
        )
        s.commit()
        assert s.scalar(select(AccountRow.id).where(AccountRow.member_id == member["id"]))
    r = api.client.post("/api/v1/auth/login", json={"login": "0299445566", "password": "1111"})
    assert r.status_code == 200, r.text
