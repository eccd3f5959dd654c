"""The reports tab's daily notification count in a real browser (issue 12 §3): an office
broadcast queues messages, and the operator sees them on today's row for each channel,
the same figures as the API, in Japanese and English, axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import TOKYO, Live, check_axe, choose_lang, wait_until
from tests.web.test_operator import login

pytestmark = pytest.mark.browser


def _report(live: Live, day: str) -> dict[str, dict[str, Any]]:
    r = live.api("GET", f"/api/v1/reports/deliveries?start={day}&end={day}")
    return {d["channel"]: d for d in r["days"]}


def test_the_operator_sees_todays_notifications_by_channel(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """A broadcast's messages appear as queued on today's SMS and email rows."""
    member = live.api(
        "POST",
        "/api/v1/members",
        json={
            "name": "配信 花子", "kana": "はいしん はなこ", "birth_date": "1946-06-06",
            "phone": "08061230606", "address": "神栖市大野原", "home_lat": 35.899980,
            "home_lon": 140.623187, "consent_terms": True, "consent_privacy": True,
            "password": "deliver-2026", "channel": "phone", "approve": True,
            "email": "hanako.haishin@example.jp",
        },
    )  # fmt: skip
    day = live.clock.now().astimezone(TOKYO).date().isoformat()
    before = _report(live, day)
    target = {"area": member["home_area"]}
    preview = live.api("POST", "/api/v1/broadcasts/preview", json=target)
    assert preview["by_channel"].get("sms", 0) >= 1 and preview["by_channel"].get("email", 0) >= 1
    live.api("POST", "/api/v1/broadcasts", json={**target, "message_ja": "配信数の確認です",
             "expected": preview["recipients"]})  # fmt: skip
    after = _report(live, day)
    for channel, n in preview["by_channel"].items():  # exactly the broadcast's messages more
        assert after[channel]["queued"] - before[channel]["queued"] == n
        assert after[channel]["total"] - before[channel]["total"] == n
    page = new_page("desktop")
    login(page, live)
    page.keyboard.press("Alt+4")
    page.wait_for_selector("#dr-table")
    row = page.locator(f"#dr-table tbody tr[data-date='{day}'][data-channel='sms']")
    assert row.locator("td[data-col='queued']").inner_text() == f"{after['sms']['queued']}件"
    assert row.locator("td[data-col='sent']").inner_text() == f"{after['sms']['sent']}件"
    # SMS receipts are off on this server: "delivered" is not a count, unless an earlier
    # test's receipts (test_delivery_receipts) confirmed some today; email never has any
    delivered = after["sms"]["delivered"]
    shown = "—" if delivered is None else f"{delivered}件"
    assert row.locator("td[data-col='delivered']").inner_text() == shown
    mail = page.locator(f"#dr-table tbody tr[data-date='{day}'][data-channel='email']")
    assert mail.locator("td[data-col='delivered']").inner_text() == "—"
    assert row.locator("td[data-col='total']").inner_text() == f"{after['sms']['total']}件"
    email = page.locator(f"#dr-table tbody tr[data-date='{day}'][data-channel='email'] td")
    assert email.first.inner_text() == f"{after['email']['queued']}件"
    # a day with deliveries has a row per channel, a day without one line; totals at the foot
    start, end = page.input_value("#r-start"), page.input_value("#r-end")
    full = live.api("GET", f"/api/v1/reports/deliveries?start={start}&end={end}")
    busy = {d["date"] for d in full["days"] if d["total"]}
    quiet = {d["date"] for d in full["days"]} - busy
    assert page.locator("#dr-table tbody tr[data-channel]").count() == 4 * len(busy)
    assert page.locator("#dr-table tbody tr[data-empty]").count() == len(quiet) > 0
    sms_total = next(t for t in full["totals"] if t["channel"] == "sms")
    foot = page.locator("#dr-table tfoot tr[data-total='sms'] td[data-col='queued']")
    assert foot.inner_text() == f"{sms_total['queued']}件"
    assert "配信数" in page.inner_text("#r-deliveries h2")
    assert "日本時間" in page.inner_text("#dr-lead")
    check_axe(page, "operator: reports, notifications by channel")
    page.set_viewport_size({"width": 390, "height": 844})  # the table scrolls, not the page
    wait_until(page, "document.querySelector('#r-deliveries').scrollWidth"
               " <= document.querySelector('#r-deliveries').clientWidth", 5)  # fmt: skip
    page.set_viewport_size({"width": 1440, "height": 900})
    choose_lang(page, "en")
    page.wait_for_selector("#r-deliveries h2:has-text('Notifications by day and channel')")
    assert "Queued" in page.inner_text("#dr-table thead")
    check_axe(page, "operator: reports, notifications by channel (en)")
