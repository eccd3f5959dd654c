"""Series, the operators' day board, drivers' manifest and taps, reports, reference data."""

from __future__ import annotations

import csv
import io

from tests.booking_api.conftest import Api, quote_body
from tests.booking_api.fakes import FakeEngine


def _book(api: Api, headers: dict[str, str], **over) -> dict:
    offer = api.client.post("/api/v1/quotes", json=quote_body(**over), headers=headers).json()[
        "offer"
    ]
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["booking"]


def test_weekly_series_books_each_day_and_lists_failures(api: Api, engine: FakeEngine) -> None:
    _, me = api.member()
    body = {
        **quote_body(),
        "weekdays": [0, 2, 4],
        "start_date": "2026-12-02",
        "until": "2027-01-08",
    }
    del body["date"]
    r = api.client.post("/api/v1/series", json=body, headers=me)
    assert r.status_code == 201, r.text
    result = r.json()
    booked_days = [b["pickup_window_start"][:10] for b in result["booked"]]
    failed = {f["date"]: f["code"] for f in result["failed"]}
    # Mon/Wed/Fri from 2 Dec 2026 to 8 Jan 2027 = 17 days; the year-end closure takes 12/30, 1/1.
    assert len(booked_days) == 15 and len(failed) == 2
    assert failed == {"2026-12-30": "closed_day", "2027-01-01": "closed_day"}
    assert "2027-01-08" in booked_days  # beyond the 7-day horizon: series are standing orders
    assert all(b["series_id"] == result["series_id"] for b in result["booked"])
    listed = api.client.get("/api/v1/series", headers=me).json()
    assert listed[0]["weekdays"] == [0, 2, 4] and listed[0]["active"]
    r = api.client.post(f"/api/v1/series/{result['series_id']}/cancel", headers=me)
    assert r.status_code == 200 and len(r.json()["cancelled"]) == 15
    _, other = api.member()
    assert (
        api.client.post(f"/api/v1/series/{result['series_id']}/cancel", headers=other).status_code
        == 404
    )


def test_day_board_and_member_card_show_bookings(api: Api) -> None:
    staff = api.staff()
    member, me = api.member(staff)
    booking = _book(api, me)
    board = api.client.get(
        "/api/v1/operator/day", params={"date": "2026-12-02"}, headers=staff
    ).json()
    assert board["vehicles"][0]["vehicle_id"] == "V1"
    assert board["vehicles"][0]["bookings"][0]["id"] == booking["id"]
    assert board["vehicles"][0]["bookings"][0]["rider_phone"] == member["phone"]
    card = api.client.get(f"/api/v1/members/{member['id']}", headers=staff).json()
    assert [b["id"] for b in card["recent_bookings"]] == [booking["id"]]


def test_driver_sees_only_their_vehicle_and_taps_once(api: Api) -> None:
    _, me = api.member()
    booking = _book(api, me)
    driver = api.staff("driver", vehicle_id="V1")
    stranger = api.staff("driver", vehicle_id="V9")
    manifest = api.client.get(
        "/api/v1/driver/manifest", params={"date": "2026-12-02"}, headers=driver
    ).json()
    assert [b["id"] for b in manifest["bookings"]] == [booking["id"]]
    empty = api.client.get(
        "/api/v1/driver/manifest", params={"date": "2026-12-02"}, headers=stranger
    ).json()
    assert empty["bookings"] == []
    tap = {"ride_id": booking["id"], "tap": "arrived", "tap_id": "t1"}
    assert api.client.post("/api/v1/driver/taps", json=tap, headers=stranger).status_code == 404
    assert (
        api.client.post("/api/v1/driver/taps", json=tap, headers=driver).json()["status"]
        == "arrived"
    )
    assert (
        api.client.post("/api/v1/driver/taps", json=tap, headers=driver).json()["status"]
        == "arrived"
    )
    for tap_id, kind in (("t2", "boarded"), ("t3", "dropped_off")):
        if kind == "dropped_off":  # the city file wants the fare recorded before 降車
            paid = api.client.post(
                f"/api/v1/driver/rides/{booking['id']}/payment",
                json={"method": "ic"},
                headers=driver,
            )
            assert paid.status_code == 201, paid.text
        r = api.client.post(
            "/api/v1/driver/taps",
            json={"ride_id": booking["id"], "tap": kind, "tap_id": tap_id},
            headers=driver,
        )
        assert r.status_code == 200
    assert r.json()["status"] == "completed"
    bad = api.client.post(
        "/api/v1/driver/taps",
        json={"ride_id": booking["id"], "tap": "boarded", "tap_id": "t4"},
        headers=driver,
    )
    assert bad.status_code == 409 and bad.json()["detail"]["code"] == "illegal_transition"


