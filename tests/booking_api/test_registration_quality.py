"""Registration quality: ふりがな in kana stored one way, phone numbers normalised, errors
named by field, duplicate applications flagged, area checks, destination groups."""

from __future__ import annotations

import pytest

from booking_api.destinations import group_of
from booking_api.text import kana_reading, phone_number
from tests.booking_api.conftest import Api


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("さとう かずこ", "さとう かずこ"),
        ("サトウ　カズコ", "さとう かずこ"),  # katakana, full-width space
        ("ｻﾄｳ ｶｽﾞｺ", "さとう かずこ"),  # half-width katakana with a voiced mark
        ("  さとう   かずこ ", "さとう かずこ"),
        ("ジョン・スミス", "じょん・すみす"),
        ("ゆうこー", "ゆうこー"),
    ],
)
def test_a_reading_in_any_kana_is_stored_in_hiragana(typed: str, stored: str) -> None:
    """Hiragana, katakana and half-width katakana give one stored form."""
    assert kana_reading(typed) == stored


@pytest.mark.parametrize("typed", ["Sato Kazuko", "佐藤 和子", "さとう1", "", "   ", "ｓａｔｏ"])
def test_a_reading_that_is_not_kana_is_refused(typed: str) -> None:
    """Romaji, kanji, digits and blanks are not a reading."""
    assert kana_reading(typed) is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("０９０ー１２３４ー５６７８", "090-1234-5678"),  # full-width digits, long-vowel dashes
        ("０２９９－１２－３４５６", "0299-12-3456"),
        ("(0299) 12-3456", "0299-12-3456"),
        ("０２９９（１２）３４５６", "0299-12-3456"),
        ("090 1234 5678", "09012345678"),
        ("09012345678", "09012345678"),
        ("090‐1234—5678", "090-1234-5678"),
    ],
)
def test_phone_numbers_are_normalised_never_losing_a_digit(typed: str, stored: str) -> None:
    """Every digit typed is kept, in half-width, with plain hyphens."""
    assert phone_number(typed) == stored


def test_registration_stores_kana_and_phone_normalised(api: Api) -> None:
    """Katakana and full-width input are accepted and stored the one way."""
    body = api.registration(kana="ﾔﾏﾀﾞ ﾊﾅｺ", phone="０９０ー７７７７ー０００１")
    r = api.client.post("/api/v1/registrations", json=body)
    assert r.status_code == 201, r.text
    member = r.json()["member"]
    assert member["kana"] == "やまだ はなこ" and member["phone"] == "090-7777-0001"


def test_romaji_kana_is_refused_next_to_the_field_without_a_path(api: Api) -> None:
    """「Sato Kazuko」 answers 422 naming the kana field, with a sentence and no raw path."""
    r = api.client.post("/api/v1/registrations", json=api.registration(kana="Sato Kazuko"))
    assert r.status_code == 422
    errors = r.json()["detail"]["errors"]
    assert [e["field"] for e in errors] == ["body.kana"]
    assert "ひらがな" in errors[0]["message_ja"] and "body" not in errors[0]["message_ja"]
    assert "hiragana" in errors[0]["message_en"]


def test_a_short_phone_is_refused_on_its_field(api: Api) -> None:
    """Too few digits is the phone field's own message, with the example to follow."""
    r = api.client.post("/api/v1/registrations", json=api.registration(phone="０９０"))
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["code"] == "bad_phone"
    assert detail["errors"][0]["field"] == "body.phone"
    assert "市外局番" in detail["errors"][0]["message_ja"]


def test_member_search_by_kana_finds_any_form(api: Api) -> None:
    """A member is found by hiragana, katakana or half-width katakana alike."""
    staff = api.staff()
    api.member(staff, name="佐藤 和子", kana="さとう かずこ")
    for q in ("さとう", "サトウ", "ｻﾄｳ", "サトウ カズコ"):
        rows = api.client.get("/api/v1/members", params={"q": q}, headers=staff).json()
        assert [m["name"] for m in rows] == ["佐藤 和子"], q


