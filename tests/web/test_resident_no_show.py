"""Residents with no-shows see the warning (in their language) before they start booking."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import TOKYO, Live
from tests.web.seed import approved_member, no_shows

pytestmark = pytest.mark.browser

PHONE = "09044441234"
PASSWORD = "no-show-1"


def test_two_no_shows_show_a_warning_on_the_booking_page(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """After two rides marked no-show by the driver, the first booking step warns the rider."""
    member = approved_member(
        live, name="日川 四郎", kana="にっかわ しろう", phone=PHONE, password=PASSWORD,
        birth_date="1947-07-07",
    )
    day = live.clock.start.astimezone(TOKYO).date().isoformat()
    no_shows(live, member["id"], day, ("14:00", "15:30"))
    page = new_page("phone")
    page.goto(live.url + "/#/login")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    notice = page.locator("#book-step [data-no-show=warned]")
    notice.wait_for(timeout=20000)
    assert "2回" in notice.inner_text() and notice.get_attribute("role") == "alert"
    assert page.locator(".place-btn").count() >= 1  # warned members can still book
