"""The reports tab's fare reports in a real browser (issue 13 §5): a ride completed "not paid"
on board is listed with its reason; rides by fare category and the subsidy picture show the
API's figures as a chart with a table beside it; the CSV files download (UTF-8 with BOM,
the same rows as the API), in Japanese and English, axe-clean."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.web.conftest import DRIVER_PASSWORD, SHOTS, TOKYO, Live, check_axe, choose_lang
from tests.web.test_operator import login

pytestmark = pytest.mark.browser


def _unpaid_ride(live: Live) -> dict[str, Any]:
    """A senior's ride (300 yen), dropped off as "not paid: no money"."""
    from tests.web.seed import approved_member, book_to_city_hall, driver_tap

    member = approved_member(
        live, name="未払 次郎", kana="みばらい じろう", phone="09013131313",
        password="fare-report-13", birth_date="1947-07-07",
    )  # fmt: skip
    live.api("PATCH", f"/api/v1/members/{member['id']}", json={"category": "senior"})
    t = (live.clock.now() + timedelta(minutes=50)).astimezone(TOKYO)
    t += timedelta(minutes=(5 - t.minute % 5) % 5)
    ride = book_to_city_hall(live, member["id"], t.date().isoformat(), t.strftime("%H:%M"))
    driver_tap(live, ride, "arrived", "boarded")
    token = httpx.post(
        live.url + "/api/v1/auth/login",
        json={"login": f"driver-{ride['vehicle_id'].lower()}", "password": DRIVER_PASSWORD},
        timeout=30,
    ).json()["token"]
    live.api(
        "POST",
        f"/api/v1/driver/rides/{ride['id']}/payment",
        token=token,
        json={"method": "not_paid", "reason": "no_money"},
    )
    driver_tap(live, ride, "dropped_off")
    return {"ride": ride, "member": member}


def _csv(download: Any) -> list[dict[str, str]]:
    raw = open(download.path(), "rb").read()  # noqa: SIM115
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Japanese
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_fare_reports_on_the_reports_tab(new_page: Any, live: Live, fleet: list[str]) -> None:
    """The unpaid ride with its reason, categories and subsidy as the API says, CSVs saved."""
    seeded = _unpaid_ride(live)
    ride = seeded["ride"]
    page = new_page("desktop")
    login(page, live)
    page.keyboard.press("Alt+4")
    page.wait_for_selector(f"#fr-unpaid-table tr[data-ride='{ride['id']}']")
    start, end = page.input_value("#r-start"), page.input_value("#r-end")
    q = f"from={start}&to={end}"

    row = page.locator(f"#fr-unpaid-table tr[data-ride='{ride['id']}']").inner_text()
    assert "手持ちがなかった（後日精算）" in row and "300円" in row and "未払い" in row
    assert seeded["member"]["member_number"] in row
    unpaid = live.api("GET", f"/api/v1/reports/unpaid-rides?{q}")
    assert page.locator("#fr-unpaid-table tbody tr").count() == unpaid["count"]
    assert f"{unpaid['count']}件" in page.inner_text("#fr-unpaid-sum")

    # rides by fare category: the chart is an image described by the table beside it
    cats = live.api("GET", f"/api/v1/reports/rides-by-category?{q}&group=day")
    svg = page.locator("#fr-cat-chart")
    assert svg.get_attribute("role") == "img"
    assert svg.get_attribute("aria-describedby") == "fr-cat-table"
    senior = next(c for c in cats["totals"] if c["category"] == "senior")
    assert senior["rides"] >= 1 and senior["passengers"] >= 1
    table = page.locator("#fr-cat-table tbody tr")
    assert table.count() == len(cats["totals"])
    got = {
        tr.locator("th").inner_text(): tr.locator("td").first.inner_text()
        for tr in table.all()
    }
    assert got["高齢者"] == f"{senior['rides']}件"

    # the subsidy picture: cost from the shifts at 3,800 yen an hour
    sub = live.api("GET", f"/api/v1/reports/subsidy?{q}&group=day")
    assert sub["cost_per_vehicle_hour_yen"] == 3800 and sub["total"]["cost_yen"] > 0
    kpis = page.locator("#fr-sub-kpis")
    cost = kpis.locator("[data-kpi='cost'] strong").inner_text()
    assert cost == f"{sub['total']['cost_yen']:,}円"
    per = kpis.locator("[data-kpi='per_passenger'] strong").inner_text()
    assert per == f"{sub['total']['cost_per_passenger_yen']:,}円"
    assert "3,800円" in page.inner_text("#fr-sub-basis")
    # which figure the hours come from: the tablets' sign-on/off or the scheduled shifts
    days = page.inner_text("#fr-sub-days")
    total = sub["total"]
    assert f"実績（出庫〜帰庫）{total['vehicle_days_actual']}台日" in days
    assert f"予定のシフト {total['vehicle_days_scheduled']}台日" in days
    assert page.locator("#fr-sub-table tbody tr").count() == len(sub["rows"])
    check_axe(page, "operator: reports, fare reports (ja)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#r-fares").screenshot(path=str(SHOTS / "operator-fare-reports-desktop.png"))

    # the CSV files: the unpaid ride with its reason and a Tokyo time; the subsidy rows
    with page.expect_download() as info:
        page.click("#fr-csv-unpaid")
    assert info.value.suggested_filename == f"noriai-unpaid-rides-{start}_{end}.csv"
    rows = _csv(info.value)
    mine = next(r for r in rows if r["ride_id"] == ride["id"])
    assert (mine["kind"], mine["reason"], mine["fare_yen"]) == ("not_paid", "no_money", "300")
    assert mine["reason_ja"] == "手持ちがなかった（後日精算）"
    assert mine["dropped_off_at"].endswith("+09:00")
    assert rows[-1]["service_date"] == "total" and rows[-1]["fare_yen"] == str(unpaid["fare_yen"])
    with page.expect_download() as info:
        page.click("#fr-csv-subsidy")
    rows = _csv(info.value)
    assert [r["period"] for r in rows] == [*(r["period"] for r in sub["rows"]), "total"]
    assert rows[-1]["cost_yen"] == str(sub["total"]["cost_yen"])
    with page.expect_download() as info:
        page.click("#fr-csv-vehicle-days")
    rows = _csv(info.value)
    assert len(rows) == len(sub["vehicle_days"]) and rows
    assert {r["basis"] for r in rows} <= {"actual", "actual_start", "actual_end", "scheduled"}
    assert [r["vehicle_id"] for r in rows] == [v["vehicle_id"] for v in sub["vehicle_days"]]
    with page.expect_download() as info:
        page.click("#fr-csv-categories")
    rows = _csv(info.value)
    assert {"period", "category", "rides", "passengers", "fare_yen"} <= set(rows[0])

    # by month, then in English
    page.select_option("#fr-group", "month")
    page.wait_for_selector("#fr-sub-table tbody th:has-text('年')")
    choose_lang(page, "en")
    page.wait_for_selector("#r-fares h2:has-text('Fare reports')")
    page.wait_for_selector(f"#fr-unpaid-table tr[data-ride='{ride['id']}']")
    text = page.inner_text("#r-fares")
    assert "Had no money with them" in text and "Operating cost" in text and "Senior" in text
    check_axe(page, "operator: reports, fare reports (en)")
    choose_lang(page, "ja")
