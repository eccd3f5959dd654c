"""Public reference data: service rules, areas, designated places, towns, web-map layers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from booking_api import destinations
from booking_api.deps import CityMap, State
from booking_api.rules import RuleViolation, check_areas
from dispatch.clock import clock_rate

router = APIRouter(tags=["reference"])

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "hospital": ("病院", "Hospitals"),
    "clinic": ("医院・診療所", "Clinics"),
    "dentist": ("歯科", "Dentists"),
    "pharmacy": ("薬局", "Pharmacies"),
    "drugstore": ("ドラッグストア", "Drugstores"),
    "supermarket": ("スーパー", "Supermarkets"),
    "convenience_store": ("コンビニ", "Convenience stores"),
    "home_centre": ("ホームセンター", "Home centres"),
    "bank": ("銀行", "Banks"),
    "post_office": ("郵便局", "Post offices"),
    "city_office": ("市役所", "City offices"),
    "library": ("図書館", "Libraries"),
    "public_facility": ("公共施設", "Public facilities"),
}


class AreaOut(BaseModel):
    """A service area."""

    id: str
    name: str


class PlaceOut(BaseModel):
    """A designated destination."""

    id: str
    name: str
    category: str
    lat: float
    lon: float
    address: str
    area: str | None
    group: str = ""
    locality: str = ""  # the nearest town, for a place without an address
    distance_m: int | None = None  # straight-line distance from ``near`` when asked


class GroupOut(BaseModel):
    """A group of destination categories as residents think of them (病院・クリニック ...)."""

    id: str
    label_ja: str
    label_en: str
    categories: list[str]
    count: int


class AreaCheckOut(BaseModel):
    """Whether a trip between two points' service areas runs, and if not why."""

    ok: bool
    from_area: AreaOut | None
    to_area: AreaOut | None
    code: str | None = None
    message_ja: str | None = None
    message_en: str | None = None


class CategoryOut(BaseModel):
    """A destination category with labels for the apps."""

    id: str
    label_ja: str
    label_en: str


class TownOut(BaseModel):
    """A town (大字・町丁目) and its representative point, for address search."""

    name: str
    lat: float
    lon: float
    postal_code: str
    kana: str = ""
    area: str | None = None


class ClockOut(BaseModel):
    """The service's current time and how fast it runs (the apps keep their own copy)."""

    now: datetime
    rate: float
    timezone: str


@router.get("/clock")
def clock(state: State) -> ClockOut:
    """The service's clock: the apps show and book by it, not by the device's clock.

    ``rate`` is service seconds per real second: 1 in production, the speed-up
    in the demo.
    """
    return ClockOut(now=state.now(), rate=clock_rate(state.clock), timezone=state.rules.timezone)


@router.get("/rules")
def rules(state: State) -> dict[str, Any]:
    """The city's service rules (days, hours, horizon, fares, eligibility ...)."""
    return state.rules.as_public_dict()


@router.get("/areas", responses={503: {}})
def areas(city_map: CityMap) -> list[AreaOut]:
    """The service areas."""
    return [AreaOut(id=a.id, name=a.name) for a in city_map.areas.areas]


