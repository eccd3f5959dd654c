"""The tablet's map on a weak signal (issue 16 §5): the way to the next stop is on screen
before MapLibre has arrived (a sketch of the route, the stops, the next stop's name and
note), the basemap takes its place once drawn, and a tablet that has shown the map once
draws the basemap again with no signal at all, from its service worker's cache.

Its own browser with SwiftShader (WebGL certain), as in test_basemap.py. Its own car
(V31) and rider, so the ride is the car's next stop.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, DRIVER_PASSWORD, SIZES, TOKYO, Live

pytestmark = pytest.mark.browser

CAR = "V31"
DEPOT = (35.899980, 140.623187)
HOME = (35.888975, 140.643843)  # the rider's home: the pickup
NOTE = "青い屋根の家です"
GL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + [
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]  # fmt: skip
MAPLIBRE_JS = "**/vendor/maplibre/maplibre-gl.js"
# What the basemap has drawn (our tiles' layers, the route line), once it is idle. (The
# whole way is framed, at zoom 13 or so: the archive's overview tiles, roads without
# buildings.)
RENDERED = """async () => {
  const m = window.noriaiDriverMap;
  const idle = new Promise((r) => { m.once("idle", () => r("idle")); m.triggerRepaint(); });
  const late = new Promise((r) => setTimeout(() => r("timeout"), 20000));
  if (await Promise.race([idle, late]) !== "idle") return "never idle";
  return [...new Set(m.queryRenderedFeatures().map((f) => f.layer.id))];
}"""


@pytest.fixture(scope="module")
def gl_browser(browser: Any) -> Iterator[Any]:
    """A second browser with WebGL, from the session's Playwright."""
    gl = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True, args=GL_ARGS)
    yield gl
    gl.close()


@pytest.fixture(scope="module")
def car(live: Live, fleet: list[str]) -> Iterator[str]:
    """V31 on shift with its own driver, the background re-planning paused (it would move
    the ride to a car nearer by); afterwards its rides are cancelled and it breaks down."""
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
    engine.add_vehicle(CAR, depot=LatLon(*DEPOT), name="神栖31号", seats=4)
    day = live.clock.start.astimezone(TOKYO).date()
    start = live.clock.start
    engine.set_shift(CAR, day, start - timedelta(hours=1), start + timedelta(hours=8))
    staff_account(live, "driver-v31", DRIVER_PASSWORD, "driver", vehicle_id=CAR)
    try:
        yield CAR
    finally:
        for r in engine.list_rides(vehicle_id=CAR, service_date=day):
            if r.status.value in ("assigned", "en_route", "arrived", "on_board"):
                engine.cancel(r.ride_id, by="test", reason="end of the tablet map tests")
        engine.breakdown(CAR)
        start_background_loop(state)


@pytest.fixture(scope="module")
def rider(live: Live) -> dict[str, Any]:
    from tests.web.seed import approved_member

    return approved_member(
        live, name="日川 五郎", kana="にっかわ ごろう", phone="09066663131",
        password="goro-2026", birth_date="1942-03-03",
    )  # fmt: skip


