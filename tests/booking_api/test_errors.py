"""Error bodies: field-level 422 messages in Japanese and English, the house shape everywhere."""

from __future__ import annotations

from tests.booking_api.conftest import Api


def test_validation_errors_name_each_field_in_the_requested_language(api: Api) -> None:
    body = api.registration(phone="abc", birth_date="not-a-date")
    del body["name"]
    r = api.client.post(
        "/api/v1/registrations", json=body, headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["code"] == "validation_error"
    fields = {e["field"]: e for e in detail["errors"]}
    assert set(fields) == {"body.name", "body.phone", "body.birth_date"}
    assert fields["body.name"]["message"] == "This field is required."
    assert fields["body.name"]["message_ja"] == "必須項目です。"
    assert fields["body.birth_date"]["message"].startswith("Must be a date")
    r = api.client.post(
        "/api/v1/registrations", json=body, headers={"Accept-Language": "ja,en;q=0.5"}
    )
    assert (
        r.json()["detail"]["errors"][0]["message"] == r.json()["detail"]["errors"][0]["message_ja"]
    )


def test_place_reference_must_be_exactly_one_kind(api: Api) -> None:
    _, me = api.member()
    body = {
        "from": {"home": True, "place_id": "D0003"},
        "to": {"lat": 35.9},
        "date": "2026-12-02",
        "time": "10:00",
    }
    r = api.client.post("/api/v1/quotes", json=body, headers=me)
    assert r.status_code == 422
    messages = [e["message_ja"] for e in r.json()["detail"]["errors"]]
    assert "自宅・登録場所・施設・地点のいずれか1つを指定してください。" in messages
    assert "緯度と経度の両方を指定してください。" in messages


def test_a_rule_the_schema_cannot_express_is_answered_with_its_own_code(api: Api) -> None:
    # more carers than people riding with the member: no JSON schema can say so
    _, me = api.member()
    body = {
        "from": {"home": True},
        "to": {"place_id": "D0003"},
        "date": "2026-12-02",
        "time": "10:00",
        "party_size": 2,
        "carers": 3,
    }
    r = api.client.post("/api/v1/quotes", json=body, headers=me)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["code"] == "bad_party"
    assert detail["message_ja"].startswith("介助者は同乗者に含めてください")
    assert "body" not in detail["message_ja"] and "body" not in detail["message_en"]
    # mixed with a plain field error it stays a validation error listing both
    r = api.client.post("/api/v1/quotes", json={**body, "time": "25:99"}, headers=me)
    assert r.json()["detail"]["code"] == "validation_error"


def test_unknown_route_and_bad_json_keep_the_shape(api: Api) -> None:
    r = api.client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["detail"]["code"] == "not_found"
    r = api.client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "validation_error"


def test_health_reports_each_part(api: Api) -> None:
    r = api.client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "db": "ok", "bus": "none", "optimizer": "ok", "map": "ok"}


def test_a_choice_is_listed_in_the_reader_s_language(api: Api) -> None:
    # pydantic names the choices "'day' or 'month'": Japanese lists them its own way
    admin = api.staff("admin")
    r = api.client.get(
        "/api/v1/reports/revenue",
        params={"from": "2026-12-01", "to": "2026-12-02", "group": "week"},
        headers=admin,
    )
    assert r.status_code == 422
    (err,) = r.json()["detail"]["errors"]
    assert err["field"] == "query.group"
    assert err["message_ja"] == "次のいずれかを指定してください: day、month"
    assert " or " not in err["message_ja"] and "'" not in err["message_ja"]
    assert err["message_en"] == "Must be one of: 'day' or 'month'."
