"""The offline basemap on ``/map``: MapLibre draws the city's vector tiles from our own
server (roads, buildings, water, street names), the service's boundary, areas and
destinations over them, and the OpenStreetMap / OpenMapTiles attribution (issue 16 §3);
on the drivers' tablet, the route to the next stop over it (§4); on the operator
console, the day board's vehicles at their reported positions and the home picked on a
phone registration; or the Leaflet map where there is no WebGL.

Its own browser, started with SwiftShader so WebGL is certain (the shared browser runs
with ``--disable-gpu``; this Chromium still gave it WebGL, so the other tablet tests
accept either map). Every wait in the page has its own time limit, so a map that never
settles fails the test instead of hanging it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from PIL import Image, ImageChops

from tests.web.conftest import NO_WEBGL, SHOTS, TOKYO, Live

pytestmark = pytest.mark.browser

CITY_HALL = (35.89003, 140.66446)  # 神栖市役所, a designated destination


@pytest.fixture(scope="module")
def gl_page(live: Live, gl_browser: Any) -> Iterator[Any]:
    page = gl_browser.new_page(viewport={"width": 800, "height": 600}, locale="ja-JP")
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    page.close()
    assert not errors, errors


def test_map_page_draws_the_basemap_with_the_service_layers(gl_page: Any, live: Live) -> None:
    lat, lon = CITY_HALL
    gl_page.goto(f"{live.url}/map")
    gl_page.wait_for_function("window.noriaiMap !== undefined")
    drawn = gl_page.evaluate(
        """async ([lat, lon]) => {
          const limit = (p, ms) => Promise.race(
            [p, new Promise((r) => setTimeout(() => r("timeout"), ms))]);
          const m = await limit(window.noriaiMap, 20000);
          if (m === "timeout") return "the map never loaded";
          m.jumpTo({ center: [lon, lat], zoom: 16 });
          const idle = new Promise((r) => m.once("idle", () => r("idle")));
          if (await limit(idle, 20000) === "timeout") return "never idle";
          const at = m.project([lon, lat]);
          const here = m.queryRenderedFeatures([[at.x - 12, at.y - 12], [at.x + 12, at.y + 12]]);
          const places = here.filter((f) => f.layer.id === "svc-places");
          return { layers: [...new Set(m.queryRenderedFeatures().map((f) => f.layer.id))],
                   here: places.map((f) => f.properties.name) };
        }""",
        [lat, lon],
    )
    assert isinstance(drawn, dict), drawn
    # the vector tiles (served by /tiles from the bundled archive) and our own layers
    assert {"building", "water", "road-minor"} <= set(drawn["layers"]), drawn["layers"]
    assert {"svc-places", "svc-areas", "svc-boundary"} <= set(drawn["layers"]), drawn["layers"]
    assert "神栖市役所" in drawn["here"]
    attribution = gl_page.locator(".maplibregl-ctrl-attrib").inner_text()
    assert "OpenStreetMap contributors" in attribution and "OpenMapTiles" in attribution


ROUTE_124 = (35.889346, 140.664246)  # a point of 国道124号, 80 m west of city hall
# Where the road-label layer drew 国道124号 (20 px cells of the canvas), after the map
# settled at zoom 16 on that point.
FIND_LABEL = """async ([lat, lon]) => {
  const limit = (p, ms) => Promise.race(
    [p, new Promise((r) => setTimeout(() => r("timeout"), ms))]);
  const m = await limit(window.noriaiMap, 20000);
  if (m === "timeout") return "the map never loaded";
  m.jumpTo({ center: [lon, lat], zoom: 16 });
  const idle = new Promise((r) => m.once("idle", () => r("idle")));
  if (await limit(idle, 20000) === "timeout") return "never idle";
  const at = m.project([lon, lat]);
  const only = { layers: ["road-label"] };
  const near = m.queryRenderedFeatures([[at.x - 200, at.y - 200], [at.x + 200, at.y + 200]], only);
  const canvas = m.getCanvas();
  const cells = [];
  for (let x = 0; x < canvas.clientWidth; x += 20) {
    for (let y = 0; y < canvas.clientHeight; y += 20) {
      const fs = m.queryRenderedFeatures([[x, y], [x + 20, y + 20]], only);
      if (fs.some((f) => f.properties["name:latin"] === "国道124号")) cells.push([x, y]);
    }
  }
  const name = (p) => p["name:ja"] || p.name || p["name:latin"];
  return { names: near.map((f) => name(f.properties)), cells };
}"""


def test_the_map_zoomed_out_to_12_still_shows_the_roads(gl_page: Any, live: Live) -> None:
    """The archive has zoom 14 only; at zoom 12 (the town at a glance) the map draws the
    overview's tiles (built from it by the server): main roads, their names, water."""
    tiles: list[str] = []
    gl_page.on("response", lambda r: tiles.append(r.url) if "/tiles/" in r.url else None)
    gl_page.goto(f"{live.url}/map")
    gl_page.wait_for_function("window.noriaiMap !== undefined")
    drawn = gl_page.evaluate(
        """async ([lat, lon]) => {
          const limit = (p, ms) => Promise.race(
            [p, new Promise((r) => setTimeout(() => r("timeout"), ms))]);
          const m = await limit(window.noriaiMap, 20000);
          if (m === "timeout") return "the map never loaded";
          m.jumpTo({ center: [lon, lat], zoom: 12 });
          const idle = new Promise((r) => m.once("idle", () => r("idle")));
          if (await limit(idle, 60000) === "timeout") return "never idle";
          const fs = m.queryRenderedFeatures().filter((f) => f.source === "omt");
          return { zoom: m.getZoom(), layers: [...new Set(fs.map((f) => f.layer.id))],
                   roads: fs.filter((f) => f.layer.id === "road-major").length };
        }""",
        list(CITY_HALL),
    )
    assert isinstance(drawn, dict), drawn
    assert drawn["zoom"] == 12  # not held at the archive's own least zoom
    assert drawn["roads"] > 0 and {"road-major", "water"} <= set(drawn["layers"]), drawn
    assert any("/tiles/12/" in u for u in tiles), tiles


