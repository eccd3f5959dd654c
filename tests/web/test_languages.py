"""Every app in every language of languages.json: axe-clean, the right lang, no raw key.

Each language is chosen from the header's menu as a person would. A key shown
instead of its message (``op.nav.call``) means a message is missing; Japanese
on an English screen (「自宅」, 「break · 1名」) means words were written into
the code. Easy Japanese (やさしい日本語) shows its furigana as <ruby>.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from tests.web.conftest import (
    DRIVER_PASSWORD,
    OPERATOR,
    ROOT,
    TOKYO,
    Live,
    check_axe,
    choose_lang,
    screenshots,
)
from tests.web.seed import approved_member, book_to_city_hall

pytestmark = pytest.mark.browser

LANG_DIR = ROOT / "booking_api" / "static" / "common" / "lang"
LANGUAGES = json.loads((LANG_DIR / "languages.json").read_text(encoding="utf-8"))
KEYS = sorted(json.loads((LANG_DIR / "ja.json").read_text(encoding="utf-8")), key=len)
RAW_KEY = re.compile(
    r"(?<![\w./])(" + "|".join(re.escape(k) for k in reversed(KEYS)) + r")(?![\w.])"
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
PHONE = "09077106006"
PASSWORD = "gengo-2026-pass"
SHORT = {"ja": "ja", "en": "en", "ja-x-easy": "easy"}

# What a person reads or hears: the visible text, the page title, and the names
# and hints given to assistive technology (the language button names Japanese on purpose).
SHOWN_JS = """() => [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[aria-label], [placeholder], [title]')]
    .filter(el => !el.closest('[hidden], .lang-switch'))
    .flatMap(el => [el.getAttribute('aria-label'), el.getAttribute('placeholder'),
                    el.getAttribute('title')])
].filter(Boolean).join('\\n')"""


def codes() -> list[str]:
    return [entry["code"] for entry in LANGUAGES]


def short(code: str) -> str:
    return SHORT.get(code, code)


def check_page(page: Any, code: str, what: str, *, no_japanese: bool = False) -> None:
    """axe, the page's lang, no raw message key; in English, optionally no Japanese at all."""
    entry = next(e for e in LANGUAGES if e["code"] == code)
    assert page.locator("html").get_attribute("lang") == entry.get("html_lang", code)
    check_axe(page, f"{what} [{code}]")
    shown = page.evaluate(SHOWN_JS)
    raw = sorted(set(RAW_KEY.findall(shown)))
    assert not raw, f"{what} [{code}] shows message keys instead of messages: {raw}"
    if no_japanese and code == "en":
        left = [line for line in shown.splitlines() if JAPANESE.search(line)]
        assert not left, f"{what} [en] still shows Japanese: {left[:10]}"


@pytest.fixture(scope="module")
def member(live: Live, fleet: list[str]) -> dict[str, Any]:
    """An approved member with one ride from home booked on the service day."""
    created = approved_member(
        live,
        name="言語 確認",
        kana="げんご かくにん",
        phone=PHONE,
        password=PASSWORD,
        birth_date="1947-07-07",
    )
    day = live.clock.start.astimezone(TOKYO).date().isoformat()
    later = (live.clock.start + timedelta(hours=5)).astimezone(TOKYO).strftime("%H:%M")
    created["ride"] = book_to_city_hall(live, created["id"], day, later)
    return created


@pytest.mark.parametrize("code", codes())
def test_resident_app_in_each_language(
    new_page: Any, live: Live, member: dict[str, Any], code: str
) -> None:
    """Welcome, login, the booking's first step and the bookings list read in the language."""
    page = new_page("phone")
    page.goto(live.url + "/#/")
    page.wait_for_selector("#view-welcome:not([hidden]) h1")
    choose_lang(page, code)
    check_page(page, code, "resident welcome", no_japanese=True)
    if code == "ja-x-easy":
        assert page.locator("#view-welcome ruby").count() > 0, "no furigana on the welcome page"
        assert page.locator("#view-welcome rt").first.inner_text().strip()
    screenshots(page, f"resident-welcome-{short(code)}", ("phone",))

    page.goto(live.url + "/#/login")
    page.wait_for_selector("#view-login:not([hidden]) h1")
    check_page(page, code, "resident login", no_japanese=True)
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-book:not([hidden]) .place-btn")
    check_page(page, code, "resident booking: where from")
    screenshots(page, f"resident-book-start-{short(code)}", ("phone",))

    page.goto(live.url + "/#/bookings")
    card = page.locator(".booking").first
    card.wait_for()
    check_page(page, code, "resident bookings")
    if code == "en":
        # the rider's home is the server's 「自宅」, the party and fare a whole phrase
        assert card.locator(".route").inner_text().startswith("Home")
        assert not JAPANESE.search(card.locator(".muted").first.inner_text())
        assert "Riders: 1" in card.inner_text()
    screenshots(page, f"resident-bookings-{short(code)}", ("phone",))


@pytest.mark.parametrize("code", codes())
def test_operator_console_in_each_language(
    new_page: Any, live: Live, fleet: list[str], code: str
) -> None:
    """The login page, the call screen and the board read in the language."""
    page = new_page("desktop")
    page.goto(live.url + "/operator")
    page.wait_for_selector("#view-login:not([hidden]) h1")
    choose_lang(page, code)
    check_page(page, code, "operator login", no_japanese=True)
    page.fill("#op-user", OPERATOR[0])
    page.fill("#op-pw", OPERATOR[1])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-call:not([hidden]) h1, #view-call:not([hidden]) h2")
    check_page(page, code, "operator call screen")
    screenshots(page, f"operator-call-{short(code)}", ("desktop",))
    page.click("#tab-board")
    page.wait_for_selector("#view-board:not([hidden]) h1, #view-board:not([hidden]) h2")
    check_page(page, code, "operator board")
    screenshots(page, f"operator-board-{short(code)}", ("desktop",))


@pytest.mark.parametrize("code", codes())
def test_tablet_in_each_language(
    new_page: Any, live: Live, fleet: list[str], member: dict[str, Any], code: str
) -> None:
    """The tablet's login and its day (stops, their kind and party) read in the language."""
    # the car that fetches the member (another test's car has a driver of its own)
    car = member["ride"].get("vehicle_id")
    car = car if car in fleet else fleet[0]
    page = new_page("tablet")
    page.goto(live.url + "/driver")
    page.wait_for_selector("#view-login:not([hidden]) h1")
    choose_lang(page, code)
    check_page(page, code, "tablet login", no_japanese=True)
    screenshots(page, f"tablet-login-{short(code)}", ("tablet",))
    page.fill("#dr-user", f"driver-{car.lower()}")
    page.fill("#dr-pw", DRIVER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-run:not([hidden])")
    page.wait_for_selector("#next :is(.nk, .done-all)")
    check_page(page, code, "tablet day")
    if code == "en":
        words = page.locator("#next .kind, #rest .rk, .tag, #next small, .nlabel").all_inner_texts()
        assert not [w for w in words if JAPANESE.search(w)], words
    screenshots(page, f"tablet-day-{short(code)}", ("tablet",))
