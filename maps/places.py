"""Places an operator or rider names: destinations (with category) and towns (大字・町丁目).

Search is forgiving in the ways a phone call needs: full- and half-width forms are
unified (Unicode NFKC), katakana and hiragana match each other, and spaces,
hyphens, long-vowel marks and middle dots are ignored, so "ｾﾌﾞﾝ", "せぶん いれぶん"
and "セブン-イレブン" all find the same shop. Towns are also found by their reading
(``はさき``, ``ハサキ`` or ``ﾊｻｷ`` find 波崎) when the city ships a readings file.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maps.errors import MapDataError

_IGNORED = set(" \t\u3000-‐‑‒–—―−ーｰ・･/()（）")


def normalize(text: str) -> str:
    """Canonical search form: NFKC, katakana -> hiragana, lower case, no spaces/dashes/dots."""
    out = []
    for ch in unicodedata.normalize("NFKC", text).lower():
        if ch in _IGNORED:
            continue
        code = ord(ch)
        if 0x30A1 <= code <= 0x30F6:  # katakana ァ..ヶ -> hiragana ぁ..ゖ
            ch = chr(code - 0x60)
        out.append(ch)
    return "".join(out)


def _rank(query: str, key: str) -> int | None:
    if key == query:
        return 0
    if key.startswith(query):
        return 1
    if query in key:
        return 2
    return None


_CHOME = re.compile(r"([一二三四五六七八九十]+)丁目")
_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True))
_ONES = ("", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう")
_ONES_CHOME = ("", "いっ", "に", "さん", "よん", "ご", "ろく", "なな", "はっ", "きゅう")


def chome_reading(numeral: str) -> str:
    """Reading of ``<numeral>丁目`` for 一..九十九 (一丁目 -> いっちょうめ, 十丁目 ->
    じゅっちょうめ); "" for a numeral it cannot read.
    """
    before, ten, after = numeral.partition("十")
    try:
        if not ten:
            tens, ones = 0, _DIGITS[before]
        else:
            tens = _DIGITS[before] if before else 1
            ones = _DIGITS[after] if after else 0
    except KeyError:
        return ""
    head = (_ONES[tens] if tens > 1 else "") + ("じゅう" if tens else "")
    if ones:
        return head + _ONES_CHOME[ones] + "ちょうめ"
    return head[:-1] + "っちょうめ"  # じゅう + ちょうめ is said じゅっちょうめ


def town_reading(name: str, readings: Mapping[str, str]) -> str:
    """Reading of a town name from the readings of 大字 names: an exact entry, or the
    longest entry the name starts with followed by ``N丁目`` (大野原七丁目 ->
    オオノハラナナチョウメ).
    Empty when unknown.
    """
    if name in readings:
        return readings[name]
    for base in sorted(readings, key=len, reverse=True):
        rest = name[len(base) :]
        match = _CHOME.fullmatch(rest) if name.startswith(base) else None
        if match and chome_reading(match.group(1)):
            # Written in katakana like the Japan Post readings (ナナチョウメ).
            suffix = "".join(chr(ord(ch) + 0x60) for ch in chome_reading(match.group(1)))
            return readings[base] + suffix
    return ""


def read_readings(path: Path | None) -> dict[str, str]:
    """Read ``town,kana[,postal_code]`` rows (no file: no readings)."""
    if path is None:
        return {}
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return {r["town"]: r["kana"] for r in csv.DictReader(f) if r.get("kana")}
    except (OSError, KeyError, ValueError) as exc:
        msg = f"cannot read town readings {path}: {exc}"
        raise MapDataError(msg, f"町名の読みデータ {path} を読めません") from exc


@dataclass(frozen=True)
class Place:
    """A destination: id (``D0001``), name, category (``hospital``...), point, address."""

    id: str
    name: str
    category: str
    lat: float
    lon: float
    address: str = ""


@dataclass(frozen=True)
class Town:
    """A town (大字・町丁目, maybe with 小字) and its representative point."""

    name: str
    lat: float
    lon: float
    koaza: str = ""
    postal_code: str = ""
    kana: str = ""  # reading of ``name`` (katakana or hiragana), "" when unknown

    @property
    def full_name(self) -> str:
        """Town name followed by the 小字 when there is one."""
        return self.name + self.koaza


class Places:
    """The city's destinations, searchable by name and category."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.all = tuple(places)
        self._by_id = {p.id: p for p in self.all}
        self._keys = [normalize(p.name) for p in self.all]

    @classmethod
    def from_csv(cls, path: Path | None) -> Places:
        """Read ``id,name,category,lat,lon[,address]`` rows (no file: no places)."""
        if path is None:
            return cls([])
        try:
            with path.open(encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
            return cls(
                Place(
                    id=r["id"],
                    name=r["name"],
                    category=r.get("category") or "other",
                    lat=float(r["lat"]),
                    lon=float(r["lon"]),
                    address=r.get("address") or "",
                )
                for r in rows
            )
        except (OSError, KeyError, ValueError) as exc:
            msg = f"cannot read destinations {path}: {exc}"
            raise MapDataError(msg, f"目的地データ {path} を読めません") from exc

    def categories(self) -> list[str]:
        """The categories present, sorted."""
        return sorted({p.category for p in self.all})

    def get(self, place_id: str) -> Place:
        """The place with this id (``KeyError`` if unknown)."""
        return self._by_id[place_id]

    def search(self, text: str, category: str | None = None, limit: int = 20) -> list[Place]:
        """Places whose name contains ``text`` (normalised), best first: exact, prefix,
        then substring, shorter names first. Empty text lists the category.
        """
        query = normalize(text)
        found: list[tuple[int, int, str, Place]] = []
        for place, key in zip(self.all, self._keys, strict=True):
            if category is not None and place.category != category:
                continue
            rank = _rank(query, key) if query else 2
            if rank is not None:
                found.append((rank, len(key), place.id, place))
        found.sort(key=lambda t: t[:3])
        return [t[3] for t in found[:limit]]


class Towns:
    """The city's towns (大字・町丁目), searchable by name or reading."""

    def __init__(self, towns: Iterable[Town]) -> None:
        self.all = tuple(towns)
        # Each town is found by its written name and, when known, by its reading (+ 小字).
        self._keys = [
            (normalize(t.full_name), normalize(t.kana + t.koaza) if t.kana else "")
            for t in self.all
        ]

    @classmethod
    def from_json(cls, path: Path | None, readings_path: Path | None = None) -> Towns:
        """Read a Geolonia-style list of ``{town, koaza, lat, lng, zip}`` objects; a
        ``kana`` field or the ``town,kana`` rows of ``readings_path`` give the readings.
        """
        if path is None:
            return cls([])
        readings = read_readings(readings_path)
        try:
            rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                Town(
                    name=str(r["town"]),
                    koaza=str(r.get("koaza") or ""),
                    lat=float(r["lat"]),
                    lon=float(r["lng"] if "lng" in r else r["lon"]),
                    postal_code=str(r.get("zip") or ""),
                    kana=str(r.get("kana") or town_reading(str(r["town"]), readings)),
                )
                for r in rows
            )
        except (OSError, KeyError, ValueError, TypeError) as exc:
            msg = f"cannot read towns {path}: {exc}"
            raise MapDataError(msg, f"町名データ {path} を読めません") from exc

    def search(self, text: str, limit: int = 20) -> list[Town]:
        """Towns whose name or reading contains ``text`` (normalised: kana type and
        width ignored), exact match first, then prefix, then substring.
        """
        query = normalize(text)
        if not query:
            return []
        found = []
        for town, (name_key, kana_key) in zip(self.all, self._keys, strict=True):
            best = None
            for key in (name_key, kana_key):
                rank = _rank(query, key) if key else None
                if rank is not None and (best is None or (rank, len(key)) < best):
                    best = (rank, len(key))
            if best is not None:
                found.append((*best, name_key, town))
        found.sort(key=lambda t: t[:3])
        return [t[3] for t in found[:limit]]