def _settle(page: Any) -> None:
    page.evaluate(
        """async () => { const m = await window.noriaiMap;
           await new Promise((r) => { m.triggerRepaint(); m.once("idle", r); }); }"""
    )


def test_a_street_name_is_drawn_at_a_known_point(gl_page: Any, live: Live) -> None:
    """Near city hall the road-label layer draws 国道124号, Japanese name and digits
    (the digits from our glyph range, the ideographs from the device's font), and the
    label shows on the canvas: the pixels there change when the layer is hidden."""
    glyphs: list[tuple[str, int]] = []
    gl_page.on(
        "response", lambda r: glyphs.append((r.url, r.status)) if "/glyphs/" in r.url else None
    )
    gl_page.goto(f"{live.url}/map")
    gl_page.wait_for_function("window.noriaiMap !== undefined")
    found = gl_page.evaluate(FIND_LABEL, list(ROUTE_124))
    assert isinstance(found, dict), found
    assert "国道124号" in found["names"], found["names"]
    assert found["cells"], "the label is not placed anywhere on the canvas"
    # the digits' range was fetched and answered (not an empty set, not refused)
    digits = "/glyphs/Noto%20Sans%20CJK%20JP%20Regular/0-255.pbf"
    assert any(u.endswith(digits) and s == 200 for u, s in glyphs), glyphs
    canvas = gl_page.locator("#map canvas")
    _settle(gl_page)
    shown = Image.open(BytesIO(canvas.screenshot())).convert("RGB")
    label_layer = """async (v) => (await window.noriaiMap)
        .setLayoutProperty('road-label', 'visibility', v)"""
    gl_page.evaluate(label_layer, "none")
    _settle(gl_page)
    hidden = Image.open(BytesIO(canvas.screenshot())).convert("RGB")
    gl_page.evaluate(label_layer, "visible")
    diff = ImageChops.difference(shown, hidden).convert("L").point(lambda v: 255 if v > 40 else 0)
    scale = shown.width / gl_page.evaluate("document.querySelector('#map canvas').clientWidth")
    inked = 0
    for x, y in found["cells"]:
        box = tuple(round(v * scale) for v in (x, y, x + 20, y + 20))
        inked += diff.crop(box).histogram()[255]
    assert inked > 40, f"{inked} pixels of the label differ with the layer hidden"


