"""The reports tab's open-data download and feed links in a real browser: the error sits by
the month field, a finished month downloads as a zip, in Japanese and English, axe-clean."""

from __future__ import annotations

import zipfile
from typing import Any

import pytest

from tests.web.conftest import TOKYO, Live, check_axe, choose_lang, screenshots
from tests.web.test_operator import login

pytestmark = pytest.mark.browser


def test_open_data_download_and_feed_links(new_page: Any, live: Live, fleet: list[str]) -> None:
    """The current month is refused next to its field (aria-describedby, aria-invalid); the
    month before downloads with the tables, dictionary and licence; the public feeds are links."""
    page = new_page("desktop")
    login(page, live)
    page.keyboard.press("Alt+4")
    page.wait_for_selector("#od-form")
    assert page.get_attribute("#od-month", "aria-describedby") == "od-month-hint od-month-error"
    assert page.get_attribute("#od-form a[href='/gtfs/flex.zip']", "href") == "/gtfs/flex.zip"
    assert page.locator("#od-form a[href='/gofs/gofs.json']").count() == 1
    this_month = live.clock.start.astimezone(TOKYO).strftime("%Y-%m")
    page.fill("#od-month", this_month)
    page.click("#od-get")
    page.wait_for_selector("#od-month-error:has-text('まだ終わっていません')")
    assert page.get_attribute("#od-month", "aria-invalid") == "true"
    check_axe(page, "operator: open data refused")
    page.fill("#od-month", "2026-01")
    with page.expect_download() as info:
        page.click("#od-get")
    assert info.value.suggested_filename == "noriai-open-data-2026-01.zip"
    with zipfile.ZipFile(info.value.path()) as z:
        assert {"rides_by_area_hour.csv", "data_dictionary.json", "LICENSE.txt"} <= set(
            z.namelist()
        )
    assert page.inner_text("#od-month-error") == ""
    screenshots(page, "operator-open-data", ("desktop", "phone"))
    choose_lang(page, "en")
    page.wait_for_selector("#od-get:has-text('Download open data')")
    page.fill("#od-month", this_month)
    page.click("#od-get")
    page.wait_for_selector("#od-month-error:has-text('is not over yet')")
    check_axe(page, "operator: open data refused (English)")
    choose_lang(page, "ja")
