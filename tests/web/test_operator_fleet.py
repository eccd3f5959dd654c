"""The console's 車両 / Vehicles tab and shift settings in a real browser: an admin adds a car
(errors next to their fields) and its weekly template, a resident books next week and sees
the car's plate and colour in the app; the admin edits the car and retires it (confirm step,
reason; refused while a ride is booked ahead); operators only read. Japanese and English,
axe-clean."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.web.conftest import ADMIN, Live, check_axe, choose_lang, screenshots, wait_until
from tests.web.seed import approved_member
from tests.web.test_operator import login

pytestmark = pytest.mark.browser

CAR = "FLT1"
PLATE = "土浦 500 あ 77-01"
PHONE = "09066170001"
PASSWORD = "fleet-rider-1"


def admin_login(page: Any, live: Live) -> None:
    """Log in to the console as the admin (keyboard)."""
    page.goto(live.url + "/operator")
    page.wait_for_selector("#op-user:focus")
    page.keyboard.type(ADMIN[0])
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-call:not([hidden])")


def next_week_day(live: Live) -> str:
    """A service day 5 to 7 days after the service day (inside the booking horizon)."""
    today = (live.clock.now() + timedelta(hours=9)).date()
    days = live.api(
        "GET",
        f"/api/v1/service-calendar?from={today + timedelta(days=5)}&to={today + timedelta(days=7)}",
    )
    return str(next(d["date"] for d in reversed(days) if d["service"]))


def vehicles_on(page: Any, day: str) -> int:
    return int(page.inner_text(f"#cal-table tr[data-date='{day}'] td:nth-child(4)"))


def test_a_new_car_and_its_week_let_a_resident_book_next_week_and_see_the_car(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    page = new_page("desktop")
    admin_login(page, live)
    page.keyboard.press("Alt+6")
    page.wait_for_selector("#fleet-table tbody tr")
    assert page.inner_text("#view-fleet h1") == "車両"
    # a form with mistakes: each error next to its field
    page.click("#fl-add")
    page.fill("#fl-id", "V 1")
    page.fill("#fl-seats", "")
    page.click("#fl-save")
    page.wait_for_selector("#fl-id-error:not([hidden])")
    assert page.get_attribute("#fl-id", "aria-invalid") == "true"
    assert "fl-id-error" in (page.get_attribute("#fl-id", "aria-describedby") or "")
    assert not page.is_hidden("#fl-seats-error")
    assert page.evaluate("document.activeElement.id") == "fl-id"
    check_axe(page, "operator: vehicle form with errors")
    page.fill("#fl-id", CAR)
    page.fill("#fl-name", "のりあい 試験号")
    page.fill("#fl-plate", PLATE)
    page.select_option("#fl-colour", "green")
    page.fill("#fl-seats", "4")
    page.fill("#fl-wheelchairs", "1")
    page.fill("#fl-depot_name", "神栖市役所")
    page.fill("#fl-depot_lat", "35.89003")
    page.fill("#fl-depot_lon", "140.66446")
    screenshots(page, "operator-fleet-form", ("desktop",))
    page.focus("#fl-save")
    page.keyboard.press("Enter")
    row = f"#fleet-table tr[data-id='{CAR}']"
    page.wait_for_selector(row)
    assert PLATE in page.inner_text(row) and "緑" in page.inner_text(row)
    check_axe(page, "operator: vehicles")
    screenshots(page, "operator-fleet", ("desktop", "tablet"))

    # its weekly template in the calendar tab: the capacity of next week follows
    day = next_week_day(live)
    page.keyboard.press("Alt+5")
    page.wait_for_selector(f"#cal-table tr[data-date='{day}']")
    page.wait_for_selector("#sh-vehicle")
    before = vehicles_on(page, day)
    page.select_option("#sh-vehicle", CAR)
    caption = "document.querySelector('#sh-week-table caption').textContent"
    wait_until(page, f"{caption}.includes('{CAR}')")
    for k in ("mon", "tue", "wed", "thu", "fri"):
        page.check(f"#sh-{k}-on")
    page.fill("#sh-wed-b0", "11:30")
    page.fill("#sh-wed-b1", "13:00")
    page.fill("#sh-wed-bm", "45")
    page.fill("#sh-thu-end", "07:00")  # before the start: refused next to the row
    page.click("#sh-week-save")
    page.wait_for_selector("#sh-thu-error:not([hidden])")
    assert page.get_attribute("#sh-thu-start", "aria-invalid") == "true"
    page.fill("#sh-thu-end", "17:00")
    page.click("#sh-week-save")
    page.wait_for_selector("#sh-status .notice")
    wait_until(
        page,
        f"Number(document.querySelector(\"#cal-table tr[data-date='{day}'] td:nth-child(4)\")"
        f".textContent) === {before + 1}",
    )
    check_axe(page, "operator: shift settings")
    screenshots(page, "operator-shifts", ("desktop",))

    # a resident books that day (API) and sees the car in the app
    approved_member(
        live, name="車両 確認", kana="しゃりょう かくにん", phone=PHONE, password=PASSWORD,
        birth_date="1948-04-04",
    )  # fmt: skip
    token = httpx.post(
        live.url + "/api/v1/auth/login", json={"login": PHONE, "password": PASSWORD}, timeout=30
    ).json()["token"]
    quote = live.api(
        "POST", "/api/v1/quotes", token=token,
        json={"from": {"home": True}, "to": {"place_id": "D0003"}, "date": day,
              "time": "10:00", "time_mode": "depart_at", "party_size": 1},
    )  # fmt: skip
    ride = live.api("POST", "/api/v1/bookings", token=token,
                    json={"offer_id": quote["offer"]["offer_id"]})["booking"]  # fmt: skip
    assert ride["vehicle_id"] == CAR, ride  # only this car works next week on this server
    assert (ride["vehicle_plate"], ride["vehicle_colour"]) == (PLATE, "green")
    rider = new_page("phone")
    rider.goto(live.url + "/#/login")
    rider.fill("#login-id", PHONE)
    rider.fill("#login-pw", PASSWORD)
    rider.click("#login-form button[type=submit]")
    rider.wait_for_selector(".place-btn")
    rider.goto(live.url + "/#/bookings")
    card = f"article.booking[data-id='{ride['id']}'] .car"
    rider.wait_for_selector(card)
    assert "緑の車" in rider.inner_text(card) and PLATE in rider.inner_text(card)
    check_axe(rider, "resident: booking with its car")
    screenshots(rider, "resident-booking-car", ("phone",))
    choose_lang(rider, "en")
    rider.wait_for_selector(f"{card}:text('green car')")
    assert "Your car" in rider.inner_text(card)
    check_axe(rider, "resident: booking with its car (English)")

    # edit: a new plate at once; retire: refused while the ride is booked, then done
    page.keyboard.press("Alt+6")
    page.click(f"{row} .fl-edit")
    page.fill("#fl-plate", "土浦 500 あ 77-02")
    page.click("#fl-save")
    page.wait_for_selector(f"{row}:has-text('77-02')")
    page.click(f"{row} .fl-retire")
    page.wait_for_selector("#fl-reason:focus")
    page.click("#fl-retire-yes")  # no reason: refused next to the field
    page.wait_for_selector("#fl-reason-error:not([hidden])")
    check_axe(page, "operator: retire a vehicle")
    screenshots(page, "operator-fleet-retire", ("desktop",))
    page.fill("#fl-reason", "車両の入れ替え")
    page.click("#fl-retire-yes")
    page.wait_for_selector("#fl-retire-error .notice")
    text = page.inner_text("#fl-retire-error")
    d = date.fromisoformat(day)
    assert f"{d.month}月{d.day}日 1件" in text, text
    live.api("POST", f"/api/v1/bookings/{ride['id']}/cancel", token=token, json={})
    page.click("#fl-retire-yes")
    page.wait_for_selector(f"{row} .fl-unretire")
    assert "廃車" in page.inner_text(row) and "車両の入れ替え" in page.inner_text(row)
    choose_lang(page, "en")
    page.wait_for_selector("#view-fleet h1:text('Vehicles')")
    assert "Retired" in page.inner_text(row)
    check_axe(page, "operator: vehicles (English)")
    choose_lang(page, "ja")
    audit = live.api("GET", "/api/v1/audit?limit=1000")
    actions = {(a["action"], a["entity_id"]) for a in audit}
    assert {("vehicle.save", CAR), ("vehicle.edit", CAR), ("vehicle.retire", CAR)} <= actions
    assert ("shift_template.save", CAR) in actions


def test_operators_see_the_fleet_and_shifts_but_cannot_change_them(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    page = new_page("desktop")
    login(page, live)
    page.keyboard.press("Alt+6")
    page.wait_for_selector("#fleet-table tbody tr")
    assert page.locator("#fl-add").count() == 0 and page.locator(".fl-edit").count() == 0
    page.keyboard.press("Alt+5")
    page.wait_for_selector("#sh-week-table")
    assert page.locator("#sh-week-save, #sh-ov-form, #sh-copy-form").count() == 0
    check_axe(page, "operator: shift settings (read-only)")