# -- the tablet (issue 16 §4): the route to the next stop over the basemap ----------------

DEPOT = {"latitude": 35.899980, "longitude": 140.623187}  # V07's depot
START = {"latitude": 35.8935, "longitude": 140.6485}  # the tablet's GPS: 650 m from the pickup
AWAY = {"latitude": 35.93, "longitude": 140.70}  # about 6.7 km east: off the map's view
HOME = (35.888975, 140.643843)  # the rider's home: the pickup
NOTE = "門の前で待っています"
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"""


@pytest.fixture(scope="module")
def v07(live: Live, fleet: list[str]) -> Iterator[str]:
    """Vehicle V07 on shift with its own driver, the background re-planning paused (it
    would move the ride to a car nearer by); afterwards its rides are cancelled and it
    breaks down, so it takes no ride of a later test."""
    from datetime import timedelta

    from booking_api.wiring import start_background_loop
    from dispatch.domain import LatLon
    from tests.web.conftest import DRIVER_PASSWORD
    from tests.web.seed import staff_account

    state = live.app.state.noriai
    if state.background is not None:
        stop, thread = state.background
        stop.set()
        thread.join(10)
        state.background = None
    engine = state.engine
    engine.add_vehicle(
        "V07", depot=LatLon(DEPOT["latitude"], DEPOT["longitude"]), name="神栖7号", seats=4
    )
    day = live.clock.start.astimezone(TOKYO).date()
    start = live.clock.start
    engine.set_shift("V07", day, start - timedelta(hours=1), start + timedelta(hours=8))
    staff_account(live, "driver-v07", DRIVER_PASSWORD, "driver", vehicle_id="V07")
    try:
        yield "V07"
    finally:
        for r in engine.list_rides(vehicle_id="V07", service_date=day):
            if r.status.value in ("assigned", "en_route", "arrived", "on_board"):
                engine.cancel(r.ride_id, by="test", reason="end of the basemap tests")
        engine.breakdown("V07")
        start_background_loop(state)


@pytest.fixture(scope="module")
def rider(live: Live) -> dict[str, Any]:
    """An approved member living at HOME."""
    from tests.web.seed import approved_member

    return approved_member(
        live, name="波崎 四郎", kana="はさき しろう", phone="09066660707",
        password="shiro-2026", birth_date="1941-07-07",
    )  # fmt: skip


def _ride_on_v07(live: Live, member: dict[str, Any]) -> dict[str, Any]:
    """A ride from the rider's home to city hall in about 45 minutes, with a note, on V07."""
    from datetime import timedelta

    t = (live.clock.now() + timedelta(minutes=45)).astimezone(TOKYO)
    t += timedelta(minutes=(5 - t.minute % 5) % 5)
    quote = live.api(
        "POST",
        "/api/v1/quotes",
        json={
            "member_id": member["id"], "from": {"home": True},
            "to": {"lat": 35.890028, "lon": 140.664461, "label": "神栖市役所"},
            "date": t.date().isoformat(), "time": t.strftime("%H:%M"),
            "time_mode": "depart_at", "party_size": 1, "notes": NOTE,
        },
    )  # fmt: skip
    ride = live.api("POST", "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]})[
        "booking"
    ]
    if ride["vehicle_id"] != "V07":
        ride = live.api(
            "POST", f"/api/v1/operator/rides/{ride['id']}/move", json={"vehicle_id": "V07"}
        )
    assert ride["vehicle_id"] == "V07"
    return dict(ride)


