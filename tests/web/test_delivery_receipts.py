"""Delivery receipts on the operator's screens (issue 12 §3), in a real browser: two members
are told of their approval by SMS through the local gateway, which posts one receipt
"delivered" and one "undelivered" to the running server over HTTP; the delivery log, the
member card and the daily count say delivered, failed (and why) apart from sent."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from notify.channels.peers.sms import SmsGatewayPeer, SmsRecord
from notify.channels.sms import SmsChannel, SmsConfig
from tests.web.conftest import TOKYO, Live, check_axe, wait_until
from tests.web.seed import approved_member
from tests.web.test_operator import login

pytestmark = pytest.mark.browser
SECRET = "web-receipt-secret-0123456789"


def _tell_by_sms(live: Live, gateway: SmsGatewayPeer) -> None:
    """Run the notifier once: SMS through the gateway, asking for receipts at the server."""
    from booking_api.notifications import make_feed, notify_config
    from notify.worker import Notifier

    state = live.app.state.noriai
    sms = SmsChannel(SmsConfig(gateway.url, gateway.api_key, "KAMISU",
                               f"{live.url}/api/v1/receipts/sms"))  # fmt: skip
    worker = Notifier(state.db, {"sms": sms}, notify_config(state.settings), live.clock.now,
                      make_feed(state.settings), "web-receipts")  # fmt: skip

    async def drain() -> None:
        while await worker.run_once():
            pass

    # Playwright's sync API holds this thread's event loop: the worker runs in its own.
    t = threading.Thread(target=lambda: asyncio.run(drain()))
    t.start()
    t.join(60)


def test_the_operator_sees_delivered_and_failed_sms_apart_from_sent(
    new_page: Any, live: Live, fleet: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log's 配達確認済み with its time, the card's 失敗 with the receipt's reason, and
    the reports' SMS row counting delivered and failed as the API does."""
    monkeypatch.setattr(live.app.state.noriai.settings, "sms_receipt_secret", SECRET)

    def fate(record: SmsRecord) -> tuple[str, str]:
        return ("undelivered", "27") if record.to.endswith("1402") else ("delivered", "")

    with SmsGatewayPeer(receipt_secret=SECRET, clock=lambda: live.clock.now().timestamp(),
                        fate=fate) as gateway:  # fmt: skip
        _tell_by_sms(live, gateway)  # whatever earlier tests left queued goes first
        gateway.wait_receipts(len(gateway.received))
        seen = len(gateway.receipts)
        reached = approved_member(live, name="着信 一子", kana="ちゃくしん いちこ",
                                  phone="090-5555-1401", password="recv-2026-a",
                                  birth_date="1944-01-01")  # fmt: skip
        off = approved_member(live, name="圏外 二郎", kana="けんがい じろう",
                              phone="090-5555-1402", password="recv-2026-b",
                              birth_date="1943-02-02")  # fmt: skip
        _tell_by_sms(live, gateway)
        posted = gateway.wait_receipts(seen + 2)[seen:]
        assert sorted((p.status, p.answer) for p in posted) == [("delivered", 200),
                                                                ("undelivered", 200)]  # fmt: skip
    mine = live.api("GET", f"/api/v1/deliveries?member_id={reached['id']}")["items"]
    assert [(d["status"], bool(d["delivered_at"])) for d in mine] == [("delivered", True)]
    page = new_page("desktop")
    login(page, live)
    page.goto(live.url + "/operator#/deliveries")
    page.wait_for_selector("#dl-form")
    page.select_option("#dl-status", "delivered")
    page.click("#dl-search")
    row = page.locator(f"#dl-table tr[data-id='{mine[0]['id']}']")
    row.wait_for()
    assert "配達確認済み" in row.inner_text() and "配達確認 " in row.inner_text()
    assert row.locator("[data-status=delivered]").count() == 1
    wait_until(page, "[...document.querySelectorAll('#dl-table [data-status]')]"
               ".every(s => s.dataset.status === 'delivered')")  # fmt: skip
    check_axe(page, "operator: delivery log with delivered SMS")
    # the member card of the one whose phone was off
    page.keyboard.press("Alt+1")
    page.wait_for_selector("#q:focus")
    page.keyboard.type("09055551402")
    page.keyboard.press("Enter")
    page.wait_for_selector(".member #m-dl li[data-status=failed]")
    card = page.inner_text(".member .m-deliveries")
    assert "失敗" in card and "receipt: undelivered (27)" in card, card
    assert off["id"]
    # the reports' daily count: delivered and failed on today's SMS row, as the API has them
    day = live.clock.now().astimezone(TOKYO).date().isoformat()
    report = live.api("GET", f"/api/v1/reports/deliveries?start={day}&end={day}")
    sms = next(d for d in report["days"] if d["channel"] == "sms")
    assert sms["delivered"] >= 1 and sms["failed"] >= 1
    page.keyboard.press("Alt+4")
    page.wait_for_selector("#dr-table")
    cells = page.locator(f"#dr-table tbody tr[data-date='{day}'][data-channel='sms']")
    assert cells.locator("td[data-col='delivered']").inner_text() == f"{sms['delivered']}件"
    assert cells.locator("td[data-col='failed']").inner_text() == f"{sms['failed']}件"
    voice = page.locator(f"#dr-table tbody tr[data-date='{day}'][data-channel='voice']")
    if voice.count():  # calls report no receipts: not a count
        assert voice.locator("td[data-col='delivered']").inner_text() == "—"
    assert "配達確認" in page.inner_text("#dr-note")
