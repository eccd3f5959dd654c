"""The approval tab: a second application of one person is flagged with the member it
matches, and the member number issued stays on screen until staff dismiss it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import OPERATOR, Live, check_axe, choose_lang, screenshots

pytestmark = pytest.mark.browser

HOME = (35.888975, 140.643843)


def application(**over: Any) -> dict[str, Any]:
    body = {
        "name": "重複 太郎", "kana": "ちょうふく たろう", "birth_date": "1944-04-04",
        "phone": "0299-71-0001", "address": "神栖市溝口1-1", "home_lat": HOME[0],
        "home_lon": HOME[1], "consent_terms": True, "consent_privacy": True,
        "password": "dup-pass-77",
    }  # fmt: skip
    return {**body, **over}


def test_duplicate_is_flagged_and_the_number_stays(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """The twin application names the approved member; approving shows the number until closed."""
    first = live.api(
        "POST", "/api/v1/members", json={**application(), "channel": "counter", "approve": True}
    )
    # The same person applies online again, typing the reading in katakana.
    twin = application(kana="チョウフク タロウ", phone="０２９９ー７１ー０００２")
    res = httpx.post(live.url + "/api/v1/registrations", json=twin, timeout=30)
    assert res.status_code == 201, res.text
    pending = res.json()["member"]
    assert pending["kana"] == "ちょうふく たろう" and pending["phone"] == "0299-71-0002"

    page = new_page("desktop")
    page.goto(live.url + "/operator")
    page.wait_for_selector("#op-user:focus")
    page.keyboard.type(OPERATOR[0])
    page.keyboard.press("Tab")
    page.keyboard.type(OPERATOR[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-call:not([hidden])")
    page.goto(live.url + "/operator#/approvals")
    card = page.locator(f".applicant[data-id='{pending['id']}']")
    card.wait_for()
    flag = card.locator(".duplicate")
    assert first["member_number"] in flag.inner_text()
    assert "氏名・生年月日が同じ" in flag.inner_text()
    check_axe(page, "operator: approvals with a duplicate")
    screenshots(page, "operator-approvals-duplicate", ("desktop",))
    choose_lang(page, "en")
    page.locator(f".applicant[data-id='{pending['id']}'] .duplicate").wait_for()
    assert "same name and birth date" in page.inner_text(f".applicant[data-id='{pending['id']}']")
    check_axe(page, "operator: approvals with a duplicate (English)")
    choose_lang(page, "ja")

    page.locator(f".applicant[data-id='{pending['id']}'] .approve").click()
    issued = page.locator(f"#issued .issued[data-id='{pending['id']}']")
    issued.wait_for()
    number = live.api("GET", f"/api/v1/members/{pending['id']}")["member_number"]
    assert number and number in issued.inner_text()
    # It stays when staff go to another tab and come back (it was a 4-second toast).
    page.goto(live.url + "/operator#/call")
    page.wait_for_selector("#view-call:not([hidden])")
    page.goto(live.url + "/operator#/approvals")
    issued.wait_for()
    assert number in issued.inner_text()
    check_axe(page, "operator: approvals after approving")
    screenshots(page, "operator-approvals-issued", ("desktop",))
    issued.locator(".dismiss").click()
    assert page.locator(f"#issued .issued[data-id='{pending['id']}']").count() == 0
