"""Operators see a member's no-show suspension on the member card and lift it by keyboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.web.conftest import OPERATOR, TOKYO, Live, check_axe, home_to_first_hospital, screenshots
from tests.web.seed import approved_member, no_shows

pytestmark = pytest.mark.browser

PHONE = "09062627171"  # no other browser test uses it


def _suspended_member(live: Live) -> dict[str, Any]:
    """Register a member and have drivers mark three of their rides as no-shows."""
    member = approved_member(
        live, name="息栖 三郎", kana="いきす さぶろう", phone=PHONE, password="saburo-2026",
        birth_date="1945-05-05",
    )
    day = live.clock.start.astimezone(TOKYO).date().isoformat()
    no_shows(live, member["id"], day, ("10:30", "12:00", "16:30"))
    return member


def test_operator_sees_and_lifts_a_suspension(new_page: Any, live: Live, fleet: list[str]) -> None:
    """The card shows the suspension and its end; a quote is refused in words; lifting clears it."""
    member = _suspended_member(live)
    card = live.api("GET", f"/api/v1/members/{member['id']}")
    assert card["no_shows"]["state"] == "suspended"
    until = datetime.fromisoformat(card["no_shows"]["suspended_until"]).astimezone(TOKYO)

    page = new_page("desktop")
    page.goto(live.url + "/operator")
    page.wait_for_selector("#op-user:focus")
    page.keyboard.type(OPERATOR[0])
    page.keyboard.press("Tab")
    page.keyboard.type(OPERATOR[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#q:focus")
    page.keyboard.type(PHONE)
    page.keyboard.press("Enter")
    box = page.locator(".member [data-no-show=suspended]")
    box.wait_for()
    badge = page.inner_text("#ns-badge")
    assert "利用停止中" in badge and f"{until.month}月{until.day}日" in badge, badge
    assert f"{until:%H:%M}" in badge, badge
    check_axe(page, "operator: suspended member card")
    screenshots(page, "operator-member-suspended", ("desktop",))

    # A quote for the suspended member is refused, and the console says so in words.
    home_to_first_hospital(page)
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.wait_for_selector("#time:focus")
    page.keyboard.type("1700")
    page.keyboard.press("Enter")
    refusal = page.locator("#offer [data-code=member_suspended]")
    refusal.wait_for()
    assert "停止を解除" in refusal.inner_text() and "予約を停止" in refusal.inner_text()

    # Lifting by keyboard: the button opens a reason field; an empty reason is refused.
    page.focus("#ns-open")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ns-reason:focus")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ns-error:not(:empty)")
    assert "理由" in page.inner_text("#ns-error")
    page.keyboard.type("体調不良のため（本人より電話）")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ns-result")
    assert page.locator(".member [data-no-show]").count() == 0
    assert "解除しました" in page.inner_text("#ns-result")
    check_axe(page, "operator: member card after lifting")
    after = live.api("GET", f"/api/v1/members/{member['id']}")
    assert after["no_shows"]["state"] == "ok" and after["no_shows"]["count"] == 0


def test_operator_voids_a_wrong_no_show(new_page: Any, live: Live, fleet: list[str]) -> None:
    """One of three no-shows was the driver's mistake: voiding it (with a reason, by keyboard)
    takes it off the count and ends the suspension it caused; the audit log keeps why."""
    phone = "09062627272"
    member = approved_member(
        live, name="息栖 四郎", kana="いきす しろう", phone=phone, password="shiro-2026",
        birth_date="1946-06-06",
    )  # fmt: skip
    day = live.clock.start.astimezone(TOKYO).date().isoformat()
    no_shows(live, member["id"], day, ("11:00", "13:30", "15:00"))
    assert live.api("GET", f"/api/v1/members/{member['id']}")["no_shows"]["state"] == "suspended"

    page = new_page("desktop")
    page.goto(live.url + "/operator")
    page.wait_for_selector("#op-user:focus")
    page.keyboard.type(OPERATOR[0])
    page.keyboard.press("Tab")
    page.keyboard.type(OPERATOR[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#q:focus")
    page.keyboard.type(phone)
    page.keyboard.press("Enter")
    page.locator(".member [data-no-show=suspended]").wait_for()
    voids = page.locator(".no-show-rides .nv-open")
    assert voids.count() == 3
    voids.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#nv-reason:focus")
    page.keyboard.press("Enter")  # no reason: refused
    page.wait_for_selector("#nv-error:not(:empty)")
    page.keyboard.type("乗務員の押し間違い（お客様は乗車場所にいた）")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ns-result")
    assert "取り消しました" in page.inner_text("#ns-result")
    assert page.locator(".no-show-rides .nv-open").count() == 2
    assert page.locator(".member [data-no-show=warned]").count() == 1
    check_axe(page, "operator: member card after voiding a no-show")
    after = live.api("GET", f"/api/v1/members/{member['id']}")
    assert (after["no_shows"]["state"], after["no_shows"]["count"]) == ("warned", 2)
    log = live.api("GET", "/api/v1/audit")
    entry = next(e for e in log if e["action"] == "ride.no_show_void")
    assert entry["after"]["reason"].startswith("乗務員の押し間違い")
