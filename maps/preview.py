"""A self-contained HTML page drawing the city's boundary, areas, roads and destinations.

No tile server and no CDN: the GeoJSON layers are embedded in the page and drawn
on a canvas by a few lines of plain JavaScript (drag to pan, wheel to zoom, hover a
destination for its name). ``noriai maps preview --out FILE`` writes it and the
API serves the same page at ``/map``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from maps.citymap import CityMap

_TEMPLATE = Path(__file__).resolve().parent / "templates" / "preview.html"


def render_preview_html(city_map: CityMap) -> str:
    """The preview page of ``city_map`` as one HTML string (no external resources)."""
    city = city_map.city
    title = f"{city.name_ja or city.name} — Noriai map"
    layers = json.dumps(city_map.geojson_layers(), ensure_ascii=False, separators=(",", ":"))
    view = {"lat": city.center_lat, "lon": city.center_lon, "width_km": city.zoom_km}
    attribution = " · ".join(html.escape(line) for line in city.attribution)
    if "OpenStreetMap" not in attribution:
        attribution = "© OpenStreetMap contributors · " + attribution
    return (
        _TEMPLATE.read_text(encoding="utf-8")
        .replace("__TITLE__", html.escape(title))
        .replace("__ATTRIBUTION__", attribution)
        .replace("__VIEW__", json.dumps(view))
        .replace("__LAYERS__", layers.replace("</", "<\\/"))
    )
