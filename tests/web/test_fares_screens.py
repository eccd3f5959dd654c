"""Fares on the three screens (issue 13): a coupon book sold at the console's counter with its
receipt, a ride paid with it at drop-off on the tablet, the resident's wallet one ride down,
the driver's cash count, and the office's day of takings, cash counts and a correction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.web.conftest import (
    DRIVER_PASSWORD,
    OPERATOR,
    TOKYO,
    Live,
    assert_reflows,
    check_axe,
    choose_lang,
    screenshots,
    wait_until,
)

pytestmark = pytest.mark.browser

PHONE = "09013130013"
PASSWORD = "fares-rider-13"
CAR = "V13"
QUEUE_LEN = "JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]').length"


@pytest.fixture(scope="module")
def car(live: Live, fleet: list[str]) -> Iterator[str]:
    """Vehicle V13 on shift with its own driver, so the test's ride is its only one.

    The background re-planning is paused (it could move the ride to a nearer car) and
    started again afterwards; V13 then breaks down so it takes no later test's ride.
    """
    from booking_api.wiring import start_background_loop
    from dispatch.domain import LatLon
    from tests.web.seed import staff_account

    state = live.app.state.noriai
    if state.background is not None:
        stop, thread = state.background
        stop.set()
        thread.join(10)
        state.background = None
    engine = state.engine
    engine.add_vehicle(CAR, depot=LatLon(35.899980, 140.623187), name="神栖13号", seats=4)
    start = live.clock.start
    day = start.astimezone(TOKYO).date()
    engine.set_shift(CAR, day, start - timedelta(hours=1), start + timedelta(hours=8))
    staff_account(live, f"driver-{CAR.lower()}", DRIVER_PASSWORD, "driver", vehicle_id=CAR)
    try:
        yield CAR
    finally:
        for r in engine.list_rides(vehicle_id=CAR, service_date=day):
            if r.status.value in ("assigned", "en_route", "arrived"):
                engine.cancel(r.ride_id, by="test", reason="end of the fare tests")
        engine.breakdown(CAR)
        start_background_loop(state)


def operator_fares(new_page: Any, live: Live) -> Any:
    """The console's 運賃・券 tab, logged in as an operator with the keyboard."""
    page = new_page("desktop", bypass_csp=True)
    page.goto(live.url + "/operator")
    page.wait_for_selector("#op-user:focus")
    page.keyboard.type(OPERATOR[0])
    page.keyboard.press("Tab")
    page.keyboard.type(OPERATOR[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-call:not([hidden])")
    page.click("#tab-fares")
    page.wait_for_selector("#view-fares:not([hidden]) #fa-q")
    return page


def test_coupon_sold_used_on_board_and_seen_by_resident_and_office(
    new_page: Any, live: Live, car: str
) -> None:
    """Counter sale → ride paid by ticket at 降車 → wallet 10 left → the office's takings."""
    from tests.web.seed import approved_member, book_to_city_hall, driver_tap

    member = approved_member(
        live, name="券田 花子", kana="けんだ はなこ", phone=PHONE, password=PASSWORD,
        birth_date="1950-05-05",
    )  # fmt: skip

    # 1. the counter: find the member, sell a coupon book for 5,000 yen in cash
    op = operator_fares(new_page, live)
    op.fill("#fa-q", "")
    op.click("#fa-find button[type=submit]")
    # an empty search is refused next to its field
    wait_until(op, "document.querySelector('#fa-q-error').textContent.length > 0")
    op.fill("#fa-q", PHONE)
    op.keyboard.press("Enter")
    op.locator("#fa-found button", has_text="券田 花子").click()
    op.locator("#fa-sale").wait_for()
    assert "券はありません" in op.inner_text("#fa-wallet")
    op.select_option("#fa-product", "coupon11")
    op.fill("#fa-received", "2000")
    op.click("#fa-sale button[type=submit]")
    error = op.locator("#fa-received-error")
    error.wait_for()
    wait_until(op, "document.querySelector('#fa-received-error').textContent.length > 0")
    assert "3,000円" in error.inner_text()
    assert op.get_attribute("#fa-received", "aria-invalid") == "true"
    op.fill("#fa-received", "5000")
    assert "おつり 2,000円" in op.inner_text("#fa-change")
    op.click("#fa-sale button[type=submit]")
    card = op.locator("#fa-receipt-card")
    card.wait_for()
    text = card.inner_text()
    assert "領収書" in text and "3,000円" in text and "2,000円" in text and "券田 花子" in text
    assert "残り" not in text  # the receipt, not the wallet
    assert "11" in op.inner_text("#fa-wallet table")
    check_axe(op, "console fares tab with a receipt (ja)")
    screenshots(op, "operator-fares-receipt", ("desktop",))
    op.emulate_media(media="print")
    assert op.is_visible("#fa-receipt-card") and not op.is_visible("#fa-print")
    screenshots(op, "operator-fares-receipt-print", ("desktop",))
    op.emulate_media(media="screen")

    # 2. the member's ride, on V13; the driver picks up (through the API) ...
    t = (live.clock.now() + timedelta(minutes=45)).astimezone(TOKYO)
    t += timedelta(minutes=(5 - t.minute % 5) % 5)
    ride = book_to_city_hall(live, member["id"], t.date().isoformat(), t.strftime("%H:%M"))
    if ride["vehicle_id"] != car:
        ride = live.api(
            "POST", f"/api/v1/operator/rides/{ride['id']}/move", json={"vehicle_id": car}
        )
    driver_tap(live, ride, "arrived", "boarded")

    # 3. ... and records the ticket at 降車 on the tablet: the dialog first, then 降車
    tab = new_page("tablet", bypass_csp=True)
    tab.goto(live.url + "/driver")
    tab.fill("#dr-user", f"driver-{car.lower()}")
    tab.fill("#dr-pw", DRIVER_PASSWORD)
    tab.click("#login-form button[type=submit]")
    tab.locator("#next .tap[data-tap=dropped_off]").click()
    tab.locator("#pay-body [data-method=ticket]").wait_for()
    assert "300円" in tab.inner_text("#pay-due")
    methods = tab.eval_on_selector_all(
        "#pay-body [data-method]", "bs => bs.map(b => b.dataset.method)"
    )
    assert methods == ["ticket", "cash", "ic", "qr"]
    assert "回数券（11回分）" in tab.inner_text("#pay-body [data-method=ticket]")
    tab.click("#pay-body [data-method=cash]")
    tab.fill("#pay-received", "100")
    assert "足りません" in tab.inner_text("#pay-change")
    tab.click("#pay-unpaid")
    assert tab.is_visible("#pay-reasons [data-reason=no_money]")
    check_axe(tab, "tablet: the fare at drop-off (ja)")
    screenshots(tab, "driver-pay", ("tablet",))
    tab.click("#pay-dialog button[value='']")  # やめる: nothing recorded, 降車 not sent
    assert tab.evaluate(QUEUE_LEN) == 0
    for code in ("en", "ja-x-easy"):
        choose_lang(tab, code)
        tab.locator("#next .tap[data-tap=dropped_off]").click()
        tab.locator("#pay-body [data-method=ticket]").wait_for()
        check_axe(tab, f"tablet: the fare at drop-off ({code})")
        tab.click("#pay-dialog button[value='']")
    choose_lang(tab, "ja")
    tab.locator("#next .tap[data-tap=dropped_off]").click()
    tab.click("#pay-body [data-method=ticket]")
    wait_until(tab, "!document.querySelector('#pay-dialog').open")
    wait_until(tab, f"{QUEUE_LEN} === 0")
    status = ""
    for _ in range(50):
        status = live.api("GET", f"/api/v1/bookings/{ride['id']}")["status"]
        if status == "completed":
            break
        tab.wait_for_timeout(200)
    assert status == "completed"

    # end of the shift: no cash was taken; the driver counts 100 yen, a difference
    tab.click("#cash-btn")
    tab.locator("#cash-yen").wait_for()
    assert "0円" in tab.inner_text("#cash-body")
    tab.click("#cash-form button[type=submit]")
    assert tab.inner_text("#cash-yen-error")
    tab.fill("#cash-yen", "100")
    tab.fill("#cash-note", "小銭が残っていた")
    tab.click("#cash-form button[type=submit]")
    tab.locator("#cash-body [role=status]").wait_for()
    assert "100円" in tab.inner_text("#cash-body [role=status]")
    check_axe(tab, "tablet: the cash count")
    screenshots(tab, "driver-cash-count", ("tablet",))

    # 4. the resident's wallet: one ride down
    res = new_page("phone", bypass_csp=True)
    res.goto(live.url + "/#/login")
    res.fill("#login-id", PHONE)
    res.fill("#login-pw", PASSWORD)
    res.click("#login-form button[type=submit]")
    res.wait_for_selector("#view-book:not([hidden])")
    res.click("#tab-wallet")
    res.locator("#view-wallet .wallet-card").wait_for()
    text = res.inner_text("#view-wallet")
    assert "残り 10 回" in text and "回数券（11回分）" in text
    assert "乗車" in res.inner_text("#view-wallet .wallet-history")
    assert "窓口" in text
    check_axe(res, "resident wallet (ja)")
    assert_reflows(res, "resident wallet")
    screenshots(res, "resident-wallet", ("phone",))
    # the tab is drawn again in the new language once its answer is back: wait for the words
    for code, left in (("en", "10 rides left"), ("ja-x-easy", "のこり 10かい")):
        choose_lang(res, code)
        res.locator("#view-wallet .wallet-card", has_text=left).wait_for()
        check_axe(res, f"resident wallet ({code})")
    choose_lang(res, "en")
    res.locator("#view-wallet .wallet-card", has_text="10 rides left").wait_for()

    # 5. the office: the day's takings include the sale; V13's count is flagged
    op.reload()
    op.locator("#fa-total").wait_for()
    wait_until(op, "document.querySelectorAll('#fa-cash tr.flagged').length > 0")
    assert "3,000円" in op.inner_text("#fa-takings")
    assert "窓口" in op.inner_text("#fa-takings table")
    row = op.locator("#fa-cash tr", has_text=car)
    assert "差額あり" in row.inner_text() and "100円" in row.inner_text()
    check_axe(op, "console fares tab: the day (ja)")
    screenshots(op, "operator-fares-day", ("desktop",))

    # a wrong row is corrected with a confirmation and a reason, as a new row
    used = op.locator("#fa-ledger tr").filter(has_text="乗車で使用").filter(has_text="回数券")
    fix = used.locator("[data-fix]").first
    fix.click()
    op.locator("#fa-fix[open]").wait_for()
    op.click("#fa-fix button[type=submit]")
    assert op.inner_text("#fa-fix-error")  # no reason, no correction
    op.click("#fa-fix-no")
    assert not op.is_visible("#fa-fix")
    fix.click()
    op.fill("#fa-fix-reason", "降車時の記録の誤り（テスト）")
    op.click("#fa-fix button[type=submit]")
    op.locator("#fa-ledger", has_text="訂正済み").wait_for()
    wallet = live.api("GET", f"/api/v1/members/{member['id']}/wallet")
    assert wallet["holdings"][0]["rides_left"] == 11  # the ride given back
    choose_lang(op, "en")
    op.locator("#fa-ledger", has_text="Corrected").wait_for()
    check_axe(op, "console fares tab (en)")
    with op.expect_download() as dl:
        op.click("#fa-csv")
    assert dl.value.suggested_filename.startswith("noriai-revenue-")
