"""The reports tab in a real browser: charts with a table each, grouping, CSV downloads,
in Japanese and English, axe-clean."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from tests.web.conftest import TOKYO, Live, check_axe, choose_lang, screenshots
from tests.web.test_operator import login

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reported(live: Live, fleet: list[str]) -> dict[str, Any]:
    """A phone member with one ride on the service day and one refused quote (party too large)."""
    member = live.api(
        "POST",
        "/api/v1/members",
        json={
            "name": "集計 一郎", "kana": "しゅうけい いちろう", "birth_date": "1944-04-04",
            "phone": "08061230404", "address": "神栖市大野原", "home_lat": 35.899980,
            "home_lon": 140.623187, "consent_terms": True, "consent_privacy": True,
            "password": "report-2026", "channel": "phone", "approve": True,
        },
    )  # fmt: skip
    day = live.clock.start.astimezone(TOKYO).date()
    body = {
        "member_id": member["id"], "from": {"home": True},
        "to": {"lat": 35.890028, "lon": 140.664461, "label": "市役所"},
        "date": day.isoformat(), "time": "14:10", "time_mode": "depart_at", "party_size": 1,
    }  # fmt: skip
    auth = {"Authorization": f"Bearer {live.admin_token}"}
    r = httpx.post(live.url + "/api/v1/quotes", headers=auth, timeout=60, json=body)
    assert r.status_code == 200, r.text
    res = live.api("POST", "/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]})
    refused = httpx.post(
        live.url + "/api/v1/quotes", headers=auth, timeout=60, json={**body, "party_size": 9}
    )
    assert refused.status_code == 422, refused.text
    return {"member": member, "booking": res["booking"], "day": day.isoformat()}


def _summary(live: Live, page: Any, by: str) -> dict[str, Any]:
    start, end = page.input_value("#r-start"), page.input_value("#r-end")
    return live.api("GET", f"/api/v1/reports/summary?start={start}&end={end}&by={by}")


def test_reports_charts_tables_grouping_and_csv(
    new_page: Any, live: Live, reported: dict[str, Any]
) -> None:
    """Each chart has axes, units and a table; grouping by channel; both CSVs download."""
    page = new_page("desktop")
    login(page, live)
    page.keyboard.press("Alt+4")
    page.wait_for_selector("#r-msg:has-text('日ごと')")
    charts = page.locator("#r-body figure[data-chart]")
    assert charts.count() == 8
    svg = page.locator("figure[data-chart='ontime'] svg")
    assert svg.get_attribute("role") == "img" and "約束の時間内" in svg.get_attribute("aria-label")
    assert "%" in svg.inner_html()  # the y axis says its unit
    # the refusals chart's table, opened by keyboard, says what the API says
    api_days = _summary(live, page, "day")
    page.focus("figure[data-chart='refusals'] summary")
    page.keyboard.press("Enter")
    rows = page.locator("#tbl-refusals tbody tr")
    assert rows.count() == len(api_days["groups"])
    cells = rows.locator("td").all_inner_texts()
    assert cells == [f"{g['refusals']}件" for g in api_days["groups"]]
    today = next(g for g in api_days["groups"] if g["key"] == reported["day"])
    assert today["refusals"] >= 1 and today["rides"] >= 1
    assert "人数が多すぎる" in page.inner_text("table.reasons")
    check_axe(page, "operator: reports by day")
    screenshots(page, "operator-reports", ("desktop", "phone"))

    # group by booking channel: the phone bookings are one group
    page.select_option("#r-by", "channel")
    page.wait_for_selector("#r-msg:has-text('予約の方法ごと')")
    api_channels = _summary(live, page, "channel")
    labels = page.locator("#tbl-ontime tbody th").all_text_contents()  # a closed details
    names = {"online": "アプリ", "phone": "電話", "counter": "窓口"}
    assert labels == [names[g["key"]] for g in api_channels["groups"]]
    assert "電話" in labels

    # the rides, one row each: the member by number, never by name
    with page.expect_download() as info:
        page.click("#csv-rides")
    text = open(info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rides = {row["ride_id"]: row for row in csv.DictReader(io.StringIO(text))}
    mine = rides[reported["booking"]["id"]]
    assert mine["member_number"] == reported["member"]["member_number"]
    assert mine["channel"] == "phone" and mine["requested_at"].endswith("T14:10:00+09:00")
    assert "集計" not in text
    with page.expect_download() as info:
        page.click("#csv-summary")
    assert info.value.suggested_filename.startswith("noriai-summary-channel-")
    summary = list(csv.DictReader(open(info.value.path(), encoding="utf-8-sig")))  # noqa: SIM115
    assert [r["channel"] for r in summary] == [g["key"] for g in api_channels["groups"]]

    choose_lang(page, "en")
    page.wait_for_selector("#view-reports h1:text('Reports')")
    page.wait_for_selector("#r-msg:has-text('Booking channel')")
    assert "Pickups inside the promised window" in page.inner_text("#r-body")
    channels = page.locator("#tbl-ontime tbody th").all_text_contents()
    assert channels and set(channels) <= {"App", "Phone", "Counter"}
    check_axe(page, "operator: reports by channel (English)")
    screenshots(page, "operator-reports-en", ("desktop",))
    choose_lang(page, "ja")
