"""The preview page: self-contained, with the data attributions."""

from __future__ import annotations

from maps import CityMap
from maps.preview import render_preview_html


def test_preview_is_offline_and_attributed(kamisu: CityMap) -> None:
    """The page embeds the layers, loads nothing from outside and credits the sources."""
    page = render_preview_html(kamisu)
    assert page.startswith("<!doctype html>")
    assert "© OpenStreetMap contributors" in page
    assert "国土数値情報" in page and "Geolonia" in page
    assert "http://" not in page and "https://" not in page
    assert "<script src" not in page and "<link" not in page
    assert "神栖済生会病院" in page and '"FeatureCollection"' in page
