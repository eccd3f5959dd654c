"""The residents' maps over the city's vector basemap (issue 16 §3, §5): MapLibre is
fetched only when a screen first shows a map (never for the welcome or login screens,
which must stay light on a weak signal), the registration's map draws our tiles with
large labels and "© OpenStreetMap contributors", a tap on it puts the home (and its pin)
at the point tapped; a destination is picked on the basemap; and a phone without WebGL
gets the plain Leaflet map with the same attribution and the same tap.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import NO_WEBGL, Live, wait_until
from tests.web.seed import approved_member

pytestmark = pytest.mark.browser

PHONE = "09077153690"  # no other browser test uses it (they share one server)
PASSWORD = "map-pass-2690"
READY = "document.documentElement.dataset.i18nReady === '1'"
# The map settled: the basemap's layers drawn in the box, the road labels' size.
DRAWN = """async (sel) => {
  const m = document.querySelector(sel).noriaiMap;
  const idle = new Promise((r) => { m.triggerRepaint(); m.once("idle", () => r("idle")); });
  const late = new Promise((r) => setTimeout(() => r("timeout"), 20000));
  const done = await Promise.race([idle, late]);
  if (done === "timeout") return "never idle";
  const omt = m.queryRenderedFeatures().filter((f) => f.source === "omt");
  return { layers: [...new Set(omt.map((f) => f.layer.id))],
           labelSize: m.getLayoutProperty("road-label", "text-size") };
}"""


def _gl_page(gl_browser: Any, live: Live) -> tuple[Any, list[str], list[str]]:
    """A phone-sized page with WebGL, its script errors and the URLs it requested."""
    from datetime import timedelta

    ctx = gl_browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    page = ctx.new_page()
    page.clock.install(time=live.clock.now() + timedelta(seconds=0))
    page.set_default_timeout(30_000)
    errors: list[str] = []
    urls: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: urls.append(r.url))
    return page, errors, urls


def _tap_sets_home(page: Any) -> None:
    """A tap on the registration's map: the home said there (within about 5 m) and one
    pin at the point tapped."""
    page.locator("#reg-map").scroll_into_view_if_needed()
    canvas = page.locator("#reg-map .maplibregl-canvas")  # inside the box's border
    box = (canvas if canvas.count() else page.locator("#reg-map")).bounding_box()
    assert box is not None
    x, y = box["width"] * 0.35, box["height"] * 0.45
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector("#reg-home-status:has-text('.')")
    said = [float(v) for v in re.findall(r"\d+\.\d+", page.inner_text("#reg-home-status"))]
    # where the home said lies on the map, in the map's pixels (the mouse lands on whole
    # pixels, and the status has five decimals: within a pixel)
    at = page.evaluate(
        """([lat, lon]) => { const m = document.querySelector("#reg-map").noriaiMap;
           if (!m) return null; const p = m.project([lon, lat]); return [p.x, p.y]; }""",
        said,
    )
    if at is None:  # Leaflet (its pin is drawn on its canvas): a point in the town
        assert 35.6 < said[0] < 36.1 and 140.5 < said[1] < 141.0, said
        return
    assert at == pytest.approx([x, y], abs=1), (at, x, y)
    page.wait_for_selector("#reg-map .map-pin")
    assert page.locator("#reg-map .map-pin").count() == 1
    pin = page.locator("#reg-map .map-pin").bounding_box()
    assert pin is not None
    centre = (pin["x"] + pin["width"] / 2 - box["x"], pin["y"] + pin["height"] / 2 - box["y"])
    assert centre == pytest.approx((x, y), abs=4)


def test_the_first_screens_load_no_map_library_and_registration_draws_the_basemap(
    gl_browser: Any, live: Live
) -> None:
    page, errors, urls = _gl_page(gl_browser, live)
    try:
        page.goto(live.url + "/#/")
        wait_until(page, READY)
        page.goto(live.url + "/#/login")
        page.wait_for_selector("#view-login:not([hidden])")
        # the screens behind the login are fetched after the first one: still no map library
        page.wait_for_load_state("networkidle")
        assert not [u for u in urls if re.search(r"maplibre|leaflet|/tiles/", u)], urls
        assert page.evaluate("typeof window.maplibregl") == "undefined"

        page.goto(live.url + "/#/register")
        page.wait_for_selector("#reg-map[data-map=basemap] .maplibregl-canvas")
        drawn = page.evaluate(DRAWN, "#reg-map")
        assert isinstance(drawn, dict), drawn
        assert {"building", "road-minor", "road-major", "water"} & set(drawn["layers"]), drawn
        assert drawn["labelSize"] == 18, drawn  # the style's 13 px, 1.4 times: large text
        assert any("/tiles/" in u for u in urls) and any("maplibre-gl.js" in u for u in urls)
        attribution = page.locator("#reg-map .maplibregl-ctrl-attrib")
        assert attribution.is_visible()
        assert "OpenStreetMap contributors" in attribution.inner_text()
        size = page.eval_on_selector(
            "#reg-map .maplibregl-ctrl-attrib", "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 16, size
        _tap_sets_home(page)
        assert not errors, errors
    finally:
        page.context.close()


def test_a_destination_is_picked_on_the_basemap(
    gl_browser: Any, live: Live, fleet: list[str]
) -> None:
    approved_member(
        live, name="地図 秋子", kana="ちず あきこ", phone=PHONE, password=PASSWORD,
        birth_date="1946-10-10",
    )  # fmt: skip
    page, errors, _ = _gl_page(gl_browser, live)
    try:
        page.goto(live.url + "/#/login")
        wait_until(page, READY)
        page.fill("#login-id", PHONE)
        page.fill("#login-pw", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.locator("#view-book:not([hidden]) .place-btn").first.click()  # from home
        page.click(".map-pick summary")
        page.wait_for_selector("#to-map[data-map=basemap] .maplibregl-canvas")
        drawn = page.evaluate(DRAWN, "#to-map")
        assert isinstance(drawn, dict), drawn
        assert drawn["layers"], drawn
        layers = page.evaluate(
            "() => document.querySelector('#to-map').noriaiMap.getStyle().layers.map((l) => l.id)"
        )
        assert "pm-places" in layers  # the designated destinations over the basemap
        assert "OpenStreetMap contributors" in page.inner_text("#to-map .maplibregl-ctrl-attrib")
        page.locator("#to-map").scroll_into_view_if_needed()
        box = page.locator("#to-map").bounding_box()
        assert box is not None
        page.evaluate(
            """() => { window.pinned = []; new MutationObserver(() => {
                 const p = document.querySelector("#to-map .map-pin");
                 if (p && !window.pinned.length) window.pinned.push(p.getAttribute("aria-label"));
               }).observe(document.querySelector("#to-map"), { subtree: true, childList: true });
            }"""
        )
        page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.3)
        page.wait_for_selector("#b-time")  # the next step: when
        assert page.evaluate("window.pinned") == ["地図で選んだ場所"]  # the point tapped, pinned
        assert not errors, errors
    finally:
        page.context.close()


def test_without_webgl_the_registration_map_is_the_plain_map(new_page: Any, live: Live) -> None:
    page = new_page("phone")
    page.add_init_script(NO_WEBGL)
    page.goto(live.url + "/#/register")
    page.wait_for_selector("#reg-map[data-map=leaflet].leaflet-container")
    assert page.locator("#reg-map .maplibregl-canvas").count() == 0
    attribution = page.locator("#reg-map .leaflet-control-attribution")
    assert attribution.is_visible()
    assert "OpenStreetMap contributors" in attribution.inner_text()
    _tap_sets_home(page)
