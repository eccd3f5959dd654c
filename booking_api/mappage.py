"""The ``/map`` page: the city's vector basemap (roads with names, buildings, water,
land use, places) drawn by MapLibre from our own ``/tiles`` route, with the service's
boundary, areas and destinations over it (``/api/v1/map/layers``).

A small HTML shell: the map library and tiles are fetched by the page itself, so the
page stays a few KB instead of embedding the road network
(``noriai maps preview`` still writes that self-contained page for offline use).
"""

from __future__ import annotations

import html
import json
from typing import Any

_PAGE = """<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>html, body, #map { margin: 0; height: 100%; }</style>
</head>
<body>
<div id="map" data-view='__VIEW__'></div>
<noscript>© OpenMapTiles © OpenStreetMap contributors</noscript>
<script type="module">
import { showBasemap, addServiceLayers } from "/static/common/basemap.js";
const el = document.getElementById("map");
window.noriaiMap = showBasemap(el, JSON.parse(el.dataset.view)).then(addServiceLayers);
</script>
</body>
</html>
"""


def render_map_page(city: Any) -> str:
    """The ``/map`` HTML for a city (its ``CityInfo``): title and starting view."""
    title = f"{city.name_ja or city.name} — Noriai map"
    view = json.dumps({"lat": city.center_lat, "lon": city.center_lon, "zoom": 14})
    return _PAGE.replace("__TITLE__", html.escape(title)).replace("__VIEW__", html.escape(view))
