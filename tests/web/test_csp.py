"""The three web apps load and work under the Content-Security-Policy (no inline
script, no inline style attribute), with no violation reported, and the resident's
registration form explains a refused PIN next to the field.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import DRIVER_PASSWORD, OPERATOR, TOKYO, Live, check_axe, wait_until
from tests.web.seed import approved_member, book_to_city_hall

pytestmark = pytest.mark.browser

PHONE = "09077779999"  # no other browser test uses it (they share one server)
PASSWORD = "csp-check-2026"
# Every violation the page sees, whatever the console shows.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def _watched(new_page: Any, size: str) -> Any:
    page = new_page(size)
    page.add_init_script(WATCH)
    return page


def _violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__csp || []"))


def test_resident_app_works_under_the_policy(new_page: Any, live: Live) -> None:
    page = _watched(new_page, "phone")
    response = page.goto(live.url + "/#/register")
    assert "script-src 'self';" in response.headers["content-security-policy"]
    page.wait_for_selector("#reg-form")
    assert "6桁以上" in page.inner_text("#reg-pw-hint")  # the rule is shown with the field
    page.fill("#reg-name", "潮来 花子")
    page.fill("#reg-kana", "いたこ はなこ")
    page.fill("#reg-birth", "1948-04-01")
    page.fill("#reg-phone", "09012340000")
    page.fill("#reg-address", "神栖市溝口")
    page.click("#reg-locate")
    wait_until(page, "document.querySelector('#reg-home-status').textContent.length > 0")
    page.check("input[name=consent_terms]")
    page.check("input[name=consent_privacy]")
    for pin, words in (("0000", "6桁以上"), ("123456", "連続"), ("480401", "生年月日")):
        page.fill("#reg-pw", pin)
        page.click("#reg-form button[type=submit]")
        page.wait_for_selector("#reg-pw-error:not([hidden])")
        assert words in page.inner_text("#reg-pw-error"), pin
        assert page.get_attribute("#reg-pw", "aria-invalid") == "true"
    check_axe(page, "registration: PIN refused")
    page.fill("#reg-pw", "730519")
    page.click("#reg-form button[type=submit]")
    page.wait_for_selector("#view-registered:not([hidden])")
    # Signed in, the booking pages work too.
    approved_member(
        live, name="潮来 次郎", kana="いたこ じろう", phone=PHONE, password=PASSWORD,
        birth_date="1944-02-02",
    )  # fmt: skip
    page.goto(live.url + "/#/login")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".place-btn")
    # the registration's map, drawn by MapLibre (its workers from blob:) or by Leaflet
    page.wait_for_selector("#reg-map[data-map]", state="attached")
    assert _violations(page) == []


def test_operator_console_and_board_work_under_the_policy(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    member = approved_member(
        live, name="潮来 三郎", kana="いたこ さぶろう", phone="09077770001", password=PASSWORD,
        birth_date="1940-03-03",
    )  # fmt: skip
    day = live.clock.start.astimezone(TOKYO).date()
    book_to_city_hall(live, member["id"], day.isoformat(), "11:00")
    page = _watched(new_page, "desktop")
    response = page.goto(live.url + "/operator")
    assert "style-src 'self';" in response.headers["content-security-policy"]
    page.wait_for_selector("#op-user:focus")
    page.fill("#op-user", OPERATOR[0])
    page.fill("#op-pw", OPERATOR[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-call:not([hidden])")
    # The PIN reset on the member card shows the rule and why a PIN is refused, at the field.
    page.fill("#q", "09077770001")
    page.keyboard.press("Enter")
    page.wait_for_selector(".member")
    page.click(".pw summary")
    assert "6桁以上" in page.inner_text("#pw-hint")
    page.fill("#pw-new", "000000")
    page.click("#pw-form button[type=submit]")
    page.wait_for_selector("#pw-new-error:not([hidden])")
    assert "推測" in page.inner_text("#pw-new-error")
    assert page.get_attribute("#pw-new", "aria-invalid") == "true"
    page.keyboard.press("Alt+3")  # the day board: its bars are placed through the CSSOM
    page.wait_for_selector(".g-bar")
    left = page.evaluate("getComputedStyle(document.querySelector('.g-bar')).left")
    width = page.evaluate("document.querySelector('.g-bar').style.width")
    assert left.endswith("px") and width.endswith("%")
    assert page.locator(".g-axis span").count() > 0
    assert _violations(page) == []


def test_driver_tablet_works_under_the_policy(new_page: Any, live: Live, fleet: list[str]) -> None:
    page = _watched(new_page, "tablet")
    response = page.goto(live.url + "/driver")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.fill("#dr-user", f"driver-{fleet[0].lower()}")
    page.fill("#dr-pw", DRIVER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-run:not([hidden])")
    page.wait_for_selector("#dr-map[data-map]")  # the basemap, or Leaflet without WebGL
    assert _violations(page) == []
