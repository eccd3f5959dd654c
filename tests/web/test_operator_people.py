"""People and oversight in a real browser, as an admin, by keyboard where it matters: a driver
account linked to a vehicle, its password reset (the old session refused) and the account
disabled with a reason and a confirm step; a standing order made for a member, paused over a
day, with the dates it could not place and why; the audit log filtered to find those writes.
Japanese and English, axe-clean."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.web.conftest import ADMIN, Live, check_axe, choose_lang, screenshots, wait_until
from tests.web.seed import approved_member

pytestmark = pytest.mark.browser


def _login_admin(page: Any, live: Live) -> None:
    page.goto(live.url + "/operator")
    page.wait_for_selector("#op-user:focus")
    page.keyboard.type(ADMIN[0])
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-call:not([hidden])")


def _me(live: Live, token: str) -> int:
    r = httpx.get(f"{live.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    return r.status_code


def test_accounts_standing_orders_and_the_audit_log(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    page = new_page("desktop")
    _login_admin(page, live)
    tag = uuid.uuid4().hex[:6]
    username = f"drv-people-{tag}"
    # --- accounts: a driver for the first vehicle, with a generated password
    page.keyboard.press("Alt+8")
    page.wait_for_selector("#acc-table")
    assert page.inner_text("#view-accounts h1") == "アカウント"
    page.fill("#acc-username", username)
    page.fill("#acc-name", "人事 太郎")
    page.select_option("#acc-role", "driver")
    page.select_option("#acc-vehicle", fleet[0])
    page.click("#acc-gen")
    password = page.input_value("#acc-password")
    assert len(password) == 14
    page.click("#acc-create")
    row = f"tr[data-username='{username}']"
    page.wait_for_selector(row)
    assert fleet[0] in page.inner_text(row)
    res = httpx.post(
        f"{live.url}/api/v1/auth/login", json={"login": username, "password": password}
    )
    old = res.json()["token"]
    assert _me(live, old) == 200
    check_axe(page, "operator: accounts")
    # link to the other vehicle
    page.click(f"{row} .acc-open")
    page.wait_for_selector("#acc-panel-title:focus")
    page.select_option("#acc-link-vehicle", fleet[1])
    page.click("#acc-link button[type=submit]")
    page.wait_for_selector(f"{row} td:text('{fleet[1]}')")
    # reset the password: typed by the generator, shown once; the old session is refused
    page.click("#acc-pw-gen")
    new_password = page.input_value("#acc-pw-new")
    page.click("#acc-pw-save")
    page.wait_for_selector(f"#acc-note:has-text('{new_password}')")
    assert _me(live, old) == 401
    # disable: a reason is asked for, then a confirm step
    page.click("#acc-state-go")
    assert page.inner_text("#acc-reason-error")
    assert page.get_attribute("#acc-reason", "aria-invalid") == "true"
    page.fill("#acc-reason", "退職のため")
    page.keyboard.press("Enter")
    page.wait_for_selector("#acc-confirm-yes:focus")
    check_axe(page, "operator: accounts, disable confirm")
    screenshots(page, "operator-accounts", ("desktop", "tablet"))
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{row} td strong:text('無効')")
    res = httpx.post(
        f"{live.url}/api/v1/auth/login", json={"login": username, "password": new_password}
    )
    assert res.status_code == 401
    # --- standing orders: a member's, for a week from today, from home to a place
    phone = f"0299-{tag[:2].encode().hex()[:2]}-{int(tag, 16) % 10000:04d}"
    member = approved_member(live, name="定期 花子", kana="ていき はなこ", phone=phone,
                             password="582047", birth_date="1944-05-06")  # fmt: skip
    today = (live.clock.now() + timedelta(hours=9)).date()
    place = live.api("GET", "/api/v1/places?q=%E7%97%85%E9%99%A2&limit=1")[0]  # 病院
    page.keyboard.press("Alt+7")
    page.wait_for_selector("#ser-q")
    page.fill("#ser-q", member["member_number"])
    page.keyboard.press("Enter")
    page.click(".ser-pick")
    page.wait_for_selector("#ser-new input[name=wd]:focus")
    for d in (today, today + timedelta(days=1), today + timedelta(days=2)):
        page.check(f"#ser-new input[name=wd][value='{d.weekday()}']")
    page.fill("#sn-until", (today + timedelta(days=9)).isoformat())
    page.fill("#sn-to", place["name"])
    page.click(f".sn-place[data-id='{place['id']}']")
    page.click("#sn-go")
    page.wait_for_selector("#ser-occ")
    unplaced = page.locator("#ser-occ tr[data-status='unplaced']")
    assert unplaced.count() >= 1
    reason = unplaced.first.locator("td").nth(1).inner_text()
    assert reason, "an unplaced date says why"
    detail = live.api("GET", f"/api/v1/series?member_id={member['id']}")[0]
    assert detail["unplaced"] == unplaced.count()
    check_axe(page, "operator: standing order")
    # pause over today (a holiday, say): today's ride, if booked, is cancelled
    page.fill("#sp-from", today.isoformat())
    page.fill("#sp-to", today.isoformat())
    page.fill("#sp-reason", "祝日")
    page.click("#sp-go")
    page.wait_for_selector(f"#ser-occ tr[data-date='{today}'][data-status='paused']")
    page.wait_for_selector("#ser-pauses .ser-resume")
    screenshots(page, "operator-series", ("desktop", "tablet"))
    # --- the audit log: the account's disabling and the member's standing order
    page.keyboard.press("Alt+9")
    page.wait_for_selector("#au-table")
    page.select_option("#au-action", "account.")
    page.click("#au-search")
    wait_until(page, "!!document.querySelector(\"#au-table tr[data-action='account.disable']\")")
    assert "退職のため" in page.inner_text("#au-table tr[data-action='account.disable']")
    page.select_option("#au-action", "")
    page.fill("#au-member", member["member_number"])
    page.click("#au-search")
    wait_until(page, "!!document.querySelector(\"#au-table tr[data-action='series.pause']\")")
    actions = page.eval_on_selector_all("#au-table tbody tr", "rs => rs.map(r => r.dataset.action)")
    assert "series.create" in actions and "account.disable" not in actions
    check_axe(page, "operator: audit log")
    screenshots(page, "operator-audit", ("desktop",))
    # --- English
    choose_lang(page, "en")
    page.wait_for_selector("#view-audit h1:text('Audit log')")
    check_axe(page, "operator: audit log (English)")
    page.keyboard.press("Alt+8")
    page.wait_for_selector("#view-accounts h1:text('Accounts')")
    check_axe(page, "operator: accounts (English)")
    page.keyboard.press("Alt+7")
    page.wait_for_selector("#view-series h1:text('Standing orders')")
    page.click("#ser-all")
    page.click(f"#ser-table tr[data-id='{detail['id']}'] .ser-open")
    page.wait_for_selector("#ser-occ th:text('Why not placed')")
    check_axe(page, "operator: standing order (English)")
    choose_lang(page, "ja")
