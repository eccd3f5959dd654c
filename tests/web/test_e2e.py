"""End to end in a real browser: a resident registers, an operator approves, the resident
books, the ride appears on the driver's tablet, the driver taps through (one tap made
offline and sent on reconnect), and the resident sees the ride completed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.web.conftest import (
    DRIVER_PASSWORD,
    OPERATOR,
    Live,
    assert_reflows,
    check_axe,
    screenshots,
    wait_until,
)

pytestmark = pytest.mark.browser

PHONE = "09011112222"
PASSWORD = "hanako-2026"
NAME = "鹿島 花子"


def register(page: Any, live: Live) -> None:
    """Fill the registration form as a resident would, home found from the address."""
    page.goto(live.url + "/#/register")
    page.fill("#reg-name", NAME)
    page.fill("#reg-kana", "かしま はなこ")
    page.fill("#reg-birth", "1946-04-01")
    page.fill("#reg-phone", PHONE)
    page.fill("#reg-address", "神栖市溝口")
    page.click("#reg-locate")
    wait_until(page, "document.querySelector('#reg-home-status').textContent.length > 0")
    assert "設定しました" in page.inner_text("#reg-home-status")
    page.check("input[name=walking_aid]")
    page.fill("#reg-ec-name", "鹿島 太郎")
    page.fill("#reg-ec-phone", "0299000000")
    page.fill("#reg-pw", PASSWORD)
    page.check("input[name=consent_terms]")
    page.check("input[name=consent_privacy]")
    screenshots(page, "resident-register-filled", ("phone",))
    page.click("#reg-form button[type=submit]")
    page.wait_for_selector("#view-registered:not([hidden])")
    assert "職員が内容を確認" in page.inner_text("#view-registered")
    check_axe(page, "registration done")
    screenshots(page, "resident-registered")


def operator_login(page: Any, live: Live) -> None:
    """Log in to the operator console with the keyboard."""
    page.goto(live.url + "/operator")
    page.wait_for_selector("#view-login:not([hidden])")
    check_axe(page, "operator login")
    screenshots(page, "operator-login", ("desktop",))
    page.keyboard.type(OPERATOR[0])
    page.keyboard.press("Tab")
    page.keyboard.type(OPERATOR[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-call:not([hidden])")


def approve(page: Any, live: Live) -> None:
    """Approve the application from the approvals screen (which shows the home on a map)."""
    page.keyboard.press("Alt+2")
    card = page.locator(".applicant", has_text=NAME)
    card.wait_for()
    card.locator("[data-map]").wait_for()  # the basemap, or Leaflet without WebGL
    assert card.locator("[data-map]").count() == 1
    assert "つえ・歩行器" in card.inner_text()
    check_axe(page, "approvals")
    screenshots(page, "operator-approvals", ("desktop", "tablet"))
    card.locator(".approve").click()
    page.wait_for_selector("#toast:not([hidden])")
    assert "K" in page.inner_text("#toast")
    page.locator(".applicant", has_text=NAME).wait_for(state="detached")


def book(page: Any, live: Live) -> None:
    """Log in with the phone number and book home → a hospital today at 10:00."""
    page.goto(live.url + "/#/login")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-book:not([hidden]) .place-btn")
    check_axe(page, "booking: from")
    assert_reflows(page, "booking: from")
    screenshots(page, "resident-book-from")
    page.locator(".place-btn").first.click()  # home
    page.wait_for_selector(".cat")
    check_axe(page, "booking: to")
    assert_reflows(page, "booking: to")
    screenshots(page, "resident-book-to")
    page.locator(".cat").first.click()  # the first category: hospitals and clinics
    page.locator("#cat-results .place-btn").first.click()
    page.wait_for_selector("#b-time")
    page.locator(".day").first.click()  # today
    page.fill("#b-time", "10:00")
    check_axe(page, "booking: when")
    assert_reflows(page, "booking: when")
    screenshots(page, "resident-book-when")
    page.click("#book-step .next")
    page.wait_for_selector("#p-count")
    page.click("#p-plus")
    assert page.inner_text("#p-count") == "2"
    check_axe(page, "booking: who")
    assert_reflows(page, "booking: who")
    screenshots(page, "resident-book-who")
    page.click("#book-step .next")
    page.wait_for_selector(".offer-big", timeout=60000)
    offer = page.inner_text(".offer-big")
    assert "にお迎えにあがります" in offer and "〜" in offer
    assert "分" in page.inner_text("#hold")
    check_axe(page, "booking: offer")
    assert_reflows(page, "booking: offer")
    screenshots(page, "resident-book-offer")
    page.click("#book-step .confirm")
    page.wait_for_selector(".notice.done")
    assert "予約しました" in page.inner_text(".notice.done")
    screenshots(page, "resident-book-done")


def test_register_approve_book_drive_complete(new_page: Any, live: Live, fleet: list[str]) -> None:
    """The whole life of a ride through the three apps."""
    resident = new_page("phone")
    register(resident, live)
    op = new_page("desktop")
    operator_login(op, live)
    approve(op, live)
    book(resident, live)

    resident.goto(live.url + "/#/bookings")
    card = resident.locator("#my-upcoming .booking").first
    card.wait_for()
    assert "予約済み" in card.inner_text()
    check_axe(resident, "my bookings")
    assert_reflows(resident, "my bookings")
    screenshots(resident, "resident-bookings")
    ride_id = card.get_attribute("data-id")
    booking = live.api("GET", f"/api/v1/bookings/{ride_id}")
    vehicle = booking["vehicle_id"]
    assert vehicle in fleet

    driver = new_page("tablet")
    driver.goto(live.url + "/driver")
    check_axe(driver, "driver login")
    screenshots(driver, "driver-login", ("tablet",))
    driver.fill("#dr-user", f"driver-{vehicle.lower()}")
    driver.fill("#dr-pw", DRIVER_PASSWORD)
    driver.click("#login-form button[type=submit]")
    nxt = driver.locator("#next")
    nxt.get_by_text(NAME).wait_for()
    assert "お迎え" in nxt.inner_text()
    assert "2名" in nxt.inner_text()
    check_axe(driver, "driver manifest")
    screenshots(driver, "driver-manifest", ("tablet", "desktop"))

    driver.click("#next .tap[data-tap=arrived]")
    driver.locator("#next .tap[data-tap=boarded]").wait_for()
    # 到着 shows 乗車 at once; its request must reach the server before the signal goes,
    # or the offline queue below holds both taps
    wait_until(driver, "JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]').length===0")
    # The connection drops: the tap is kept and the banner says so.
    driver.context.set_offline(True)
    driver.evaluate("window.dispatchEvent(new Event('offline'))")
    driver.click("#next .tap[data-tap=boarded]")
    driver.locator("#offline").wait_for()
    queued = json.loads(driver.evaluate("localStorage.getItem('noriai.driver.queue')") or "[]")
    assert [q["tap"] for q in queued] == ["boarded"]
    screenshots(driver, "driver-offline", ("tablet",))
    driver.context.set_offline(False)
    driver.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(driver, "JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]').length===0")
    assert live.api("GET", f"/api/v1/bookings/{ride_id}")["status"] == "on_board"

    nxt.locator(".tap[data-tap=dropped_off]").wait_for()
    assert "お送り" in nxt.inner_text()
    driver.click("#next .tap[data-tap=dropped_off]")
    # 降車 asks how the fare is paid first: two people at 300 yen, cash, 1,000 yen handed
    # over, the change shown
    assert "600円" in driver.inner_text("#pay-due")
    driver.locator("#pay-body [data-method=cash]").click()
    driver.fill("#pay-received", "1000")
    assert "おつり 400円" in driver.inner_text("#pay-change")
    check_axe(driver, "driver tablet, fare at drop-off")
    screenshots(driver, "driver-pay-cash", ("tablet",))
    driver.click("#pay-cash-ok")
    wait_until(driver, "!document.querySelector('#pay-dialog').open")
    wait_until(driver, "JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]').length===0")
    assert live.api("GET", f"/api/v1/bookings/{ride_id}")["status"] == "completed"

    resident.goto(live.url + "/#/bookings")
    resident.reload()
    done = resident.locator(f"#my-past .booking[data-id='{ride_id}']")
    done.wait_for()
    assert "乗車完了" in done.inner_text()
    screenshots(resident, "resident-bookings-completed", ("phone",))
