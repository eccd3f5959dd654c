"""The offline basemap on ``/map``: MapLibre draws the city's vector tiles from our own
server (roads, buildings, water), the service's boundary, areas and destinations over
them, and the OpenStreetMap / OpenMapTiles attribution (issue 16 §3).

Its own browser: WebGL needs SwiftShader, which the shared browser's ``--disable-gpu``
turns off. Every wait in the page has its own time limit, so a map that never settles
fails the test instead of hanging it.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from PIL import Image, ImageChops

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, Live

pytestmark = pytest.mark.browser

CITY_HALL = (35.89003, 140.66446)  # 神栖市役所, a designated destination
GL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + [
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]  # fmt: skip


@pytest.fixture(scope="module")
def gl_browser(browser: Any) -> Iterator[Any]:
    """A second browser with WebGL, from the session's Playwright (a second
    sync_playwright() in the same process is refused when the shared browser runs)."""
    gl = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True, args=GL_ARGS)
    yield gl
    gl.close()


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