def test_duplicate_applications_are_flagged_with_the_matching_member(api: Api) -> None:
    """Same name and birth date, or same address and name, are shown with the member."""
    staff = api.staff()
    first, _ = api.member(
        staff, name="鈴木 一郎", kana="すずき いちろう", birth_date="1950-02-03",
        address="神栖市溝口1-2-3",
    )  # fmt: skip
    twin = api.registration(
        name="鈴木 一郎", kana="スズキ イチロウ", birth_date="1950-02-03",
        address="神栖市溝口１－２－３",
    )  # fmt: skip
    other = api.registration(name="田中 三郎", kana="たなか さぶろう", birth_date="1951-01-01")
    for body in (twin, other):
        assert api.client.post("/api/v1/registrations", json=body).status_code == 201
    apps = api.client.get("/api/v1/registrations/pending", headers=staff).json()
    by_name = {a["member"]["name"]: a for a in apps}
    dups = by_name["鈴木 一郎"]["duplicates"]
    assert [d["member_number"] for d in dups] == [first["member_number"]]
    assert set(dups[0]["reasons"]) == {"name_birth", "address_name"}
    assert by_name["田中 三郎"]["duplicates"] == []
    resident = api.member(staff, name="別人", kana="べつじん")[1]
    assert api.client.get("/api/v1/registrations/pending", headers=resident).status_code == 403


def test_a_past_time_says_it_has_passed(api: Api) -> None:
    """A quote for an hour ago is refused as passed, not as too short notice."""
    _, headers = api.member()
    body = {
        "from": {"home": True}, "to": {"place_id": "D0003"}, "date": "2026-12-01",
        "time": "08:00", "time_mode": "depart_at", "party_size": 1,
    }  # fmt: skip
    r = api.client.post("/api/v1/quotes", json=body, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "time_passed"
    assert "過ぎています" in r.json()["detail"]["message_ja"]


def test_area_check_names_both_areas(api: Api) -> None:
    """A trip between unlinked areas is refused naming the areas; a hospital is reachable."""
    areas = {a["id"]: a for a in api.client.get("/api/v1/areas").json()}
    town_a = api.client.get("/api/v1/towns", params={"q": "大野原"}).json()[0]
    town_c = next(
        t for t in api.client.get("/api/v1/towns", params={"q": "波崎", "limit": 50}).json()
        if t["area"] in {"C", "D"}
    )
    assert town_a["area"] in {"A", "B"}
    q = {"from_lat": town_a["lat"], "from_lon": town_a["lon"],
         "to_lat": town_c["lat"], "to_lon": town_c["lon"]}  # fmt: skip
    r = api.client.get("/api/v1/areas/check", params=q).json()
    assert r["ok"] is False and r["code"] == "areas_not_connected"
    assert areas[town_c["area"]]["name"] in r["message_ja"]
    assert r["from_area"]["id"] == town_a["area"] and r["to_area"]["id"] == town_c["area"]
    hospital = api.client.get("/api/v1/places", params={"category": "hospital"}).json()[0]
    q2 = {**q, "to_lat": hospital["lat"], "to_lon": hospital["lon"], "to_place_id": hospital["id"]}
    assert api.client.get("/api/v1/areas/check", params=q2).json()["ok"] is True


def test_rules_give_the_reservation_phone(api: Api) -> None:
    """The city file's reservation centre number is served to the apps."""
    assert api.client.get("/api/v1/rules").json()["reservation_phone"]


def test_destination_groups_split_medical_dentist_and_pharmacy(api: Api) -> None:
    """Groups follow how residents think; a group lists each chain store once, near home first."""
    groups = {g["id"]: g for g in api.client.get("/api/v1/places/groups").json()}
    assert {"medical", "dentist", "pharmacy", "shopping", "bank_post", "city_office"} <= set(groups)
    assert groups["medical"]["label_ja"] == "病院・クリニック"
    assert "dentist" not in groups["medical"]["categories"]
    assert group_of("drugstore").id == "pharmacy"
    shops = api.client.get("/api/v1/places", params={"group": "shopping", "limit": 200}).json()
    keys = [(p["name"], p["address"] or p["locality"]) for p in shops]
    assert len(keys) == len(set(keys))
    assert all(p["address"] or p["locality"] for p in shops)
    home = (35.9, 140.62)
    near = api.client.get(
        "/api/v1/places",
        params={"group": "medical", "near_lat": home[0], "near_lon": home[1], "limit": 50},
    ).json()
    dists = [p["distance_m"] for p in near]
    assert dists == sorted(dists) and all(p["group"] == "medical" for p in near)
