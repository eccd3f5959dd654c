"""Operators' console in a real browser: a phone booking by keyboard only (keystrokes
counted), the day board, and the reports with their CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import OPERATOR, TOKYO, Live, check_axe, choose_lang, screenshots

pytestmark = pytest.mark.browser

CALLER_PHONE = "09033334444"
CALLER = "潮来 一郎"
MAX_KEYSTROKES = 30


class Keys:
    """The keyboard, counting every key a person would press."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def type(self, text: str) -> None:
        """Type text: one keystroke per character."""
        self.page.keyboard.type(text)
        self.count += len(text)

    def press(self, key: str) -> None:
        """Press one key or chord (a chord such as Alt+1 counts as one)."""
        self.page.keyboard.press(key)
        self.count += 1


@pytest.fixture(scope="module")
def caller(live: Live, fleet: list[str]) -> dict[str, Any]:
    """A member registered at the counter and approved, who phones in."""
    body = {
        "name": CALLER,
        "kana": "いたこ いちろう",
        "birth_date": "1940-02-03",
        "phone": CALLER_PHONE,
        "address": "神栖市大野原",
        "home_lat": 35.899980,
        "home_lon": 140.623187,
        "wheelchair": False,
        "walking_aid": False,
        "needs_help_boarding": True,
        "companion_allowed": False,
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "consent_terms": True,
        "consent_privacy": True,
        "password": "ichiro-2026",
        "channel": "counter",
        "notes": "耳が遠いので大きな声で",
        "approve": True,
    }
    member: dict[str, Any] = live.api("POST", "/api/v1/members", json=body)
    return member


