"""Drivers' tablet: a ride booked while the tablet is open arrives live, highlighted, chiming."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from tests.web.conftest import (
    DRIVER_PASSWORD,
    TOKYO,
    Live,
    check_axe,
    screenshots,
    wait_until,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def rider(live: Live, fleet: list[str]) -> dict[str, Any]:
    """An approved member in a wheelchair, with a note for the driver."""
    body = {
        "name": "知手 三郎",
        "kana": "しって さぶろう",
        "birth_date": "1938-08-08",
        "phone": "09055556666",
        "address": "神栖市知手",
        "home_lat": 35.888975,
        "home_lon": 140.643843,
        "wheelchair": True,
        "walking_aid": False,
        "needs_help_boarding": True,
        "companion_allowed": False,
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "consent_terms": True,
        "consent_privacy": True,
        "password": "saburo-2026",
        "channel": "phone",
        "approve": True,
    }
    created: dict[str, Any] = live.api("POST", "/api/v1/members", json=body)
    return created


def pay_at_drop_off(page: Any, method: str = "ic") -> None:
    """Answer the payment dialog 降車 opens with one tap (the fare is recorded, then 降車)."""
    page.locator(f"#pay-body [data-method={method}]").click()
    if method == "cash":
        page.click("#pay-cash-ok")
    wait_until(page, "!document.querySelector('#pay-dialog').open")


def tablet(new_page: Any, live: Live, vehicle: str, device_off_s: float = 0) -> Any:
    """A tablet logged in for one vehicle."""
    # bypass_csp: the checks below evaluate strings and inject axe-core (the app has no
    # inline script)
    page = new_page("tablet", device_off_s=device_off_s, bypass_csp=True)
    page.goto(live.url + "/driver")
    page.fill("#dr-user", f"driver-{vehicle.lower()}")
    page.fill("#dr-pw", DRIVER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-run:not([hidden])")
    page.wait_for_selector("#dr-map[data-map]")  # the basemap, or Leaflet without WebGL
    return page


def test_new_booking_arrives_live_with_highlight_and_chime(
    new_page: Any, live: Live, fleet: list[str], rider: dict[str, Any]
) -> None:
    """With both tablets open, the one whose vehicle gets the ride highlights it and chimes."""
    pages = {vid: tablet(new_page, live, vid) for vid in fleet}
    before = {vid: p.evaluate("window.noriaiChimes || 0") for vid, p in pages.items()}
    quote = live.api(
        "POST",
        "/api/v1/quotes",
        json={
            "member_id": rider["id"],
            "from": {"home": True},
            "to": {"lat": 35.890028, "lon": 140.664461, "label": "神栖市役所"},
            "date": live.clock.start.astimezone(TOKYO).date().isoformat(),
            "time": "15:30",
            "time_mode": "depart_at",
            "party_size": 1,
            "wheelchair": True,
            "notes": "スロープを使います",
        },
    )
    booked = live.api("POST", "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]})[
        "booking"
    ]
    page = pages[booked["vehicle_id"]]
    item = page.locator(".flash", has_text="知手 三郎").first
    item.wait_for(timeout=20000)
    assert "車いす" in item.inner_text()
    assert page.evaluate("window.noriaiChimes") > before[booked["vehicle_id"]]
    check_axe(page, "driver tablet with a new ride")
    screenshots(page, "driver-live-change", ("tablet",))
    # After 到着, 不在 (no-show) waits with a countdown (its confirmation is tested below).
    card = page.locator("#next")
    if "知手 三郎" in card.inner_text():
        # a 15:30 pickup seen at 09:00: the car is not on its way yet, the card says when to go
        assert "までに出発" in card.inner_text()
        assert "お迎えに向かっています" not in card.inner_text()
        page.click("#next .tap[data-tap=arrived]")
        assert page.locator("#next .tap[data-tap=no_show]").is_disabled()
        page.wait_for_function(
            "JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]').length===0"
        )
        assert "知手 三郎" in card.inner_text()
        assert page.locator("#next .tap[data-tap=boarded]").is_visible()
        # Finish the ride so the vehicle is free for the other tests.
        page.click("#next .tap[data-tap=boarded]")
        page.locator("#next .tap[data-tap=dropped_off]").click()
        pay_at_drop_off(page)
        page.wait_for_function(
            "JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]').length===0"
        )
        assert live.api("GET", f"/api/v1/bookings/{booked['id']}")["status"] == "completed"


def test_tablet_reports_its_gps_position(new_page: Any, live: Live, fleet: list[str]) -> None:
    """The tablet sends the car's GPS fix up its socket at once, and again when it moves."""
    import time

    from dispatch.domain import LatLon
    from tests.web.seed import staff_account

    # a vehicle of its own (no shift: it takes none of the other tests' rides)
    engine = live.app.state.noriai.engine
    engine.add_vehicle("V09", depot=LatLon(35.899980, 140.623187), name="神栖9号", seats=4)
    staff_account(live, "driver-v09", DRIVER_PASSWORD, "driver", vehicle_id="V09")
    here = {"latitude": 35.890028, "longitude": 140.664461}
    page = new_page("tablet", geolocation=here, permissions=["geolocation"])
    page.goto(live.url + "/driver")
    page.fill("#dr-user", "driver-v09")
    page.fill("#dr-pw", DRIVER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-run:not([hidden])")

    def position() -> tuple[float, float] | None:
        v = next(x for x in live.api("GET", "/api/v1/vehicles") if x["id"] == "V09")
        return (v["lat"], v["lon"]) if v["lat"] is not None else None

    def wait_for(lat: float, lon: float) -> None:
        for _ in range(50):  # up to 10 s
            got = position()
            if got and abs(got[0] - lat) < 1e-6 and abs(got[1] - lon) < 1e-6:
                return
            time.sleep(0.2)
        pytest.fail(f"the engine has V09 at {position()}, not at {(lat, lon)}")

    wait_for(here["latitude"], here["longitude"])
    moved = {"latitude": 35.893, "longitude": 140.664461}  # about 330 m north
    page.context.set_geolocation(moved)
    wait_for(moved["latitude"], moved["longitude"])


def test_tablet_runs_on_the_service_clock(new_page: Any, live: Live, fleet: list[str]) -> None:
    """A tablet whose own clock is a day and hours off shows the service's time and day."""
    from datetime import timedelta

    page = tablet(new_page, live, fleet[0], device_off_s=-29 * 3600)
    shown = page.inner_text("#clock")
    expected = {
        (live.clock.now() + timedelta(minutes=m)).astimezone(TOKYO).strftime("%H:%M")
        for m in (-1, 0, 1)
    }
    assert shown in expected, f"tablet shows {shown}, service time is {sorted(expected)}"
    # the page's own instance of the module (its assets are served under a versioned URL)
    day = page.evaluate(
        "import(document.querySelector('link[href*=\"common/tokens.css\"]').href"
        ".replace('tokens.css', 'api.js')).then((m) => m.ymd(m.now()))"
    )
    assert day == live.clock.now().astimezone(TOKYO).date().isoformat()


# -- the tap rules on the tablet (issue 10, §5) and the app shell offline ----------------

HOME = {"latitude": 35.888975, "longitude": 140.643843}  # the riders' home: the pickup
FAR = {"latitude": 35.93, "longitude": 140.70}  # about 6.7 km away
QUEUE_LEN = "JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]').length"


@pytest.fixture(scope="module")
def own_car(live: Live, fleet: list[str]) -> Iterator[str]:
    """Vehicle V08 on shift with its own driver: the rides moved to it are its only ones.

    The server's background re-planning is paused meanwhile (it would move a ride back
    to a car nearer by) and started again afterwards; V08 then breaks down, so its
    rides go to the others and it takes no ride of a later test.
    """
    from datetime import timedelta

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
    engine.add_vehicle("V08", depot=LatLon(35.899980, 140.623187), name="神栖8号", seats=4)
    day = live.clock.start.astimezone(TOKYO).date()
    start = live.clock.start
    engine.set_shift("V08", day, start - timedelta(hours=1), start + timedelta(hours=8))
    staff_account(live, "driver-v08", DRIVER_PASSWORD, "driver", vehicle_id="V08")
    try:
        yield "V08"
    finally:
        for r in engine.list_rides(vehicle_id="V08", service_date=day):
            if r.status.value in ("assigned", "en_route", "arrived", "on_board"):
                engine.cancel(r.ride_id, by="test", reason="end of the tablet tests")
        engine.breakdown("V08")
        start_background_loop(state)


@pytest.fixture(scope="module")
def walker(live: Live, fleet: list[str]) -> dict[str, Any]:
    """An approved member living at HOME (the rides of these tests start there)."""
    from tests.web.seed import approved_member

    return approved_member(
        live, name="知手 三郎", kana="しって さぶろう", phone="09055557777",
        password="saburo-2026", birth_date="1938-08-08",
    )  # fmt: skip


def ride_on_own_car(live: Live, rider: dict[str, Any], minutes: int) -> dict[str, Any]:
    """Book the rider from home in about ``minutes`` and move the ride to V08."""
    from datetime import timedelta

    from tests.web.seed import book_to_city_hall

    t = (live.clock.now() + timedelta(minutes=minutes)).astimezone(TOKYO)
    t += timedelta(minutes=(5 - t.minute % 5) % 5)
    ride = book_to_city_hall(live, rider["id"], t.date().isoformat(), t.strftime("%H:%M"))
    if ride["vehicle_id"] != "V08":
        ride = live.api(
            "POST", f"/api/v1/operator/rides/{ride['id']}/move", json={"vehicle_id": "V08"}
        )
    assert ride["vehicle_id"] == "V08"
    return ride


def own_tablet(new_page: Any, live: Live, **ctx: Any) -> Any:
    # bypass_csp: axe-core is injected as an inline script (the app itself has none)
    page = new_page("tablet", bypass_csp=True, **ctx)
    page.goto(live.url + "/driver")
    page.fill("#dr-user", "driver-v08")
    page.fill("#dr-pw", DRIVER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-run:not([hidden])")
    return page


def car_seen_at(live: Live, where: dict[str, float]) -> None:
    """Wait until the engine has V08's GPS fix at ``where`` (the tablet sent it)."""
    import time

    for _ in range(75):
        v = live.app.state.noriai.engine.get_vehicle("V08")
        if v.position and abs(v.position.lat - where["latitude"]) < 1e-6:
            return
        time.sleep(0.2)
    pytest.fail(f"the engine has V08 at {v.position}, not at {where}")


def status_of(live: Live, ride: dict[str, Any]) -> str:
    return str(live.api("GET", f"/api/v1/bookings/{ride['id']}")["status"])


def status_becomes(live: Live, ride: dict[str, Any], want: str, within_s: float = 10) -> bool:
    """Whether the ride reaches ``want`` within ``within_s`` (the queue empties when the tap
    is sent; the server applies it a moment later on a busy machine)."""
    deadline = time.monotonic() + within_s
    while status_of(live, ride) != want:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def finish(live: Live, ride: dict[str, Any]) -> None:
    """Cancel what is left of a ride, so the next test's ride is V08's next stop."""
    if status_of(live, ride) in ("assigned", "en_route", "booked"):
        live.api("POST", f"/api/v1/bookings/{ride['id']}/cancel", json={"reason": "test"})


def queue_tap(page: Any, ride: dict[str, Any], tap: str) -> None:
    """Put a tap in the tablet's offline queue, as a tablet of an older version would send it."""
    page.evaluate(
        """([rid, tap]) => {
        const q = JSON.parse(localStorage.getItem('noriai.driver.queue')||'[]');
        q.push({ ride_id: rid, tap, tap_id: 'old-' + tap + '-' + rid });
        localStorage.setItem('noriai.driver.queue', JSON.stringify(q));
        window.dispatchEvent(new Event('online')); }""",
        [ride["id"], tap],
    )


@contextmanager
def service_clock_ahead(live: Live, seconds: float) -> Iterator[None]:
    """Run the service's clock ``seconds`` ahead (the injected clock), then put it back."""
    live.clock.start += timedelta(seconds=seconds)
    try:
        yield
    finally:
        live.clock.start -= timedelta(seconds=seconds)


def waited_s(page: Any) -> float:
    """Seconds until the next stop's 不在 may be tapped, plus a little."""
    left = page.evaluate(
        "(() => { const e = document.querySelector('#next .countdown');"
        " return e ? e.textContent : ''; })()"
    )
    minutes, seconds = left.rsplit(" ", 1)[-1].split(":")
    return int(minutes) * 60 + int(seconds) + 20


def test_arrived_far_from_the_stop_needs_a_reason(
    new_page: Any, live: Live, own_car: str, walker: dict[str, Any]
) -> None:
    """到着 6 km from the pickup asks for a reason; without one nothing is sent (and the
    server refuses it too, in words); with one the arrival is taken and the reason kept."""
    ride = ride_on_own_car(live, walker, 60)
    page = own_tablet(new_page, live, geolocation=FAR, permissions=["geolocation"])
    page.locator("#next", has_text="知手 三郎").wait_for()
    car_seen_at(live, FAR)
    page.click("#next .tap[data-tap=arrived]")
    dialog = page.locator("#reason-dialog")
    dialog.wait_for(state="visible")
    assert "m あります" in page.inner_text("#reason-text")
    assert page.locator("#reason-list button").count() == 3
    check_axe(page, "driver tablet asking for a reason")
    screenshots(page, "driver-arrive-reason", ("tablet",))
    page.click("#reason-dialog button[value='']")  # やめる
    assert page.evaluate(QUEUE_LEN) == 0 and status_of(live, ride) != "arrived"
    # an old tablet's 到着 without a reason reaches the server: refused, in words, not retried
    queue_tap(page, ride, "arrived")
    page.wait_for_function(f"{QUEUE_LEN} === 0")
    msg = page.locator("#tap-msg")
    msg.wait_for(state="visible")
    assert "離れています" in msg.inner_text() and "from the pickup" in msg.inner_text()
    # the refusal asks for the reason too; picking one sends the arrival with it
    dialog.wait_for(state="visible")
    page.click("#reason-list button[value=gps_inaccurate]")
    page.wait_for_function(f"{QUEUE_LEN} === 0")
    for _ in range(50):
        if status_of(live, ride) == "arrived":
            break
        page.wait_for_timeout(200)
    assert status_of(live, ride) == "arrived"
    from dispatch.store.repo import read_session
    from dispatch.store.tables import DriverTapRow

    with read_session(live.app.state.noriai.engine.db) as s:
        taps = [t for t in s.query(DriverTapRow).filter_by(ride_id=ride["id"], tap="arrived")]
    assert [(t.reason, (t.distance_m or 0) > 5000) for t in taps] == [("gps_inaccurate", True)]
    page.locator("#next .tap[data-tap=boarded]").wait_for()
    page.click("#next .tap[data-tap=boarded]")
    page.locator("#next .tap[data-tap=dropped_off]").click()
    pay_at_drop_off(page)
    page.wait_for_function(f"{QUEUE_LEN} === 0")


def test_no_show_counts_down_and_is_refused_before_it(
    new_page: Any, live: Live, own_car: str, walker: dict[str, Any]
) -> None:
    """After 到着 the tablet shows 「電話する」 and a countdown on a disabled 不在; a 不在 sent
    before the wait is over is refused with a clear message and not retried; 乗車 sent
    before 到着 is refused the same way."""
    ride = ride_on_own_car(live, walker, 50)
    page = own_tablet(new_page, live, geolocation=HOME, permissions=["geolocation"])
    page.locator("#next", has_text="知手 三郎").wait_for()
    car_seen_at(live, HOME)  # at the door
    queue_tap(page, ride, "boarded")  # 乗車 before 到着
    page.wait_for_function(f"{QUEUE_LEN} === 0")
    page.locator("#tap-msg", has_text="先に「到着」を押してください").wait_for()
    assert "Tap Arrived first" in page.inner_text("#tap-msg")
    assert status_of(live, ride) != "on_board"
    page.click("#next .tap[data-tap=arrived]")
    no_show = page.locator("#next .tap[data-tap=no_show]")
    no_show.wait_for()
    assert no_show.is_disabled()
    first = no_show.inner_text()
    assert first.startswith("不在 あと")
    call = page.locator("#next #call-btn")
    assert call.get_attribute("href") == "tel:09055557777" and call.inner_text() == "電話する"
    order = page.evaluate(
        "[...document.querySelectorAll('#next .taps > *')].map(e => e.dataset.tap || e.id)"
    )
    assert order.index("call-btn") < order.index("no_show")
    assert "から押せます" in page.inner_text("#nwait")
    page.wait_for_timeout(2100)
    assert no_show.inner_text() != first  # it counts down
    check_axe(page, "driver tablet waiting for the rider")
    screenshots(page, "driver-noshow-countdown", ("tablet",))
    # a 不在 sent before the wait is over (an old tablet's queue) is refused in words
    queue_tap(page, ride, "no_show")
    page.wait_for_function(f"{QUEUE_LEN} === 0")
    msg = page.locator("#tap-msg", has_text="お待ちください")
    msg.wait_for()
    assert "No-show can be tapped from" in msg.inner_text()
    assert status_of(live, ride) == "arrived"
    page.locator("#next .tap[data-tap=boarded]").wait_for()  # the stop is still there
    # once the wait is over (the service's clock moved on), 不在 asks first; いいえ does
    # nothing, はい marks it, and 「取り消す」 takes it back at once
    with service_clock_ahead(live, waited_s(page)):
        page.reload()
        page.wait_for_selector("#view-run:not([hidden])")
        no_show.wait_for()
        assert no_show.is_enabled()
        no_show.click()
        assert "不在でよろしいですか" in page.inner_text("#noshow-text")
        screenshots(page, "driver-noshow-confirm", ("tablet",))
        page.click("#noshow-dialog button[value=no]")
        assert page.evaluate(QUEUE_LEN) == 0 and status_of(live, ride) == "arrived"
        no_show.click()
        page.click("#noshow-dialog button[value=yes]")
        page.wait_for_function(f"{QUEUE_LEN} === 0")
        assert status_becomes(live, ride, "no_show")
        page.click("#undo-btn")
        page.wait_for_function(f"{QUEUE_LEN} === 0")
        assert status_becomes(live, ride, "arrived")
        page.locator("#next .tap[data-tap=boarded]").click()
        page.locator("#next .tap[data-tap=dropped_off]").click()
        pay_at_drop_off(page)
        page.wait_for_function(f"{QUEUE_LEN} === 0")
    member = live.api("GET", f"/api/v1/members/{walker['id']}")
    assert member["no_shows"]["count"] == 0  # the undone no-show does not count


def test_undo_within_60_s_restores_the_stop(
    new_page: Any, live: Live, own_car: str, walker: dict[str, Any]
) -> None:
    """「取り消す」 after 到着 puts the ride back on the server and the 到着 button back."""
    ride = ride_on_own_car(live, walker, 40)
    page = own_tablet(new_page, live, geolocation=HOME, permissions=["geolocation"])
    page.locator("#next", has_text="知手 三郎").wait_for()
    car_seen_at(live, HOME)
    before = status_of(live, ride)
    page.click("#next .tap[data-tap=arrived]")  # at the door: no reason asked
    page.wait_for_function(f"{QUEUE_LEN} === 0")
    assert status_of(live, ride) == "arrived"
    bar = page.locator("#undo-bar")
    bar.wait_for(state="visible")
    assert "取り消せます" in bar.inner_text()
    page.click("#undo-btn")
    page.wait_for_function(f"{QUEUE_LEN} === 0")
    for _ in range(50):
        if status_of(live, ride) == before:
            break
        page.wait_for_timeout(200)
    assert status_of(live, ride) == before
    page.locator("#next .tap[data-tap=arrived]").wait_for()
    assert bar.is_hidden()
    finish(live, ride)


def test_navi_hands_the_next_stop_to_the_navigation_app(
    new_page: Any, live: Live, own_car: str, walker: dict[str, Any]
) -> None:
    """The next stop's ナビ link carries its coordinates (a geo: URI by default)."""
    ride = ride_on_own_car(live, walker, 45)
    page = own_tablet(new_page, live)
    page.locator("#next", has_text="知手 三郎").wait_for()
    link = page.locator("#next #nav-link")
    assert link.inner_text() == "ナビ"
    href = link.get_attribute("href") or ""
    lat, lon = HOME["latitude"], HOME["longitude"]  # the pickup is the rider's home
    assert href.startswith(f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}"), href
    assert "までナビ" in (link.get_attribute("aria-label") or "")
    check_axe(page, "tablet: next stop with ナビ")
    finish(live, ride)


def test_offline_the_app_opens_and_keeps_a_queued_tap_across_a_reload(
    new_page: Any, live: Live, own_car: str, walker: dict[str, Any]
) -> None:
    """Without a signal a reload shows the app shell with the last manifest; a tap made
    offline survives another reload and is sent once when the signal is back."""
    ride = ride_on_own_car(live, walker, 45)
    page = own_tablet(new_page, live, geolocation=HOME, permissions=["geolocation"])
    page.locator("#next", has_text="知手 三郎").wait_for()
    car_seen_at(live, HOME)
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
    )
    posts: list[str] = []  # taps that reached the server (a try offline never does)
    page.on(
        "response",
        lambda r: posts.append(r.url)
        if r.request.method == "POST" and "/driver/taps" in r.url
        else None,
    )
    # no signal: the page's own requests and the service worker's (which Playwright's
    # offline switch alone does not reach) all fail
    aborted: list[str] = []

    def no_signal(route: Any) -> None:
        aborted.append(route.request.url)
        route.abort("internetdisconnected")

    page.context.set_offline(True)
    page.context.route("**/*", no_signal)
    page.reload()
    page.wait_for_selector("#view-run:not([hidden])")
    page.locator("#next", has_text="知手 三郎").wait_for()
    page.locator("#offline").wait_for(state="visible")
    page.click("#next .tap[data-tap=arrived]")
    assert page.evaluate(QUEUE_LEN) == 1
    page.reload()
    page.wait_for_selector("#view-run:not([hidden])")
    assert page.evaluate(QUEUE_LEN) == 1
    assert "未送信 1 件" in page.inner_text("#offline")
    page.locator("#next .tap[data-tap=boarded]").wait_for()  # the kept manifest says arrived
    assert status_of(live, ride) != "arrived" and posts == []
    # the shell came from the tablet's cache, first, without asking the network (which
    # was asked, and refused, for the API)
    assert any("/api/v1/auth/me" in u for u in aborted), aborted
    assert not any(re.search(r"/driver/static/(v/\w+/)?driver\.js$", u) for u in aborted), aborted
    page.context.unroute("**/*", no_signal)
    page.context.set_offline(False)
    page.wait_for_function(f"{QUEUE_LEN} === 0", timeout=20000)
    assert status_of(live, ride) == "arrived"
    page.wait_for_timeout(1000)
    assert len(posts) == 1, posts
    page.click("#next .tap[data-tap=boarded]")
    page.locator("#next .tap[data-tap=dropped_off]").click()
    pay_at_drop_off(page)
    page.wait_for_function(f"{QUEUE_LEN} === 0")
