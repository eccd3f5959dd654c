"""The operators' service calendar in a real browser: which days run and why not, and the
capacity of each day's shifts, by keyboard, in Japanese and English, axe-clean."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.web.conftest import Live, check_axe, choose_lang, screenshots
from tests.web.test_operator import login

pytestmark = pytest.mark.browser


def test_the_service_calendar_says_why_a_day_has_no_service(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    page = new_page("desktop")
    login(page, live)
    page.keyboard.press("Alt+5")
    page.wait_for_selector("#cal-table tbody tr")
    assert page.inner_text("#view-calendar h1") == "運行カレンダー"
    rows = page.locator("#cal-table tbody tr")
    assert rows.count() == 28
    first = page.get_attribute("#cal-table tbody tr:first-child", "data-date")
    last = page.get_attribute("#cal-table tbody tr:last-child", "data-date")
    days = live.api("GET", f"/api/v1/service-calendar?from={first}&to={last}")
    closed = [d for d in days if not d["service"]]
    assert len(closed) >= 8  # at least the weekends
    for d in closed:
        row = page.inner_text(f"tr[data-date='{d['date']}']")
        assert "運休" in row and d["reason_ja"] in row, row
    # the fleet's day as the shifts give it (other tests on this server may add cars)
    day = (live.clock.start + timedelta(hours=9)).date().isoformat()
    (cap,) = live.api("GET", f"/api/v1/capacity?from={day}&to={day}")
    assert cap["vehicles"] >= 2 and cap["vehicle_min"] >= 2 * 9 * 60  # at least the fleet
    expected = [
        str(cap["vehicles"]),
        f"{cap['vehicle_min'] / 60:.1f}",
        str(cap["seats"]),
        str(cap["wheelchairs"]),
    ]
    cells = page.locator(f"tr[data-date='{day}'] td").all_inner_texts()
    assert cells[0] == "運行" and cells[2:] == expected, cells
    check_axe(page, "operator: service calendar")
    screenshots(page, "operator-calendar", ("desktop",))
    # the next four weeks by keyboard
    page.focus("#cal-next")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#cal-table tbody tr:first-child:not([data-date='{first}'])")
    after = page.get_attribute("#cal-table tbody tr:first-child", "data-date")
    assert after > last
    choose_lang(page, "en")
    page.wait_for_selector("#view-calendar h1:text('Service calendar')")
    page.wait_for_selector("#cal-table th:text('Vehicle-hours')")
    end = page.get_attribute("#cal-table tbody tr:last-child", "data-date")
    for d in live.api("GET", f"/api/v1/service-calendar?from={after}&to={end}"):
        row = page.inner_text(f"tr[data-date='{d['date']}']")
        assert ("Runs" in row) == d["service"] and d["reason_en"] in row, row
    check_axe(page, "operator: service calendar (English)")
    choose_lang(page, "ja")
    page.wait_for_selector("#view-calendar h1:text('運行カレンダー')")