def login(page: Any, live: Live) -> None:
    """Log in to the console (keyboard)."""
    page.goto(live.url + "/operator")
    page.wait_for_selector("#op-user:focus")
    page.keyboard.type(OPERATOR[0])
    page.keyboard.press("Tab")
    page.keyboard.type(OPERATOR[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-call:not([hidden])")


def test_phone_booking_by_keyboard_only(new_page: Any, live: Live, caller: dict[str, Any]) -> None:
    """Phone digits, home, a hospital, a time, quote, confirm: all without the mouse."""
    page = new_page("desktop")
    login(page, live)
    check_axe(page, "operator: phone booking (empty)")
    screenshots(page, "operator-call-empty", ("desktop",))
    keys = Keys(page)
    keys.press("Alt+1")
    page.wait_for_selector("#q:focus")
    keys.type(CALLER_PHONE[-4:])
    keys.press("Enter")
    page.wait_for_selector(".member")
    assert CALLER in page.inner_text(".member")
    assert "耳が遠い" in page.inner_text(".member")
    page.wait_for_selector("#from:focus")
    keys.type("1")  # home
    keys.press("Enter")
    page.wait_for_selector("#to:focus")
    keys.type("病院")
    keys.press("Enter")
    page.wait_for_selector("#to-opts[data-search='病院'] kbd")
    keys.type("1")
    keys.press("Enter")
    page.wait_for_selector("#date:focus")
    keys.type("0")  # today
    keys.press("Enter")
    page.wait_for_selector("#time:focus")
    keys.type("1400")
    keys.press("Enter")
    page.wait_for_selector("#offer .notice, #confirm", timeout=60000)
    assert page.locator("#confirm").count() == 1, page.inner_text("#offer")
    page.wait_for_selector("#confirm:focus")
    assert "にお迎えにあがります" in page.inner_text(".offer")
    check_axe(page, "operator: quote")
    screenshots(page, "operator-call-quote", ("desktop",))
    keys.press("Enter")
    page.wait_for_selector(".booked")
    assert keys.count <= MAX_KEYSTROKES, f"{keys.count} keystrokes"
    screenshots(page, "operator-call-booked", ("desktop",))
    rides = live.api("GET", f"/api/v1/bookings?member_id={caller['id']}")
    assert len(rides) == 1
    assert rides[0]["channel"] == "phone"
    # Alt+N (or Enter on the focused button) starts the next call with the search focused.
    keys.press("Enter")
    page.wait_for_selector("#q:focus")


def test_day_board_and_reports(new_page: Any, live: Live, fleet: list[str]) -> None:
    """The board lists every vehicle on a timeline and a map; reports draw charts and give a CSV."""
    page = new_page("desktop")
    login(page, live)
    page.keyboard.press("Alt+3")
    page.wait_for_selector(".gantt")
    for vid in fleet:
        assert vid in page.inner_text(".gantt")
    page.wait_for_selector("#board-map .veh-icon")  # positions from the board websocket
    assert "OpenStreetMap contributors" in page.inner_text("#board-map")
    check_axe(page, "operator: board")
    screenshots(page, "operator-board", ("desktop", "tablet"))
    choose_lang(page, "en")
    page.wait_for_selector("#view-board h1:text('Day board')")
    assert "Timeline per vehicle" in page.inner_text("#view-board")
    page.wait_for_selector("#board-map .veh-icon")
    screenshots(page, "operator-board-english", ("desktop",))
    choose_lang(page, "ja")
    page.wait_for_selector("#view-board h1:text('運行状況')")
    page.keyboard.press("Alt+4")
    page.wait_for_selector(".kpis")
    # every figure has a chart (tests/web/test_operator_reports.py reads them against the API)
    assert page.locator("svg.chart[role=img]").count() >= 4
    check_axe(page, "operator: reports")
    screenshots(page, "operator-reports", ("desktop",))
    with page.expect_download() as dl:
        page.click("#csv-rides")
    path = dl.value.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].count(",") >= 3


def test_full_time_offers_alternatives_by_keyboard(
    new_page: Any, live: Live, caller: dict[str, Any]
) -> None:
    """When the asked time is full (409 with alternatives), its number key re-quotes one.

    The first quote's answer is replaced by the API's documented 409 so that the test does
    not have to fill the fleet; the re-quote goes to the real API.
    """
    page = new_page("desktop")
    login(page, live)
    day = live.clock.start.astimezone(TOKYO).date().isoformat()
    full = {
        "detail": {
            "code": "no_capacity",
            "message": "ご希望の時刻は満席です。",
            "message_ja": "ご希望の時刻は満席です。",
            "message_en": "That time is full.",
            "alternatives": [
                {
                    "pickup_window_start": f"{day}T07:00:00+00:00",
                    "pickup_window_end": f"{day}T07:15:00+00:00",
                    "estimated_dropoff": f"{day}T07:30:00+00:00",
                }
            ],
        }
    }
    calls: list[str] = []

    def once_full(route: Any) -> None:
        calls.append(route.request.url)
        if len(calls) == 1:
            route.fulfill(status=409, json=full)
        else:
            route.continue_()

    page.route("**/api/v1/quotes", once_full)
    keys = Keys(page)
    keys.press("Alt+1")
    keys.type(CALLER_PHONE[-4:])
    keys.press("Enter")
    page.wait_for_selector("#from:focus")
    keys.type("1")
    keys.press("Enter")
    keys.type("病院")
    keys.press("Enter")
    page.wait_for_selector("#to-opts[data-search='病院'] kbd")
    keys.type("1")
    keys.press("Enter")
    page.wait_for_selector("#date:focus")
    keys.type("0")
    keys.press("Enter")
    keys.type("1530")
    keys.press("Enter")
    alt = page.locator(".alt").first
    alt.wait_for()
    assert "満席" in page.inner_text("#offer")
    assert "16:00" in alt.inner_text()
    assert alt.evaluate("el => el === document.activeElement")
    screenshots(page, "operator-call-full", ("desktop",))
    keys.press("1")
    page.wait_for_selector("#confirm:focus", timeout=60000)
    assert "16:00" in page.inner_text(".offer")
    assert len(calls) == 2
