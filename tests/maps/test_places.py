"""Place and town search: kana/kanji, full/half width, categories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maps import CityMap, Place, Places
from maps.errors import MapDataError
from maps.places import Towns, chome_reading, normalize, town_reading


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


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("溝口", "溝口"),
        ("波崎", "波崎"),
        ("はさき", "波崎"),
        ("ハサキ", "波崎"),
        ("ﾊｻｷ", "波崎"),
        ("みぞぐち", "溝口"),
        ("ハサキシンコウ", "波崎新港"),
        ("おおのはら ななちょうめ", "大野原七丁目"),
        ("しってちゅうおうじゅっちょうめ", "知手中央十丁目"),
        ("ひらいずみそとじゅうにいりあい", "平泉外十二入会"),
        ("はさきいしづ", None),  # 小字 are searched in kanji only
        ("ぱりす", None),
    ],
)
def test_town_search(kamisu: CityMap, text: str, first: str | None) -> None:
    """Town names or readings (kana type and width ignored) give an approximate point;
    the exact name ranks first.
    """
    found = kamisu.towns.search(text)
    if first is None:
        assert found == []
        return
    assert found[0].full_name == first
    assert kamisu.inside(found[0].lat, found[0].lon)


def test_every_bundled_town_has_a_reading(kamisu: CityMap) -> None:
    """The Japan Post readings cover every 大字 and 町丁目 of the town list."""
    assert [t.full_name for t in kamisu.towns.all if not t.kana] == []
    hasaki = next(t for t in kamisu.towns.all if t.full_name == "波崎")
    assert hasaki.kana == "ハサキ"


def test_reading_prefix_lists_the_town_and_its_koaza_before_others(kamisu: CityMap) -> None:
    """「はさき」 lists 波崎 first, then 波崎's 小字 and 波崎新港; nothing from elsewhere."""
    found = [t.full_name for t in kamisu.towns.search("はさき", limit=50)]
    assert found[0] == "波崎" and "波崎新港" in found and "波崎石津" in found
    assert all(name.startswith("波崎") for name in found)


@pytest.mark.parametrize(
    ("numeral", "reading"),
    [
        ("一", "いっちょうめ"),
        ("三", "さんちょうめ"),
        ("八", "はっちょうめ"),
        ("十", "じゅっちょうめ"),
        ("十一", "じゅういっちょうめ"),
        ("二十", "にじゅっちょうめ"),
        ("二一", ""),
    ],
)
def test_chome_reading(numeral: str, reading: str) -> None:
    assert chome_reading(numeral) == reading


def test_town_reading_from_the_oaza_reading() -> None:
    readings = {"大野原": "オオノハラ", "大野原中央": "オオノハラチュウオウ"}
    assert town_reading("大野原", readings) == "オオノハラ"
    assert town_reading("大野原中央二丁目", readings) == "オオノハラチュウオウニチョウメ"
    assert town_reading("大野原西", readings) == ""  # only 丁目 may follow a known name


def test_readings_file_and_kana_field(tmp_path: Path) -> None:
    """A city gives readings in a CSV or as a ``kana`` field of the town list."""
    towns = tmp_path / "towns.json"
    towns.write_text(
        json.dumps(
            [
                {"town": "本町一丁目", "lat": 35.0, "lng": 140.0},
                {"town": "川端", "lat": 35.1, "lng": 140.1, "kana": "かわばた"},
            ]
        ),
        encoding="utf-8",
    )
    readings = tmp_path / "readings.csv"
    readings.write_text("town,kana\n本町,ホンマチ\n", encoding="utf-8")
    found = Towns.from_json(towns, readings)
    assert [t.full_name for t in found.search("ﾎﾝﾏﾁ")] == ["本町一丁目"]
    assert [t.full_name for t in found.search("カワバタ")] == ["川端"]
    assert Towns.from_json(towns).search("ほんまち") == []  # no readings file
    with pytest.raises(MapDataError):
        Towns.from_json(towns, tmp_path / "missing.csv")


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
