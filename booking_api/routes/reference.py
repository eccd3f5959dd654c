"""Public reference data: service rules, areas, designated places, towns, web-map layers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from booking_api.deps import CityMap, State
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
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[PlaceOut]:
    """Search the designated destinations by name and category."""
    found = city_map.places.search(q, category=category, limit=limit)
    return [
        PlaceOut(
            id=p.id,
            name=p.name,
            category=p.category,
            lat=p.lat,
            lon=p.lon,
            address=p.address,
            area=city_map.area_of(p.lat, p.lon),
        )
        for p in found
    ]


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
            name=t.full_name, lat=t.lat, lon=t.lon, postal_code=t.postal_code, kana=t.kana
        )
        for t in city_map.towns.search(q, limit=limit)
    ]


@router.get("/map/layers", responses={503: {}})
def map_layers(city_map: CityMap, state: State) -> dict[str, Any]:
    """GeoJSON layers for the web maps: boundary, areas, roads, places."""
    if state.map_layers is None:
        state.map_layers = city_map.geojson_layers()
    return state.map_layers
