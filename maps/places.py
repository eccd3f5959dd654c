"""Places an operator or rider names: destinations (with category) and towns (大字・町丁目).

Search is forgiving in the ways a phone call needs: full- and half-width forms are
unified (Unicode NFKC), katakana and hiragana match each other, and spaces,
hyphens, long-vowel marks and middle dots are ignored, so "ｾﾌﾞﾝ", "せぶん いれぶん"
and "セブン-イレブン" all find the same shop.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable
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
    """The city's towns (大字・町丁目), searchable by name."""

    def __init__(self, towns: Iterable[Town]) -> None:
        self.all = tuple(towns)
        self._keys = [normalize(t.full_name) for t in self.all]

    @classmethod
    def from_json(cls, path: Path | None) -> Towns:
        """Read a Geolonia-style list of ``{town, koaza, lat, lng, zip}`` objects."""
        if path is None:
            return cls([])
        try:
            rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                Town(
                    name=str(r["town"]),
                    koaza=str(r.get("koaza") or ""),
                    lat=float(r["lat"]),
                    lon=float(r["lng"] if "lng" in r else r["lon"]),
                    postal_code=str(r.get("zip") or ""),
                )
                for r in rows
            )
        except (OSError, KeyError, ValueError, TypeError) as exc:
            msg = f"cannot read towns {path}: {exc}"
            raise MapDataError(msg, f"町名データ {path} を読めません") from exc

    def search(self, text: str, limit: int = 20) -> list[Town]:
        """Towns whose name contains ``text`` (normalised), exact match first."""
        query = normalize(text)
        if not query:
            return []
        found = []
        for town, key in zip(self.all, self._keys, strict=True):
            rank = _rank(query, key)
            if rank is not None:
                found.append((rank, len(key), key, town))
        found.sort(key=lambda t: t[:3])
        return [t[3] for t in found[:limit]]