@router.get("/places", responses={503: {}})
def places(
    city_map: CityMap,
    q: Annotated[str, Query(max_length=100)] = "",
    category: Annotated[str | None, Query(max_length=50)] = None,
    group: Annotated[str | None, Query(max_length=50)] = None,
    near_lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    near_lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[PlaceOut]:
    """Search the designated destinations by name, category or group (``GET
    /places/groups``). Each place is listed once: one without an address gets its
    nearest town as ``locality`` and a second of the same name there is left out. With
    ``near_lat``/``near_lon`` (e.g. home) the nearest come first.
    """
    if group is not None:
        cats = [c for c in city_map.places.categories() if destinations.group_of(c).id == group]
        found = [p for c in cats for p in city_map.places.search(q, category=c, limit=1000)]
        found.sort(key=lambda p: p.name)
    else:
        found = city_map.places.search(q, category=category, limit=1000)
    near = (near_lat, near_lon) if near_lat is not None and near_lon is not None else None
    listed = destinations.listing(found, city_map.towns.all, near=near)[:limit]
    return [
        PlaceOut(
            id=item.place.id,
            name=item.place.name,
            category=item.place.category,
            lat=item.place.lat,
            lon=item.place.lon,
            address=item.place.address,
            area=city_map.area_of(item.place.lat, item.place.lon),
            group=destinations.group_of(item.place.category).id,
            locality=item.locality,
            distance_m=None if item.distance_m is None else round(item.distance_m),
        )
        for item in listed
    ]


@router.get("/places/groups", responses={503: {}})
def place_groups(city_map: CityMap) -> list[GroupOut]:
    """The groups of destinations residents choose from (病院・クリニック, 歯科, 薬局・
    ドラッグストア, 買い物, 銀行・郵便局, 役所 ...), only those the city's places have.
    """
    counts: dict[str, int] = {}
    for p in city_map.places.all:
        counts[p.category] = counts.get(p.category, 0) + 1
    return [
        GroupOut(
            id=g.id,
            label_ja=g.label_ja,
            label_en=g.label_en,
            categories=cats,
            count=sum(counts[c] for c in cats),
        )
        for g, cats in destinations.groups_present(counts)
    ]


def _area(city_map: Any, lat: float, lon: float) -> AreaOut | None:
    area_id = city_map.area_of(lat, lon)
    if area_id is None:
        return None
    return AreaOut(id=area_id, name=city_map.areas.get(area_id).name)


def _category(city_map: Any, place_id: str | None) -> str | None:
    try:
        return None if place_id is None else str(city_map.places.get(place_id).category)
    except KeyError:
        return None


@router.get("/areas/check", responses={503: {}})
def area_check(
    city_map: CityMap,
    state: State,
    from_lat: Annotated[float, Query(ge=-90, le=90)],
    from_lon: Annotated[float, Query(ge=-180, le=180)],
    to_lat: Annotated[float, Query(ge=-90, le=90)],
    to_lon: Annotated[float, Query(ge=-180, le=180)],
    from_place_id: Annotated[str | None, Query(max_length=64)] = None,
    to_place_id: Annotated[str | None, Query(max_length=64)] = None,
) -> AreaCheckOut:
    """Say whether the service runs between the areas of two points (the city's area
    rules), so an app can tell the rider when the destination is picked, naming both
    areas, instead of after the whole form.
    """
    src, dst = _area(city_map, from_lat, from_lon), _area(city_map, to_lat, to_lon)
    try:
        check_areas(
            state.rules,
            src.id if src else None,
            dst.id if dst else None,
            to_category=_category(city_map, to_place_id),
            to_place_id=to_place_id,
            from_category=_category(city_map, from_place_id),
            from_place_id=from_place_id,
        )
    except RuleViolation as exc:
        assert src is not None and dst is not None  # check_areas passes unknown areas
        return AreaCheckOut(
            ok=False,
            from_area=src,
            to_area=dst,
            code=exc.code,
            message_ja=f"{src.name}（エリア{src.id}）から{dst.name}（エリア{dst.id}）へは運行していません"
            "（指定の病院・市役所などを除く）。",
            message_en=f"The service does not run from {src.name} (area {src.id}) to "
            f"{dst.name} (area {dst.id}), except to designated hospitals and city offices.",
        )
    return AreaCheckOut(ok=True, from_area=src, to_area=dst)


@router.get("/places/categories", responses={503: {}})
def categories(city_map: CityMap) -> list[CategoryOut]:
    """The destination categories present, with Japanese and English labels."""
    out = []
    for cat in city_map.places.categories():
        ja, en = CATEGORY_LABELS.get(cat, (cat, cat.replace("_", " ").capitalize()))
        out.append(CategoryOut(id=cat, label_ja=ja, label_en=en))
    return out


@router.get("/towns", responses={503: {}})
def towns(
    city_map: CityMap,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[TownOut]:
    """Search towns (address points) by name or reading (はさき, ハサキ or 波崎)."""
    return [
        TownOut(
            name=t.full_name,
            lat=t.lat,
            lon=t.lon,
            postal_code=t.postal_code,
            kana=t.kana,
            area=city_map.area_of(t.lat, t.lon),
        )
        for t in city_map.towns.search(q, limit=limit)
    ]


@router.get("/map/layers", responses={503: {}})
def map_layers(city_map: CityMap, state: State) -> dict[str, Any]:
    """GeoJSON layers for the web maps: boundary, areas, roads, places."""
    if state.map_layers is None:
        state.map_layers = city_map.geojson_layers()
    return state.map_layers
