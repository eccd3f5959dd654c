"""A person's mistake or a hostile input gets a 4xx with a field message, never a 500.

Every text input of every operation is sent with a NUL (PostgreSQL refuses NUL in
text, so it used to come back as a 500) and the other control characters; dates
at the ends of the calendar (which used to overflow) get a 422 that says the range.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from booking_api.main import create_app
from booking_api.settings import Settings
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FakeFleet, FixedClock

NUL = "\u0000"


class World:
    """An admin, an operator, a driver of vehicle V1, an approved member with a booking, a
    pending applicant.
    """

    def __init__(self, api: Api) -> None:
        self.api = api
        self.admin = api.staff("admin")
        self.staff = api.staff("operator")
        self.driver = api.staff("driver", vehicle_id="V1")
        self.member, self.resident = api.member(self.staff)
        self.operator_id = self.call("GET", "/api/v1/auth/me", self.staff)["account_id"]
        r = api.client.post(
            "/api/v1/registrations", json=api.registration(phone="090-5555-0001")
        )
        assert r.status_code == 201, r.text
        self.pending_id = r.json()["member"]["id"]
        depot = {"depot_lat": HOME_A[0], "depot_lon": HOME_A[1]}
        self.call("POST", "/api/v1/vehicles", self.admin, {"id": "V1", **depot})
        offer = self.call("POST", "/api/v1/quotes", self.resident, quote_body())
        self.booking = self.call(
            "POST", "/api/v1/bookings", self.resident, {"offer_id": offer["offer"]["offer_id"]}
        )["booking"]

    def call(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
        r = self.api.client.request(method, path, headers=headers, json=body)
        assert r.status_code < 300, r.text
        return r.json()


@pytest.fixture
def world(settings: Settings, clock: FixedClock, city_map: Any, db: Engine) -> Iterator[World]:
    """The app on the fake fleet (vehicles and shifts too), the real map and the database."""
    app = create_app(settings, engine=FakeFleet(clock), clock=clock, city_map=city_map, db=db)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(Api(client, db))


def _reg(w: World, **over: Any) -> dict[str, Any]:
    return w.api.registration(phone="090-7777-0001", **over)


# (label, who, method, path, body): each sends a NUL in one text input.
Case = tuple[str, str, str, Callable[[World], str], Callable[[World], Any]]
CASES: list[Case] = [
    ("login", "anon", "POST", lambda w: "/api/v1/auth/login",
     lambda w: {"login": f"K0{NUL}1", "password": "pass1234"}),
    ("login password", "anon", "POST", lambda w: "/api/v1/auth/login",
     lambda w: {"login": w.member["member_number"], "password": f"pass{NUL}1234"}),
    ("registration name", "anon", "POST", lambda w: "/api/v1/registrations",
     lambda w: _reg(w, name=f"山田{NUL}花子")),
    ("registration address", "anon", "POST", lambda w: "/api/v1/registrations",
     lambda w: _reg(w, address=f"神栖市{NUL}")),
    ("registration kana", "anon", "POST", lambda w: "/api/v1/registrations",
     lambda w: _reg(w, kana=f"やまだ{NUL}")),
    ("registration emergency contact", "anon", "POST", lambda w: "/api/v1/registrations",
     lambda w: _reg(w, emergency_contact_name=f"太郎{NUL}")),
    ("staff registration notes", "staff", "POST", lambda w: "/api/v1/members",
     lambda w: {**_reg(w), "notes": f"メモ{NUL}"}),
    ("member search", "staff", "GET", lambda w: "/api/v1/members?q=%E5%B1%B1%00", lambda w: None),
    ("member id", "staff", "GET", lambda w: "/api/v1/members/%00", lambda w: None),
    ("member edit name", "staff", "PATCH", lambda w: f"/api/v1/members/{w.member['id']}",
     lambda w: {"name": f"山田{NUL}"}),
    ("member edit notes", "staff", "PATCH", lambda w: f"/api/v1/members/{w.member['id']}",
     lambda w: {"notes": f"メモ{NUL}"}),
    ("reject reason", "staff", "POST", lambda w: f"/api/v1/members/{w.pending_id}/reject",
     lambda w: {"reason": f"住所{NUL}"}),
    ("approve category", "staff", "POST", lambda w: f"/api/v1/members/{w.pending_id}/approve",
     lambda w: {"category": f"x{NUL}"}),
    ("lift reason", "staff", "POST", lambda w: f"/api/v1/members/{w.member['id']}/no-shows/lift",
     lambda w: {"reason": f"確認{NUL}"}),
    ("password reset", "staff", "POST", lambda w: f"/api/v1/members/{w.member['id']}/password",
     lambda w: {"password": f"12{NUL}345678"}),
    ("saved-place label", "resident", "POST", lambda w: "/api/v1/me/places",
     lambda w: {"label": f"娘{NUL}の家", "lat": HOME_A[0], "lon": HOME_A[1]}),
    ("saved-place id", "resident", "POST", lambda w: "/api/v1/me/places",
     lambda w: {"label": "病院", "place_id": f"D0003{NUL}"}),
    ("member's saved-place label", "staff", "POST",
     lambda w: f"/api/v1/members/{w.member['id']}/places",
     lambda w: {"label": f"娘{NUL}の家", "lat": HOME_A[0], "lon": HOME_A[1]}),
    ("saved-place id in path", "resident", "DELETE", lambda w: "/api/v1/me/places/%00",
     lambda w: None),
    ("quote notes", "resident", "POST", lambda w: "/api/v1/quotes",
     lambda w: quote_body(notes=f"杖{NUL}")),
    ("quote place label", "resident", "POST", lambda w: "/api/v1/quotes",
     lambda w: quote_body(to={"lat": 35.89, "lon": 140.66, "label": f"x{NUL}"})),
    ("quote place id", "resident", "POST", lambda w: "/api/v1/quotes",
     lambda w: quote_body(to={"place_id": f"D0003{NUL}"})),
    ("quote saved place", "resident", "POST", lambda w: "/api/v1/quotes",
     lambda w: quote_body(to={"saved_place_id": f"{NUL}"})),
    ("quote member id", "staff", "POST", lambda w: "/api/v1/quotes",
     lambda w: quote_body(member_id=f"{w.member['id']}{NUL}")),
    ("confirm offer id", "resident", "POST", lambda w: "/api/v1/bookings",
     lambda w: {"offer_id": f"o{NUL}"}),
    ("confirm return offer id", "resident", "POST", lambda w: "/api/v1/bookings",
     lambda w: {"offer_id": "o1", "return_offer_id": f"o{NUL}"}),
    ("booking id", "resident", "GET", lambda w: "/api/v1/bookings/%00", lambda w: None),
    ("booking list member", "staff", "GET", lambda w: "/api/v1/bookings?member_id=%00",
     lambda w: None),
    ("cancel reason", "resident", "POST", lambda w: f"/api/v1/bookings/{w.booking['id']}/cancel",
     lambda w: {"reason": f"体調{NUL}"}),
    ("cancel booking id", "resident", "POST", lambda w: "/api/v1/bookings/x%00/cancel",
     lambda w: {"reason": ""}),
    ("modify notes", "resident", "POST", lambda w: f"/api/v1/bookings/{w.booking['id']}/modify",
     lambda w: quote_body(notes=f"杖{NUL}")),
    ("modify confirm offer", "resident", "POST",
     lambda w: f"/api/v1/bookings/{w.booking['id']}/modify/confirm",
     lambda w: {"offer_id": f"o{NUL}"}),
    ("series notes", "resident", "POST", lambda w: "/api/v1/series",
     lambda w: {**quote_body(notes=f"杖{NUL}"), "weekdays": [2], "start_date": "2026-12-02",
                "until": "2026-12-09"}),
    ("series id", "resident", "POST", lambda w: "/api/v1/series/%00/cancel", lambda w: None),
    ("move vehicle", "staff", "POST", lambda w: f"/api/v1/operator/rides/{w.booking['id']}/move",
     lambda w: {"vehicle_id": f"V{NUL}"}),
    ("account display name", "admin", "POST", lambda w: "/api/v1/accounts",
     lambda w: {"username": "opx", "password": "longpass1", "role": "operator",
                "display_name": f"佐藤{NUL}"}),
    ("account vehicle", "admin", "POST", lambda w: "/api/v1/accounts",
     lambda w: {"username": "drx", "password": "longpass1", "role": "driver",
                "vehicle_id": f"V{NUL}"}),
    ("vehicle name", "admin", "POST", lambda w: "/api/v1/vehicles",
     lambda w: {"id": "V9", "name": f"9号車{NUL}", "depot_lat": HOME_A[0],
                "depot_lon": HOME_A[1]}),
    ("vehicle areas", "admin", "POST", lambda w: "/api/v1/vehicles",
     lambda w: {"id": "V9", "depot_lat": HOME_A[0], "depot_lon": HOME_A[1],
                "areas": [f"A{NUL}"]}),
    ("shift vehicle", "admin", "PUT", lambda w: "/api/v1/shifts/V%00/2026-12-02",
     lambda w: {"start": "2026-12-02T08:00:00+09:00", "end": "2026-12-02T17:00:00+09:00"}),
    ("driver tap ride", "driver", "POST", lambda w: "/api/v1/driver/taps",
     lambda w: {"ride_id": f"r{NUL}", "tap": "arrived", "tap_id": "t1"}),
    ("driver tap id", "driver", "POST", lambda w: "/api/v1/driver/taps",
     lambda w: {"ride_id": w.booking["id"], "tap": "arrived", "tap_id": f"t{NUL}"}),
    ("driver tap reason", "driver", "POST", lambda w: "/api/v1/driver/taps",
     lambda w: {"ride_id": w.booking["id"], "tap": "arrived", "tap_id": "t2",
                "reason": f"r{NUL}"}),
    ("driver undo tap id", "driver", "POST", lambda w: "/api/v1/driver/taps/t%00/undo",
     lambda w: None),
    ("account display name change", "admin", "PATCH",
     lambda w: f"/api/v1/accounts/{w.operator_id}", lambda w: {"display_name": f"佐藤{NUL}"}),
    ("account password", "admin", "POST", lambda w: f"/api/v1/accounts/{w.operator_id}/password",
     lambda w: {"password": f"longpass{NUL}1"}),
    ("place search", "anon", "GET", lambda w: "/api/v1/places?q=%00", lambda w: None),
    ("town search", "anon", "GET", lambda w: "/api/v1/towns?q=%00", lambda w: None),
]  # fmt: skip


def _headers(w: World, who: str) -> dict[str, str]:
    return {
        "anon": {},
        "staff": w.staff,
        "admin": w.admin,
        "resident": w.resident,
        "driver": w.driver,
    }[who]


def test_a_nul_in_any_text_input_is_a_field_error(world: World) -> None:
    """All the cases on one set of accounts (one database set-up); every one must be a 422
    naming the control character in both languages.
    """
    wrong = []
    for label, who, method, path, payload in CASES:
        r = world.api.client.request(
            method,
            path(world),
            headers={**_headers(world, who), "Accept-Language": "en"},
            json=payload(world),
        )
        errors = r.json()["detail"].get("errors", []) if r.status_code == 422 else []
        if not any("control characters" in e["message_en"] and e["message_ja"] for e in errors):
            wrong.append(f"{label}: {r.status_code} {r.text[:120]}")
    print(f"\n{len(CASES)} NUL inputs, {len(wrong)} not refused with a field message,",
          f"{sum(' 5' in w[w.index(':'):][:3] for w in wrong)} answered 5xx")
    assert not wrong, "\n".join(wrong)


def test_a_nul_in_quote_notes_books_nothing(world: World) -> None:
    """Quote notes with a NUL were taken, and confirming that offer failed on PostgreSQL."""
    r = world.api.client.post(
        "/api/v1/quotes", headers=world.resident, json=quote_body(notes=f"杖{NUL}")
    )
    assert r.status_code == 422, r.text
    rides = world.api.client.get("/api/v1/bookings", headers=world.resident).json()
    assert [b["id"] for b in rides] == [world.booking["id"]]


@pytest.mark.parametrize(
    "char", ["\u0001", "\u001b", "\u007f", "\u0085", "\u009f", "\ud800"], ids=repr
)
def test_other_control_characters_and_lone_surrogates_are_refused(
    world: World, char: str
) -> None:
    # json.dumps escapes a lone surrogate as \\ud800, as a hostile client would send it
    payload = json.dumps({"label": f"娘{char}の家", "lat": HOME_A[0], "lon": HOME_A[1]})
    r = world.api.client.post(
        "/api/v1/me/places",
        headers={**world.resident, "Content-Type": "application/json"},
        content=payload,
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["errors"][0]["field"] == "body.label"


def test_tabs_and_line_breaks_stay_allowed_in_free_text(world: World) -> None:
    r = world.api.client.post(
        "/api/v1/quotes", headers=world.resident, json=quote_body(notes="杖あり\n玄関まで\t2分")
    )
    assert r.status_code == 200, r.text
    r = world.api.client.post(
        "/api/v1/me/places",
        headers=world.resident,
        json={"label": "娘の家\n2階", "lat": HOME_A[0], "lon": HOME_A[1]},
    )
    assert r.status_code == 422, r.text  # a label is one line


def test_the_schema_documents_the_text_rule(world: World) -> None:
    schema = world.api.client.get("/openapi.json").json()["components"]["schemas"]
    assert "\\u0000" in schema["CancelIn"]["properties"]["reason"]["pattern"]
    assert "\\u0000" in schema["SavedPlaceIn"]["properties"]["label"]["pattern"]


# Dates at the ends of the calendar: (label, who, method, path, body).
DATE_CASES: list[Case] = [
    ("series until 9999-12-31", "resident", "POST", lambda w: "/api/v1/series",
     lambda w: {**quote_body(), "weekdays": [2], "start_date": "9999-11-01",
                "until": "9999-12-31"}),
    ("series a year and more ahead", "resident", "POST", lambda w: "/api/v1/series",
     lambda w: {**quote_body(), "weekdays": [2], "start_date": "2028-01-05",
                "until": "2028-02-05"}),
    ("series in the past", "resident", "POST", lambda w: "/api/v1/series",
     lambda w: {**quote_body(), "weekdays": [2], "start_date": "2025-01-01",
                "until": "2025-02-01"}),
    ("quote in year 9999", "resident", "POST", lambda w: "/api/v1/quotes",
     lambda w: quote_body(date="9999-12-31")),
    ("shift in year 1", "admin", "PUT", lambda w: "/api/v1/shifts/V1/0001-01-01",
     lambda w: {"start": "0001-01-01T08:00:00+09:00", "end": "0001-01-01T17:00:00+09:00"}),
    ("shift in year 9999", "admin", "PUT", lambda w: "/api/v1/shifts/V1/9999-12-31",
     lambda w: {"start": "9999-12-31T08:00:00+09:00", "end": "9999-12-31T17:00:00+09:00"}),
    ("shift times far from its day", "admin", "PUT", lambda w: "/api/v1/shifts/V1/2026-12-02",
     lambda w: {"start": "0001-01-01T08:00:00+09:00", "end": "2026-12-02T17:00:00+09:00"}),
    ("shift list in year 9999", "staff", "GET", lambda w: "/api/v1/shifts?date=9999-12-31",
     lambda w: None),
    ("reports 9999-10-01..9999-12-31", "staff", "GET",
     lambda w: "/api/v1/reports/summary?start=9999-10-01&end=9999-12-31", lambda w: None),
    ("reports csv 9999-10-01..9999-12-31", "staff", "GET",
     lambda w: "/api/v1/reports/rides.csv?start=9999-10-01&end=9999-12-31", lambda w: None),
    ("reports in year 1", "staff", "GET",
     lambda w: "/api/v1/reports/summary?start=0001-01-01&end=0001-01-31", lambda w: None),
    ("bookings of 9999-12-31", "staff", "GET", lambda w: "/api/v1/bookings?date=9999-12-31",
     lambda w: None),
    ("day board of 9999-12-31", "staff", "GET", lambda w: "/api/v1/operator/day?date=9999-12-31",
     lambda w: None),
    ("manifest of 9999-12-31", "driver", "GET", lambda w: "/api/v1/driver/manifest?date=9999-12-31",
     lambda w: None),
    ("birth date in year 1", "anon", "POST", lambda w: "/api/v1/registrations",
     lambda w: _reg(w, birth_date="0001-01-01")),
]  # fmt: skip


def test_dates_at_the_ends_of_the_calendar_are_a_422_that_says_the_range(world: World) -> None:
    """Each is refused with a 422 naming the field and the dates it accepts (they used to
    overflow into a 500, or book a series into the year 9999).
    """
    wrong = []
    for label, who, method, path, payload in DATE_CASES:
        r = world.api.client.request(
            method,
            path(world),
            headers={**_headers(world, who), "Accept-Language": "en"},
            json=payload(world),
        )
        detail = r.json()["detail"] if r.status_code == 422 else {}
        said = " ".join(e["message_en"] for e in detail.get("errors", [])) or detail.get(
            "message_en", ""
        )
        if r.status_code != 422 or not any(c.isdigit() for c in said):
            wrong.append(f"{label}: {r.status_code} {r.text[:160]}")
    print(f"\n{len(DATE_CASES)} dates, {len(wrong)} not refused, "
          f"{sum(': 5' in w for w in wrong)} answered 5xx")
    assert not wrong, "\n".join(wrong)


def test_dates_inside_the_ranges_still_work(world: World) -> None:
    ok = [
        ("GET", "/api/v1/reports/summary?start=2026-09-01&end=2026-11-30", world.staff),
        ("GET", "/api/v1/shifts?date=2027-06-01", world.staff),
        ("GET", "/api/v1/bookings?date=2026-12-02", world.staff),
    ]
    for method, path, headers in ok:
        r = world.api.client.request(method, path, headers=headers)
        assert r.status_code == 200, (path, r.text)
    r = world.api.client.post(
        "/api/v1/series",
        headers=world.resident,
        json={**quote_body(), "weekdays": [2], "start_date": "2026-12-02", "until": "2026-12-16"},
    )
    assert r.status_code == 201, r.text


def test_the_schema_documents_the_date_ranges(world: World) -> None:
    schema = world.api.client.get("/openapi.json").json()
    series = schema["components"]["schemas"]["SeriesIn"]["properties"]["start_date"]
    assert "2000-01-01" in series["description"]
    params = schema["paths"]["/api/v1/reports/summary"]["get"]["parameters"]
    assert any("2000-01-01" in p.get("description", "") for p in params)