def test_reports_count_rides_sharing_no_shows_and_online_share(
    api: Api, engine: FakeEngine
) -> None:
    engine.capacity = 5
    staff = api.staff()
    _, a = api.member(staff)
    _, b = api.member(staff)
    api.client.post(
        "/api/v1/members",
        json={**api.registration(), "channel": "phone", "approve": True},
        headers=staff,
    )
    shared_1 = _book(api, a, time="10:00")
    shared_2 = _book(api, b, time="10:05")  # overlaps the first on V1: a shared ride
    alone = _book(api, a, time="13:00")
    cancelled = _book(api, b, time="15:00")
    api.client.post(f"/api/v1/bookings/{cancelled['id']}/cancel", json={}, headers=b)
    driver = api.staff("driver", vehicle_id="V1")
    for i, tap in enumerate(("arrived", "no_show")):
        api.client.post(
            "/api/v1/driver/taps",
            json={"ride_id": alone["id"], "tap": tap, "tap_id": f"n{i}"},
            headers=driver,
        )
    r = api.client.get(
        "/api/v1/reports/summary",
        params={"start": "2026-12-01", "end": "2026-12-03"},
        headers=staff,
    )
    assert r.status_code == 200
    report = r.json()
    day = next(d for d in report["days"] if d["date"] == "2026-12-02")
    assert day["rides"] == 2 and day["cancelled"] == 1 and day["no_shows"] == 1
    assert day["shared_share"] == 1.0  # both served rides overlap each other
    assert 1.0 < day["occupancy"] <= 2.0
    assert report["members"] == {
        "approved": 3,
        "online": 2,
        "phone": 1,
        "counter": 0,
        "online_share": 0.6667,
        "online_target": 0.2,
    }
    del shared_1, shared_2
    r = api.client.get(
        "/api/v1/reports/summary.csv",
        params={"start": "2026-12-01", "end": "2026-12-03"},
        headers=staff,
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["date"] for row in rows] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert rows[1]["no_shows"] == "1"
    too_long = api.client.get(
        "/api/v1/reports/summary",
        params={"start": "2026-01-01", "end": "2026-12-31"},
        headers=staff,
    )
    assert too_long.status_code == 422


def test_reference_data_for_the_apps(api: Api) -> None:
    areas = api.client.get("/api/v1/areas").json()
    assert [a["id"] for a in areas] == ["A", "B", "C", "D"]
    hospitals = api.client.get("/api/v1/places", params={"category": "hospital"}).json()
    assert {p["name"] for p in hospitals} >= {"神栖済生会病院", "白十字総合病院"}
    assert all(p["area"] in {"A", "B", "C", "D"} for p in hospitals)
    cats = {c["id"]: c["label_ja"] for c in api.client.get("/api/v1/places/categories").json()}
    assert cats["hospital"] == "病院" and cats["city_office"] == "市役所"
    towns = api.client.get("/api/v1/towns", params={"q": "波崎"}).json()
    assert towns and towns[0]["name"].startswith("波崎")
    for reading in ("はさき", "ﾊｻｷ"):  # the operator types what the caller says
        by_reading = api.client.get("/api/v1/towns", params={"q": reading}).json()
        assert by_reading[0]["name"] == "波崎" and by_reading[0]["kana"] == "ハサキ"
    layers = api.client.get("/api/v1/map/layers").json()
    assert set(layers) >= {"boundary", "areas", "roads", "places"}
    assert layers["areas"]["type"] == "FeatureCollection"
    page = api.client.get("/map")
    assert page.status_code == 200 and "OpenStreetMap" in page.text
