"""The offline basemap on ``/map``: MapLibre draws the city's vector tiles from our own
server (roads, buildings, water), the service's boundary, areas and destinations over
them, and the OpenStreetMap / OpenMapTiles attribution (issue 16 §3).

Its own browser: WebGL needs SwiftShader, which the shared browser's ``--disable-gpu``
turns off. Every wait in the page has its own time limit, so a map that never settles
fails the test instead of hanging it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, Live

pytestmark = pytest.mark.browser

CITY_HALL = (35.89003, 140.66446)  # 神栖市役所, a designated destination
GL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + [
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]  # fmt: skip


@pytest.fixture(scope="module")
def gl_page(live: Live, browser: Any) -> Iterator[Any]:
    # a second browser from the session's Playwright (a second sync_playwright() in the
    # same process is refused when the shared browser already runs)
    gl = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True, args=GL_ARGS)
    if True:
        browser = gl
        page = browser.new_page(viewport={"width": 800, "height": 600}, locale="ja-JP")
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        browser.close()
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