@pytest.fixture
def ride(live: Live, car: str, rider: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A ride from the rider's home to city hall in about 45 minutes, with a note, on V31."""
    from datetime import timedelta

    t = (live.clock.now() + timedelta(minutes=45)).astimezone(TOKYO)
    t += timedelta(minutes=(5 - t.minute % 5) % 5)
    quote = live.api(
        "POST",
        "/api/v1/quotes",
        json={
            "member_id": rider["id"], "from": {"home": True},
            "to": {"lat": 35.890028, "lon": 140.664461, "label": "神栖市役所"},
            "date": t.date().isoformat(), "time": t.strftime("%H:%M"),
            "time_mode": "depart_at", "party_size": 1, "notes": NOTE,
        },
    )  # fmt: skip
    booked = live.api("POST", "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]})
    got = booked["booking"]
    if got["vehicle_id"] != car:
        got = live.api("POST", f"/api/v1/operator/rides/{got['id']}/move", json={"vehicle_id": car})
    assert got["vehicle_id"] == car
    yield dict(got)
    live.api("POST", f"/api/v1/bookings/{got['id']}/cancel", json={"reason": "test"})


@pytest.fixture
def tablet(gl_browser: Any, live: Live) -> Iterator[Any]:
    """A tablet-sized page on the service's clock; it fails the test on a script error."""
    w, h = SIZES["tablet"]
    ctx = gl_browser.new_context(viewport={"width": w, "height": h}, locale="ja-JP")
    page = ctx.new_page()
    page.clock.install(time=live.clock.now())
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    ctx.close()
    assert not errors, errors


def sign_in(page: Any, live: Live) -> None:
    page.goto(live.url + "/driver")
    page.fill("#dr-user", "driver-v31")
    page.fill("#dr-pw", DRIVER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-run:not([hidden])")


def test_the_route_shows_before_the_basemap_arrives(
    tablet: Any, live: Live, ride: dict[str, Any]
) -> None:
    """While MapLibre is still on its way (held back here), the map's box already shows
    the route to the next stop, the stop with its name and note, and the OSM credit; once
    the basemap has drawn them itself, the sketch is gone."""
    held: list[Any] = []
    # the context's routes see the service worker's requests too (it caches MapLibre)
    tablet.context.route(MAPLIBRE_JS, lambda route: held.append(route))
    sign_in(tablet, live)
    tablet.wait_for_selector("#dr-map [data-sketch] polyline.route")
    sketch = tablet.locator("#dr-map [data-sketch]")
    assert NOTE in sketch.locator(".stop-tag").inner_text()
    assert "日川" not in sketch.inner_text()  # the place, not the rider, names the stop
    assert "OpenStreetMap contributors" in sketch.inner_text()
    assert "地図を読み込んでいます" in sketch.inner_text()
    for _ in range(100):  # MapLibre is asked for (and held) about when the sketch shows
        if held:
            break
        tablet.wait_for_timeout(100)
    assert held, "MapLibre was not asked for"
    assert tablet.locator("#dr-map [data-sketch] polyline.route").count() == 1
    assert tablet.get_attribute("#dr-map", "data-map") is None
    assert tablet.locator("#dr-map canvas").count() == 0
    # the next stop's tag stands right above the stop's circle (the big one)
    stop = tablet.evaluate("""(() => {
      const c = [...document.querySelectorAll('#dr-map [data-sketch] circle')]
        .find((e) => e.getAttribute('r') === '11').getBoundingClientRect();
      const t = document.querySelector('#dr-map [data-sketch] .stop-tag').getBoundingClientRect();
      return { dx: (t.left + t.right) / 2 - (c.left + c.right) / 2, gap: c.top - t.bottom };
    })()""")
    assert abs(stop["dx"]) < 2 and 0 <= stop["gap"] < 30, stop
    for r in held:
        r.continue_()
    tablet.context.unroute(MAPLIBRE_JS)
    tablet.wait_for_selector("#dr-map[data-map=basemap]")
    tablet.wait_for_selector("#dr-map [data-sketch]", state="detached")
    layers = tablet.evaluate(RENDERED)
    assert isinstance(layers, list), layers
    assert "dr-route" in layers and {"road-major", "road-minor"} & set(layers), layers
    assert NOTE in tablet.locator("#dr-map .stop-tag").inner_text()


def test_the_basemap_draws_offline_from_the_tablets_cache(
    tablet: Any, live: Live, ride: dict[str, Any]
) -> None:
    """A tablet that has shown the map once draws it again with no signal: MapLibre,
    the style, the glyphs and the tiles around the route come from its service worker's
    cache (every request that tries the network is refused)."""
    sign_in(tablet, live)
    tablet.wait_for_selector("#dr-map[data-map=basemap]")
    assert {"road-major", "road-minor"} & set(tablet.evaluate(RENDERED))
    tablet.wait_for_function(
        "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
    )
    kept = (
        "caches.open('noriai-driver-map').then((c) => c.keys()).then((ks) => ks.map((r) => r.url))"
    )
    tablet.wait_for_function(f"() => {kept}.then((u) => u.some((x) => x.includes('/tiles/')))")
    refused: list[str] = []

    def no_signal(route: Any) -> None:
        refused.append(route.request.url)
        route.abort("internetdisconnected")

    tablet.context.set_offline(True)
    tablet.context.route("**/*", no_signal)
    tablet.reload()
    tablet.wait_for_selector("#view-run:not([hidden])")
    tablet.wait_for_selector("#dr-map[data-map=basemap]")
    layers = tablet.evaluate(RENDERED)
    assert isinstance(layers, list), layers
    assert "dr-route" in layers and {"road-major", "road-minor"} & set(layers), layers
    assert any("/api/v1/auth/me" in u for u in refused), refused  # the network was tried
    # the shell never tried the network; a tile or glyph range only as the refresh behind
    # the kept copy that was drawn (stale-while-revalidate)
    for part in ("/driver/static/", "maplibre-gl.js", "basemap-style.json"):
        assert not any(part in u for u in refused), (part, refused)
    urls = tablet.evaluate(kept)
    tried = [u for u in refused if "/tiles/" in u or "/glyphs/" in u]
    assert tried and set(tried) <= set(urls), (tried, urls)
    tablet.context.unroute("**/*", no_signal)
    tablet.context.set_offline(False)
