"""Destinations as residents look for them: groups, a locality for places without an
address, one button per chain store and place, nearest to home first.

The city's places data has fine categories (``clinic``, ``dentist``, ``drugstore``
...); residents think in a few groups (病院・クリニック, 歯科, 薬局, 買い物 ...). Many
chain stores in the data have no address, so ten 「セブン-イレブン」 buttons looked
the same: each place without an address is given the town (大字・町丁目) nearest to it,
and a second place of the same name in the same town is left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Group:
    """A group of destination categories with its labels (``id`` is stable for the apps)."""

    id: str
    label_ja: str
    label_en: str
    categories: tuple[str, ...]


# The order is the order of the buttons: what residents go to most often first.
GROUPS: tuple[Group, ...] = (
    Group("medical", "病院・クリニック", "Hospitals and clinics", ("hospital", "clinic")),
    Group("dentist", "歯科", "Dentists", ("dentist",)),
    Group("pharmacy", "薬局・ドラッグストア", "Pharmacies", ("pharmacy", "drugstore")),
    Group(
        "shopping",
        "買い物",
        "Shopping",
        ("supermarket", "home_centre", "convenience_store", "shop", "mall"),
    ),
    Group("bank_post", "銀行・郵便局", "Banks and post offices", ("bank", "post_office")),
    Group("city_office", "役所", "City offices", ("city_office", "town_hall")),
    Group(
        "public", "公共施設・図書館", "Public facilities and libraries",
        ("library", "public_facility", "community_centre"),
    ),
)  # fmt: skip
OTHER = Group("other", "その他", "Other places", ())


def group_of(category: str) -> Group:
    """Return the group a place category belongs to (``other`` when none names it)."""
    for group in GROUPS:
        if category in group.categories:
            return group
    return OTHER


def groups_present(categories: Iterable[str]) -> list[tuple[Group, list[str]]]:
    """Return the groups that have places, each with the categories of the data in it."""
    present = sorted(set(categories))
    out = []
    for group in (*GROUPS, OTHER):
        members = [c for c in present if group_of(c) is group]
        if members:
            out.append((group, members))
    return out


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in metres (for ordering; not a driving distance)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def nearest_town(towns: Sequence[Any], lat: float, lon: float) -> str:
    """Return the full name of the town whose point is nearest (``""`` without towns)."""
    best, best_d = "", math.inf
    for town in towns:
        d = distance_m(lat, lon, town.lat, town.lon)
        if d < best_d:
            best, best_d = town.full_name, d
    return best


@dataclass(frozen=True)
class Listed:
    """A place as listed to a resident: the place, its locality and distance from home."""

    place: Any
    locality: str  # the nearest town when the place has no address, else ""
    distance_m: float | None


def listing(
    places: Iterable[Any],
    towns: Sequence[Any],
    *,
    near: tuple[float, float] | None = None,
) -> list[Listed]:
    """Return ``places`` once each as residents should see them.

    A place without an address gets its nearest town as the locality; places of the
    same name at the same address or locality are one button (the first kept). With
    ``near`` (home), nearest first; otherwise in the given order.
    """
    seen: set[tuple[str, str]] = set()
    out: list[Listed] = []
    for place in places:
        locality = "" if place.address else nearest_town(towns, place.lat, place.lon)
        key = (place.name, place.address or locality)
        if key in seen:
            continue
        seen.add(key)
        dist = None if near is None else distance_m(near[0], near[1], place.lat, place.lon)
        out.append(Listed(place, locality, dist))
    if near is not None:
        out.sort(key=lambda item: item.distance_m or 0.0)
    return out
