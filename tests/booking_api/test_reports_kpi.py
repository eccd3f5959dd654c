"""The reports API: grouping, refusals recorded where quotes are refused, the two CSV files."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta

from dispatch.domain import RideStatus
from tests.booking_api.conftest import Api, quote_body
from tests.booking_api.fakes import FakeEngine

PERIOD = {"start": "2026-12-01", "end": "2026-12-07"}  # Tuesday .. Monday


def _book(api: Api, headers: dict[str, str], **over: object) -> dict:
    r = api.client.post("/api/v1/quotes", json=quote_body(**over), headers=headers)
    assert r.status_code == 200, r.text
    offer = r.json()["offer"]
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["booking"]


def _rows(body: bytes) -> list[dict[str, str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs need the BOM to read UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_refused_quotes_are_recorded_and_counted_by_reason(api: Api) -> None:
    """A full slot (no_capacity) and a trip beyond the party rule are refusals of Wednesday;
    the Saturday asked for is no service day, so it is left out and listed."""
    staff = api.staff()
    _, a = api.member(staff)
    _, b = api.member(staff)
    _, c = api.member(staff)
    _book(api, a)
    _book(api, b)
    full = api.client.post("/api/v1/quotes", json=quote_body(), headers=c)
    assert full.status_code == 409
    too_many = api.client.post("/api/v1/quotes", json=quote_body(party_size=9), headers=c)
    assert too_many.status_code == 422, too_many.text
    saturday = api.client.post("/api/v1/quotes", json=quote_body(date="2026-12-05"), headers=c)
    assert saturday.status_code == 422 and saturday.json()["detail"]["code"] == "closed_day"
    r = api.client.get("/api/v1/reports/summary", params=PERIOD, headers=staff)
    assert r.status_code == 200, r.text
    rep = r.json()
    wed = next(d for d in rep["days"] if d["date"] == "2026-12-02")
    assert wed["rides"] == 2 and wed["refusals"] == 2
    assert wed["refusal_reasons"] == {"no_capacity": 1, too_many.json()["detail"]["code"]: 1}
    assert rep["skipped_days"] == ["2026-12-05", "2026-12-06"]
    assert "2026-12-05" not in {d["date"] for d in rep["days"]}
    assert rep["totals"]["refusal_reasons"].get("closed_day") is None


def test_grouping_is_validated_and_splits_by_channel(api: Api) -> None:
    """by=channel gives one group per booking channel; an unknown grouping is a 422."""
    staff = api.staff()
    _, me = api.member(staff)
    _book(api, me)
    r = api.client.get("/api/v1/reports/summary", params={**PERIOD, "by": "channel"}, headers=staff)
    assert r.status_code == 200 and r.json()["by"] == "channel"
    assert [g["key"] for g in r.json()["groups"]] == ["online"]
    bad = api.client.get(
        "/api/v1/reports/summary", params={**PERIOD, "by": "weather"}, headers=staff
    )
    assert bad.status_code == 422
    csv_bad = api.client.get("/api/v1/reports/summary.csv", params={"by": "x"}, headers=staff)
    assert csv_bad.status_code == 422
    r = api.client.get(
        "/api/v1/reports/summary.csv", params={**PERIOD, "by": "vehicle"}, headers=staff
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _rows(r.content)
    assert rows[0]["vehicle"] == "V1" and rows[0]["rides"] == "1"


def test_the_ride_csv_round_trips(api: Api, engine: FakeEngine) -> None:
    """One row per ride with the member number, never the name; times in Tokyo with +09:00.

    The ride boarded 12 minutes after the 10:00 asked for and got off 20 minutes later.
    """
    staff = api.staff()
    member, me = api.member(staff, name="報告 太郎")
    done = _book(api, me)
    later = _book(api, me, time="14:00")
    start = datetime.fromisoformat(done["pickup_window_start"])
    asked = start.replace(hour=1, minute=0)  # 10:00 in Tokyo is 01:00 UTC
    ride = engine.rides[done["id"]]
    engine.rides[done["id"]] = replace(
        ride,
        status=RideStatus.COMPLETED,
        picked_up_at=asked + timedelta(minutes=12),
        dropped_off_at=asked + timedelta(minutes=32),
    )
    r = api.client.get("/api/v1/reports/rides.csv", params=PERIOD, headers=staff)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "報告" not in r.content.decode("utf-8")
    rows = {row["ride_id"]: row for row in _rows(r.content)}
    assert set(rows) == {done["id"], later["id"]}
    one = rows[done["id"]]
    assert one["member_number"] == member["member_number"]
    assert (one["channel"], one["area"], one["vehicle"]) == ("online", "A", "V1")
    assert one["requested_at"] == "2026-12-02T10:00:00+09:00"
    assert datetime.fromisoformat(one["window_start"]) == start
    assert datetime.fromisoformat(one["picked_up_at"]) == asked + timedelta(minutes=12)
    assert (one["wait_min"], one["ride_min"], one["outcome"]) == ("12.0", "20.0", "completed")
    assert rows[later["id"]]["picked_up_at"] == "" and rows[later["id"]]["outcome"] == "booked"
    summary = api.client.get("/api/v1/reports/summary", params=PERIOD, headers=staff).json()
    assert summary["totals"]["wait_median_min"] == 12.0
    assert summary["totals"]["ride_median_min"] == 20.0