# The tablet's map once settled: the layers drawn, the route's ends, where the car and
# the next stop's tag sit on the screen against where their points project.
TABLET_MAP = """async () => {
  const limit = (p, ms) => Promise.race(
    [p, new Promise((r) => setTimeout(() => r("timeout"), ms))]);
  const m = window.noriaiDriverMap;
  const idle = new Promise((r) => { m.triggerRepaint(); m.once("idle", () => r("idle")); });
  if (await limit(idle, 20000) === "timeout") return "never idle";
  const box = m.getContainer().getBoundingClientRect();
  const at = (sel) => { const r = document.querySelector(sel).getBoundingClientRect();
    return [r.left + r.width / 2 - box.left, r.top + r.height / 2 - box.top, r.bottom - box.top]; };
  const route = m.queryRenderedFeatures({ layers: ["dr-route"] });
  const stops = m.queryRenderedFeatures({ layers: ["dr-stops"] });
  const next = stops.find((f) => f.properties.next);
  return {
    layers: [...new Set(m.queryRenderedFeatures().map((f) => f.layer.id))],
    route: route.length,
    next: next ? next.geometry.coordinates : null,
    bounds: m.getBounds().toArray(),
    car: at(".car-tag"), carText: document.querySelector(".car-tag").textContent,
    tag: at(".stop-tag"), tagText: document.querySelector(".stop-tag").innerText,
    size: [box.width, box.height],
  };
}"""
PROJECT = "(ll) => { const p = window.noriaiDriverMap.project(ll); return [p.x, p.y]; }"


def _inside(bounds: list[list[float]], lat: float, lon: float) -> bool:
    (west, south), (east, north) = bounds
    return west < lon < east and south < lat < north


def test_tablet_draws_the_route_to_the_next_stop_over_the_basemap(
    gl_browser: Any, live: Live, v07: str, rider: dict[str, Any]
) -> None:
    """The tablet's map is the vector basemap with the route line to the next stop, the
    stop's name and note at the stop and the car where its GPS puts it; when the car
    drives off the view the map follows it. All under the tablet's real CSP."""
    import time

    from tests.web.conftest import DRIVER_PASSWORD, SIZES

    ride = _ride_on_v07(live, rider)
    w, h = SIZES["tablet"]
    ctx = gl_browser.new_context(
        viewport={"width": w, "height": h}, locale="ja-JP",
        geolocation=START, permissions=["geolocation"],
    )  # fmt: skip
    page = ctx.new_page()
    page.clock.install(time=live.clock.now())
    page.set_default_timeout(30_000)
    page.add_init_script(WATCH_CSP)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(live.url + "/driver")
        assert "worker-src 'self' blob:" in page.evaluate(
            "fetch('/driver').then((r) => r.headers.get('content-security-policy'))"
        )
        page.fill("#dr-user", "driver-v07")
        page.fill("#dr-pw", DRIVER_PASSWORD)
        started = time.monotonic()
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#dr-map[data-map=basemap]")
        page.locator("#next", has_text="波崎 四郎").wait_for()
        page.locator(".stop-tag", has_text=NOTE).wait_for()
        drawn = page.evaluate(TABLET_MAP)
        took_s = time.monotonic() - started
        print(f"tablet: from login to the basemap with its route drawn {took_s:.1f} s")
        assert isinstance(drawn, dict), drawn
        # the basemap's own layers from our tiles, and the route line over them (the whole
        # way fits at zoom 13 or so, drawn from the overview tiles: no buildings there)
        assert {"road-minor", "road-major"} & set(drawn["layers"]), drawn["layers"]
        assert drawn["route"] > 0 and "dr-route" in drawn["layers"], drawn["layers"]
        lat, lon = HOME
        assert drawn["next"] == pytest.approx([lon, lat], abs=1e-5)
        # the next stop's name and note at the stop (the tag stands just above its point)
        assert NOTE in drawn["tagText"]
        stop_px = page.evaluate(PROJECT, [lon, lat])
        assert abs(drawn["tag"][0] - stop_px[0]) < 4 and 0 < stop_px[1] - drawn["tag"][2] < 40
        # the car where its GPS is, both in view
        assert drawn["carText"] == "現在地"
        car_px = page.evaluate(PROJECT, [START["longitude"], START["latitude"]])
        assert abs(drawn["car"][0] - car_px[0]) < 4 and abs(drawn["car"][1] - car_px[1]) < 4
        assert _inside(drawn["bounds"], START["latitude"], START["longitude"])
        assert _inside(drawn["bounds"], lat, lon)
        assert not _inside(drawn["bounds"], AWAY["latitude"], AWAY["longitude"])
        # the ナビ button carries the next stop's coordinates
        href = page.get_attribute("#next #nav-link", "href") or ""
        assert href.startswith(f"geo:{lat:.6f},{lon:.6f}"), href
        attribution = page.locator("#dr-map .maplibregl-ctrl-attrib").inner_text()
        assert "OpenStreetMap contributors" in attribution
        # the car drives off the view: the map follows it (the whole way again, zoomed
        # out as far as it needs: the overview tiles go down to zoom 10)
        page.context.set_geolocation(AWAY)
        page.wait_for_function(
            """([lat, lon]) => { const b = window.noriaiDriverMap.getBounds();
               return b.contains([lon, lat]); }""",
            arg=[AWAY["latitude"], AWAY["longitude"]],
        )
        moved = page.evaluate(TABLET_MAP)
        car_px = page.evaluate(PROJECT, [AWAY["longitude"], AWAY["latitude"]])
        assert abs(moved["car"][0] - car_px[0]) < 4 and abs(moved["car"][1] - car_px[1]) < 4
        assert {"building", "road-minor", "road-major"} & set(moved["layers"]), moved["layers"]
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "driver-basemap-tablet.png"))
        assert page.evaluate("window.__csp") == []
        assert not errors, errors
    finally:
        ctx.close()
        live.api("POST", f"/api/v1/bookings/{ride['id']}/cancel", json={"reason": "test"})


