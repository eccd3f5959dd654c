"""Service rules from the city file: each refusal says why, in both languages."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from booking_api.city import CITIES_DIR, load_city
from booking_api.rules import RuleViolation, check_eligibility, in_closed_period, is_service_day
from tests.booking_api.conftest import Api, quote_body
from tests.booking_api.fakes import FixedClock

KAMISU = load_city(CITIES_DIR / "kamisu.toml")


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"date": "2026-12-05"}, "closed_day"),  # Saturday
        ({"date": "2026-12-29"}, "closed_day"),  # year-end closure
        ({"time": "18:30"}, "outside_hours"),
        ({"date": "2026-12-01", "time": "09:15"}, "too_late_to_book"),  # now is 09:00
        ({"date": "2026-12-10"}, "too_early_to_book"),  # 9 days ahead, horizon 7
        ({"to": {"place_id": "D0132"}}, "areas_not_connected"),  # A -> a shop in D
        ({"party_size": 5}, "party_too_large"),
        ({"to": {"home": True}}, "same_place"),
        ({"to": {"lat": 35.60, "lon": 140.60}}, "outside_boundary"),
    ],
)
def test_refusals_name_the_rule(api: Api, over: dict, code: str) -> None:
    _, me = api.member()
    r = api.client.post("/api/v1/quotes", json=quote_body(**over), headers=me)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == code
    assert (
        detail["message_ja"]
        and detail["message_en"]
        and detail["message_ja"] != detail["message_en"]
    )


def test_designated_destinations_connect_every_area(api: Api) -> None:
    _, me = api.member()
    r = api.client.post(
        "/api/v1/quotes", json=quote_body(to={"place_id": "D0124"}), headers=me
    )  # hospital in D
    assert r.status_code == 200, r.text
    r = api.client.post(
        "/api/v1/quotes", json=quote_body(to={"place_id": "D0086"}), headers=me
    )  # shop in B (A-B linked)
    assert r.status_code == 200, r.text


def test_daily_ride_limit(api: Api, engine) -> None:
    engine.capacity = 10
    _, me = api.member()
    for hh in ("09:00", "10:00", "11:00", "13:00"):
        offer = api.client.post("/api/v1/quotes", json=quote_body(time=hh), headers=me).json()[
            "offer"
        ]
        assert (
            api.client.post(
                "/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=me
            ).status_code
            == 201
        )
    r = api.client.post("/api/v1/quotes", json=quote_body(time="15:00"), headers=me)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "daily_limit"


def test_rules_endpoint_publishes_the_city_file(api: Api) -> None:
    rules = api.client.get("/api/v1/rules").json()
    assert rules["service_start"] == "08:00" and rules["booking_horizon_days"] == 7
    assert rules["fares"]["general"] == 300 and ["12-29", "01-03"] in rules["closed_periods"]


def test_service_days() -> None:
    assert is_service_day(KAMISU, date(2026, 12, 2))
    assert not is_service_day(KAMISU, date(2026, 11, 23))  # 勤労感謝の日
    assert not is_service_day(KAMISU, date(2026, 12, 6))  # Sunday
    assert in_closed_period(KAMISU, date(2027, 1, 2)) and in_closed_period(
        KAMISU, date(2026, 12, 31)
    )
    assert not in_closed_period(KAMISU, date(2027, 1, 4))


def test_eligibility_is_configuration() -> None:
    from dataclasses import replace

    seniors = replace(KAMISU, min_age=65)
    check_eligibility(seniors, date(1950, 1, 1), date(2026, 12, 1), "general")
    with pytest.raises(RuleViolation) as info:
        check_eligibility(seniors, date(1990, 1, 1), date(2026, 12, 1), "general")
    assert info.value.code == "not_eligible"
    check_eligibility(seniors, date(1990, 1, 1), date(2026, 12, 1), "disability")  # exempt category


def test_fares_by_category_and_companions() -> None:
    fares = KAMISU.fares
    assert fares.fare_yen("general", 1) == 300
    assert fares.fare_yen("general", 2) == 600
    assert fares.fare_yen("disability", 2) == 150  # one carer rides free
    assert fares.fare_yen("unknown", 1) == 300  # default category


def test_clock_endpoint_tells_the_service_time(api: Api, clock: FixedClock) -> None:
    """The apps read the service's time, rate and zone from the API, not from the device."""
    body = api.client.get("/api/v1/clock").json()
    assert datetime.fromisoformat(body["now"]) == clock.now()
    assert body["rate"] == 1.0 and body["timezone"] == "Asia/Tokyo"
    clock.advance(3600)
    assert datetime.fromisoformat(api.client.get("/api/v1/clock").json()["now"]) == clock.now()

