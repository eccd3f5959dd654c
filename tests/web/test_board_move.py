"""Day board manual override in a real browser: move a ride to the other vehicle by keyboard.

The optimizer on the server checks the move; the board shows the result and
refreshes; a refusal is shown as the server words it and the form stays open.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.web.conftest import OPERATOR, TOKYO, Live, check_axe, choose_lang, screenshots

pytestmark = pytest.mark.browser

RIDER = "鹿島 みどり"


@pytest.fixture(scope="module")
def booked(live: Live, fleet: list[str]) -> dict[str, Any]:
    """A member booked by phone for 15:30 on the service day (the ride the test moves)."""
    member = live.api(
        "POST",
        "/api/v1/members",
        json={
            "name": RIDER,
            "kana": "かしま みどり",
            "birth_date": "1945-05-05",
            "phone": "08061237890",
            "address": "神栖市大野原",
            "home_lat": 35.899980,
            "home_lon": 140.623187,
            "consent_terms": True,
            "consent_privacy": True,
            "password": "midori-2026",
            "channel": "phone",
            "approve": True,
        },
    )
    day = live.clock.start.astimezone(TOKYO).date()
    r = httpx.post(
        live.url + "/api/v1/quotes",
        headers={"Authorization": f"Bearer {live.admin_token}"},
        timeout=60,
        json={
            "member_id": member["id"],
            "from": {"home": True},
            "to": {"lat": 35.890028, "lon": 140.664461, "label": "市役所"},
            "date": day.isoformat(),
            "time": "15:30",
            "time_mode": "depart_at",
            "party_size": 1,
        },
    )
    assert r.status_code == 200, r.text
    quote = r.json()
    res = live.api("POST", "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]})
    booking: dict[str, Any] = res["booking"]
    assert booking["vehicle_id"] in fleet
    return booking


def _login(page: Any, live: Live) -> None:
    page.goto(live.url + "/operator")
    page.wait_for_selector("#op-user:focus")
    page.keyboard.type(OPERATOR[0])
    page.keyboard.press("Tab")
    page.keyboard.type(OPERATOR[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-call:not([hidden])")


def test_move_a_ride_to_the_other_vehicle(
    new_page: Any, live: Live, fleet: list[str], booked: dict[str, Any]
) -> None:
    """Move by keyboard; the ride then sits under the other vehicle; refusals are explained."""
    source = booked["vehicle_id"]
    target = next(v for v in fleet if v != source)
    page = new_page("desktop")

    def with_idle_vehicle(route: Any) -> None:
        # one more vehicle that has no shift that day: it must not be offered
        vehicles = route.fetch().json()
        idle = {**vehicles[0], "id": "V99", "name": "休車", "status": "off_shift"}
        route.fulfill(json=[*vehicles, idle])

    page.route("**/api/v1/vehicles", with_idle_vehicle)
    _login(page, live)
    page.keyboard.press("Alt+3")
    button = f"#gantt button[data-move='{booked['id']}']"
    page.wait_for_selector(f"{button}[data-vehicle='{source}']")

    # A refusal (as the server words a promise that cannot be kept) keeps the form open.
    refusal = {
        "detail": {
            "code": "no_capacity",
            "alternatives": [],
            "message": "車両では約束時刻を守れません。",
            "message_ja": "車両では約束時刻を守れません。",
            "message_en": "That vehicle cannot keep the promise.",
        }
    }
    path = f"**/api/v1/operator/rides/{booked['id']}/move"
    page.route(path, lambda route: route.fulfill(status=409, json=refusal))
    page.focus(button)
    page.keyboard.press("Enter")
    page.wait_for_selector("#move-to:focus")
    page.keyboard.press("Tab")  # to 変更する
    page.keyboard.press("Enter")
    page.wait_for_selector("#move-err .notice.error")
    assert "約束時刻を守れません" in page.inner_text("#move-err")
    check_axe(page, "operator: board, move refused")
    page.keyboard.press("Escape")
    page.wait_for_selector(f"{button}:focus")
    assert page.locator("#move-panel form").count() == 0
    page.unroute(path)

    # The real move: pick the other vehicle by keyboard and confirm.
    page.keyboard.press("Enter")
    page.wait_for_selector("#move-to:focus")
    assert page.input_value("#move-to") == target
    offered = page.eval_on_selector_all("#move-to option", "os => os.map(o => o.value)")
    assert offered == [target]  # not the vehicle without a shift
    assert page.locator(".g-label:text-is('V99')").count() == 1  # still on the board
    check_axe(page, "operator: board, move form")
    screenshots(page, "operator-board-move", ("desktop",))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#move-msg .notice.success")
    assert target in page.inner_text("#move-msg")
    page.wait_for_selector(f"{button}[data-vehicle='{target}']")
    rows = page.locator(".g-row", has=page.locator(f".g-label:text-is('{target}')"))
    assert RIDER in rows.first.inner_text()
    check_axe(page, "operator: board, ride moved")
    screenshots(page, "operator-board-moved", ("desktop",))
    ride = live.api("GET", f"/api/v1/bookings/{booked['id']}")
    assert ride["vehicle_id"] == target
    assert ride["pickup_window_start"] == booked["pickup_window_start"]


DRAGGED = "波崎 はるか"


@pytest.fixture(scope="module")
def dragged(live: Live, fleet: list[str]) -> dict[str, Any]:
    """Another phone member's ride at 11:20 on the service day (the ride the test drags)."""
    member = live.api(
        "POST",
        "/api/v1/members",
        json={
            "name": DRAGGED, "kana": "はさき はるか", "birth_date": "1947-07-07",
            "phone": "08061230707", "address": "神栖市大野原", "home_lat": 35.899980,
            "home_lon": 140.623187, "consent_terms": True, "consent_privacy": True,
            "password": "haruka-2026", "channel": "phone", "approve": True,
        },
    )  # fmt: skip
    day = live.clock.start.astimezone(TOKYO).date()
    r = httpx.post(
        live.url + "/api/v1/quotes",
        headers={"Authorization": f"Bearer {live.admin_token}"},
        timeout=60,
        json={
            "member_id": member["id"], "from": {"home": True},
            "to": {"lat": 35.890028, "lon": 140.664461, "label": "市役所"},
            "date": day.isoformat(), "time": "11:20", "time_mode": "depart_at", "party_size": 1,
        },
    )  # fmt: skip
    assert r.status_code == 200, r.text
    res = live.api("POST", "/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]})
    return dict(res["booking"])


def test_drag_a_ride_to_another_vehicle_and_alerts_name_the_rider(
    new_page: Any, live: Live, fleet: list[str], dragged: dict[str, Any]
) -> None:
    """Dropping a bar on another vehicle's row opens the same checked move with that vehicle
    chosen; the board has a "now" line; an alert names the rider and its kind in words."""
    source = dragged["vehicle_id"]
    target = next(v for v in fleet if v != source)
    page = new_page("desktop")
    alert = {
        "type": "alert", "kind": "no_show", "vehicle_id": source,
        "ride_id": dragged["id"], "at": dragged["pickup_window_start"],
        "message_ja": f"予約{dragged['id']}のお客様が不在でした",
        "message_en": f"Rider of {dragged['id']} did not show up",
    }  # fmt: skip

    def board_socket(ws: Any) -> None:
        # the real server's socket, plus one alert of the shape dispatch sends
        server = ws.connect_to_server()
        sent = []

        def forward(message: Any) -> None:
            ws.send(message)
            if not sent:  # after the snapshot, which replaces the alert list
                sent.append(1)
                ws.send(json.dumps(alert))

        ws.on_message(server.send)
        server.on_message(forward)

    page.route_web_socket("**/ws/board*", board_socket)
    _login(page, live)
    page.keyboard.press("Alt+3")
    bar = f".g-bar[data-ride='{dragged['id']}']"
    page.wait_for_selector(f"{bar}[data-from='{source}']")
    assert page.locator(".g-now").count() >= 2  # a line across every vehicle's row
    assert "現在" in page.inner_text(".g-now-label")
    page.wait_for_selector(f"#alerts li[data-ride='{dragged['id']}']")
    item = page.inner_text(f"#alerts li[data-ride='{dragged['id']}']")
    assert DRAGGED in item and "不在" in item
    assert "no_show" not in item and dragged["id"] not in item
    page.drag_and_drop(bar, f".g-track[data-drop='{target}']")
    page.wait_for_selector("#move-ok:focus")
    assert page.input_value("#move-to") == target
    check_axe(page, "operator: board, drag to move")
    page.keyboard.press("Enter")
    page.wait_for_selector("#move-msg .notice.success")
    page.wait_for_selector(f"{bar}[data-from='{target}']")
    assert live.api("GET", f"/api/v1/bookings/{dragged['id']}")["vehicle_id"] == target
    screenshots(page, "operator-board-dragged", ("desktop",))
    choose_lang(page, "en")
    page.wait_for_selector(f"#alerts li[data-ride='{dragged['id']}']:has-text('No-show')")
    item = page.inner_text(f"#alerts li[data-ride='{dragged['id']}']")
    assert f"{DRAGGED} did not show up" in item
    assert "Now" in page.inner_text(".g-now-label")
    check_axe(page, "operator: board (English)")
    screenshots(page, "operator-board-en", ("desktop",))
    choose_lang(page, "ja")