def test_a_tablet_without_webgl_draws_the_route_on_the_plain_map(
    new_page: Any, live: Live, v07: str, rider: dict[str, Any]
) -> None:
    """Without WebGL the tablet falls back to the Leaflet map of the bundled layers: the
    next stop's name and note at the stop, the car, the attribution; no script error."""
    from tests.web.conftest import DRIVER_PASSWORD

    ride = _ride_on_v07(live, rider)
    page = new_page("tablet", geolocation=START, permissions=["geolocation"])
    page.add_init_script(NO_WEBGL)
    try:
        page.goto(live.url + "/driver")
        page.fill("#dr-user", "driver-v07")
        page.fill("#dr-pw", DRIVER_PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#dr-map[data-map=leaflet].leaflet-container")
        page.locator("#dr-map .leaflet-tooltip", has_text=NOTE).wait_for()
        page.locator("#dr-map .here-icon", has_text="現在地").wait_for()
        assert page.locator("#dr-map .maplibregl-canvas").count() == 0
        attribution = page.inner_text("#dr-map .leaflet-control-attribution")
        assert "OpenStreetMap contributors" in attribution
    finally:
        live.api("POST", f"/api/v1/bookings/{ride['id']}/cancel", json={"reason": "test"})


# -- the operator console's day board (issue 16 §3): the vehicles over the basemap --------

BOARD_AT = (35.8935, 140.6485)  # V07's first reported GPS fix
BOARD_MOVED = (35.8990, 140.6600)  # its next fix, 1.2 km north-east
# The board's map moved onto a point once settled: the layers drawn, where V07's tag sits
# against where the point projects (pixels in the map's box).
BOARD_MAP = """async ([lat, lon]) => {
  const limit = (p, ms) => Promise.race(
    [p, new Promise((r) => setTimeout(() => r("timeout"), ms))]);
  const m = document.querySelector("#board-map").noriaiMap;
  m.jumpTo({ center: [lon, lat], zoom: 15 });
  const idle = new Promise((r) => { m.triggerRepaint(); m.once("idle", () => r("idle")); });
  if (await limit(idle, 20000) === "timeout") return "never idle";
  const box = m.getContainer().getBoundingClientRect();
  const tag = [...document.querySelectorAll("#board-map .veh-icon")]
    .find((e) => e.textContent.includes("神栖7号")).getBoundingClientRect();
  const p = m.project([lon, lat]);
  return {
    layers: [...new Set(m.queryRenderedFeatures().map((f) => f.layer.id))],
    tag: [tag.left + tag.width / 2 - box.left, tag.top + tag.height / 2 - box.top],
    point: [p.x, p.y],
  };
}"""


def _report(live: Live, lat: float, lon: float) -> None:
    """V07's tablet reports its GPS fix over the real route, as its driver."""
    import httpx

    from tests.web.conftest import DRIVER_PASSWORD

    login = httpx.post(
        f"{live.url}/api/v1/auth/login",
        json={"login": "driver-v07", "password": DRIVER_PASSWORD}, timeout=30,
    )  # fmt: skip
    login.raise_for_status()
    res = httpx.post(
        f"{live.url}/api/v1/driver/position", json={"lat": lat, "lon": lon},
        headers={"Authorization": f"Bearer {login.json()['token']}"}, timeout=30,
    )  # fmt: skip
    assert res.status_code == 204, res.text


def _operator_board(page: Any, live: Live) -> float:
    """Log in to the console and open the day board; returns when the board was asked for."""
    from tests.web.conftest import OPERATOR

    page.goto(live.url + "/operator")
    page.fill("#op-user", OPERATOR[0])
    page.fill("#op-pw", OPERATOR[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-call:not([hidden])")
    started = time.monotonic()
    page.keyboard.press("Alt+3")
    return started


def test_day_board_shows_the_vehicles_over_the_basemap(
    gl_browser: Any, live: Live, v07: str
) -> None:
    """The operator's day board draws the basemap (MapLibre, under the console's real
    CSP) with V07's tag at the position its tablet reported, moving with the next
    report from the board's socket, and the OpenStreetMap attribution."""
    _report(live, *BOARD_AT)
    page = gl_browser.new_page(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page.set_default_timeout(30_000)
    page.add_init_script(WATCH_CSP)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        started = _operator_board(page, live)
        page.wait_for_selector("#board-map[data-map=basemap] .maplibregl-canvas")
        page.locator("#board-map .veh-icon", has_text="神栖7号").wait_for()
        print(f"board: from Alt+3 to the basemap with V07 {time.monotonic() - started:.1f} s")
        assert "worker-src 'self' blob:" in page.evaluate(
            "fetch('/operator').then((r) => r.headers.get('content-security-policy'))"
        )
        # Leaflet is no longer on the console's page: the basemap needs none of it
        assert page.evaluate("window.L === undefined")
        drawn = page.evaluate(BOARD_MAP, list(BOARD_AT))
        assert isinstance(drawn, dict), drawn
        assert {"building", "road-minor"} <= set(drawn["layers"]), drawn["layers"]
        assert drawn["tag"] == pytest.approx(drawn["point"], abs=4), drawn
        attribution = page.locator("#board-map .maplibregl-ctrl-attrib").inner_text()
        assert "OpenStreetMap contributors" in attribution
        # the next fix comes over the board's socket and the tag follows it
        _report(live, *BOARD_MOVED)
        page.wait_for_function(
            """([lat, lon]) => { const m = document.querySelector("#board-map").noriaiMap;
               const tag = [...document.querySelectorAll("#board-map .veh-icon")]
                 .find((e) => e.textContent.includes("神栖7号"));
               const box = m.getContainer().getBoundingClientRect();
               const r = tag.getBoundingClientRect(); const p = m.project([lon, lat]);
               return Math.abs(r.left + r.width / 2 - box.left - p.x) < 4
                 && Math.abs(r.top + r.height / 2 - box.top - p.y) < 4; }""",
            arg=list(BOARD_MOVED),
        )
        moved = page.evaluate(BOARD_MAP, list(BOARD_MOVED))
        assert moved["tag"] == pytest.approx(moved["point"], abs=4), moved
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "operator-board-basemap.png"))
        assert page.evaluate("window.__csp") == []
        assert not errors, errors
    finally:
        page.close()


def test_a_console_without_webgl_shows_the_board_on_the_plain_map(
    new_page: Any, live: Live, v07: str
) -> None:
    """Without WebGL the board falls back to Leaflet (fetched then): V07's tag and the
    attribution, no MapLibre canvas."""
    _report(live, *BOARD_AT)
    page = new_page("desktop")
    page.add_init_script(NO_WEBGL)
    started = _operator_board(page, live)
    page.wait_for_selector("#board-map[data-map=leaflet].leaflet-container")
    page.locator("#board-map .veh-icon", has_text="神栖7号").wait_for()
    print(f"board: from Alt+3 to the Leaflet map with V07 {time.monotonic() - started:.1f} s")
    assert page.locator("#board-map .maplibregl-canvas").count() == 0
    attribution = page.inner_text("#board-map .leaflet-control-attribution")
    assert "OpenStreetMap contributors" in attribution


def test_phone_registration_picks_the_home_on_the_basemap(
    gl_browser: Any, live: Live, fleet: list[str]
) -> None:
    """On a phone registration the address puts the pin at the town's centre on the
    basemap, and a click on the map moves the home (and its pin) to the point clicked."""
    page = gl_browser.new_page(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        _operator_board(page, live)
        page.keyboard.press("Alt+1")
        page.wait_for_selector("#q:focus")
        page.keyboard.type("09066669999")
        page.keyboard.press("Enter")
        page.wait_for_selector("#reg-open:focus")
        page.keyboard.press("Enter")
        page.wait_for_selector("#nr-map[data-map=basemap] .maplibregl-canvas")
        page.fill("#nr-address", "神栖市大野原")
        page.click("#nr-locate")
        page.wait_for_selector("#nr-home-status:has-text('大野原')")
        page.wait_for_selector("#nr-map .map-pin")
        page.locator("#nr-map").scroll_into_view_if_needed()
        box = page.locator("#nr-map canvas").bounding_box()
        assert box is not None
        x, y = box["width"] * 0.3, box["height"] * 0.4
        want = page.evaluate(
            """([x, y]) => { const m = document.querySelector("#nr-map").noriaiMap;
               const ll = m.unproject([x, y]); return [ll.lat, ll.lng]; }""",
            [x, y],
        )
        before = page.inner_text("#nr-home-status")
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_function(
            "(t) => document.querySelector('#nr-home-status').innerText !== t", arg=before
        )
        said = re.findall(r"\d+\.\d+", page.inner_text("#nr-home-status"))
        assert [float(v) for v in said] == pytest.approx(want, abs=5e-5)  # within about 5 m
        pin = page.locator("#nr-map .map-pin").bounding_box()
        assert pin is not None
        centre = (pin["x"] + pin["width"] / 2 - box["x"], pin["y"] + pin["height"] / 2 - box["y"])
        assert centre == pytest.approx((x, y), abs=4)
        assert page.locator("#nr-map .map-pin").count() == 1
        assert not errors, errors
    finally:
        page.close()


def test_approvals_pin_the_applicants_home_on_the_basemap(
    gl_browser: Any, live: Live, fleet: list[str]
) -> None:
    """A pending application shows the applicant's home as a pin on the basemap (our
    tiles drawn around it), named for screen readers, with the attribution."""
    import httpx

    lat, lon = 35.888975, 140.643843
    body = {
        "name": "地図 花子", "kana": "ちず はなこ", "birth_date": "1947-07-07",
        "phone": "0299-71-0707", "address": "神栖市溝口1-7", "home_lat": lat, "home_lon": lon,
        "consent_terms": True, "consent_privacy": True, "password": "map-pass-77",
    }  # fmt: skip
    res = httpx.post(live.url + "/api/v1/registrations", json=body, timeout=30)
    assert res.status_code == 201, res.text
    member = res.json()["member"]
    page = gl_browser.new_page(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        _operator_board(page, live)
        page.keyboard.press("Alt+2")
        box = f"#map-{member['id']}"
        page.wait_for_selector(f"{box}[data-map=basemap] .map-pin")
        assert page.get_attribute(f"{box} .map-pin", "aria-label") == "地図 花子"
        drawn = page.evaluate(
            """async ([sel, lat, lon]) => {
              const m = document.querySelector(sel).noriaiMap;
              const idle = new Promise((r) => { m.triggerRepaint(); m.once("idle", r); });
              await Promise.race([idle, new Promise((r) => setTimeout(r, 20000))]);
              const box = m.getContainer().getBoundingClientRect();
              const r = m.getContainer().querySelector(".map-pin").getBoundingClientRect();
              const p = m.project([lon, lat]);
              return { layers: [...new Set(m.queryRenderedFeatures().map((f) => f.layer.id))],
                       pin: [r.left + r.width / 2 - box.left, r.top + r.height / 2 - box.top],
                       point: [p.x, p.y] }; }""",
            [box, lat, lon],
        )
        assert {"building", "road-minor"} & set(drawn["layers"]), drawn["layers"]
        assert drawn["pin"] == pytest.approx(drawn["point"], abs=4), drawn
        assert "OpenStreetMap contributors" in page.inner_text(f"{box} .maplibregl-ctrl-attrib")
        assert not errors, errors
    finally:
        page.close()
        live.api(
            "POST", f"/api/v1/members/{member['id']}/reject", json={"reason": "test"}
        )
