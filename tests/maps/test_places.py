"""Place and town search: kana/kanji, full/half width, categories."""

from __future__ import annotations

import pytest

from maps import CityMap, Place, Places
from maps.places import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｾﾌﾞﾝｲﾚﾌﾞﾝ", "セブン-イレブン"),  # half-width katakana, no hyphen
        ("せぶん いれぶん", "セブン-イレブン"),  # hiragana with a space
        ("セブン－イレブン", "セブン-イレブン"),  # full-width hyphen
        ("済生会", "神栖済生会病院"),
        ("神栖市役所", "神栖市役所"),
    ],
)
def test_search_forgives_width_kana_and_spaces(kamisu: CityMap, text: str, expected: str) -> None:
    """Various spellings find the same destination first."""
    found = kamisu.places.search(text)
    assert found and found[0].name == expected


def test_exact_match_ranks_first(kamisu: CityMap) -> None:
    """Searching a name that exists exactly returns it before longer names."""
    found = kamisu.places.search("神栖市役所")
    assert found[0].id == "D0001"
    assert len(found) >= 2  # the Hasaki branch office also contains the name


def test_search_by_category(kamisu: CityMap) -> None:
    """The category filter keeps only that category; empty text lists it."""
    hospitals = kamisu.places.search("", category="hospital")
    assert {p.name for p in hospitals} == {"神栖済生会病院", "白十字総合病院", "渡辺病院"}
    assert kamisu.places.search("セブン", category="hospital") == []
    assert "convenience_store" in kamisu.places.categories()
    assert kamisu.places.get("D0001").category == "city_office"


def test_limit(kamisu: CityMap) -> None:
    """At most ``limit`` results come back."""
    assert len(kamisu.places.search("ファミリーマート", limit=3)) <= 3
    assert len(kamisu.places.search("", category="convenience_store", limit=5)) == 5


def test_every_destination_snaps(kamisu: CityMap) -> None:
    """Every bundled destination can be served (inside, near a road)."""
    for place in kamisu.places.all:
        assert kamisu.snap(place.lat, place.lon).snap_distance_m <= 300


@pytest.mark.parametrize(("text", "first"), [("溝口", "溝口"), ("波崎", "波崎"), ("ハサキ", None)])
def test_town_search(kamisu: CityMap, text: str, first: str | None) -> None:
    """Town names give an approximate point; the exact name ranks first."""
    found = kamisu.towns.search(text)
    if first is None:
        assert found == []  # the town list has no readings
        return
    assert found[0].full_name == first
    assert kamisu.inside(found[0].lat, found[0].lon)


def test_mizoguchi_is_near_city_hall(kamisu: CityMap) -> None:
    """溝口 (city hall's town) lies within about 2 km of city hall."""
    town = kamisu.towns.search("溝口")[0]
    assert abs(town.lat - 35.89) < 0.02 and abs(town.lon - 140.664) < 0.02


def test_normalize() -> None:
    """NFKC, katakana to hiragana, lower case, punctuation and spaces dropped."""
    assert normalize("ＡＢＣ　ｶﾞｯｺｳ") == "abcがっこう"
    assert normalize("コミュニティ・センター") == normalize("こみゅにてぃせんた")


def test_places_from_rows() -> None:
    """Places built in code search the same way."""
    places = Places([Place("P1", "波崎ドラッグ", "drugstore", 35.7, 140.8)])
    assert places.search("どらっぐ")[0].id == "P1"
