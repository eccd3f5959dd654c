"""The feeds' inputs, built at the edge from the settings, the city file and the map data.

``booking_api.city`` reads the service rules; the publishing details (the
``[feeds]`` and ``[open_data]`` tables: names, pages, address, vehicle types,
licence, suppression threshold) are read here from the same file and handed to
``feeds`` as its own frozen values, so ``feeds`` never sees settings.
"""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

from booking_api.city import CITIES_DIR, CityRules
from booking_api.settings import Settings, SettingsError
from feeds import FeedConfig, MapData, OpenDataConfig, VehicleType, load_map_data


def _tables(settings: Settings) -> dict[str, Any]:
    path = settings.city_file or CITIES_DIR / f"{settings.city}.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:  # read once already at start-up
        raise SettingsError(f"cannot read the city file {path}: {exc}") from exc


def _flat_fare(rules: CityRules, raw: dict[str, Any], day: date) -> int | None:
    """The fare of one adult of the default category, when it does not depend on the trip."""
    if raw.get("fares", {}).get("area_pairs"):
        return None
    return rules.fares.fare_yen(rules.fares.default_category, 1, day=day)


def feed_config(settings: Settings, day: date) -> FeedConfig:
    """Return what the GTFS and GOFS feeds publish for the city of ``settings`` on ``day``.

    Texts not given in ``[feeds]`` are made from the rules (the booking message
    says the notice, the horizon and the phone number), so a new city publishes
    a true feed before it writes its own words.
    """
    rules = settings.city_rules()
    raw = _tables(settings)
    t = raw.get("feeds", {})
    base = settings.public_url.rstrip("/")
    phone = rules.reservation_phone
    notice, ahead = rules.min_notice_min, rules.booking_horizon_days
    try:
        return FeedConfig(
            city_id=rules.city_id,
            agency_name_ja=str(t.get("agency_name_ja", rules.name_ja)),
            agency_name_en=str(t.get("agency_name_en", rules.name_en)),
            agency_url=str(t.get("agency_url") or f"{base}/"),
            timezone=rules.timezone,
            phone=phone,
            public_url=base,
            booking_url=str(t.get("booking_url") or f"{base}/"),
            info_url=str(t.get("info_url", "")),
            service_name_ja=str(t.get("service_name_ja", f"{rules.name_ja}デマンドタクシー")),
            service_name_en=str(t.get("service_name_en", f"{rules.name_en} demand taxi")),
            service_start=rules.service_start,
            service_end=rules.service_end,
            min_notice_min=notice,
            booking_horizon_days=ahead,
            calendar=rules.calendar,
            area_links=rules.area_links,
            message_ja=str(
                t.get("message_ja")
                or f"会員登録のうえ、乗車の{ahead}日前から{notice}分前までに、"
                f"ウェブまたは予約センター（{phone}）でご予約ください。"
            ),
            message_en=str(
                t.get("message_en")
                or f"Members book online or by calling {phone}, from {ahead} days "
                f"up to {notice} minutes before the trip."
            ),
            agency_official_name=str(t.get("agency_official_name", "")),
            agency_address=str(t.get("agency_address", "")),
            agency_zip=str(t.get("agency_zip", "")),
            contact_email=str(t.get("contact_email", "")),
            route_color=str(t.get("route_color", "1B6E3A")),
            route_text_color=str(t.get("route_text_color", "FFFFFF")),
            vehicle_types=tuple(
                VehicleType(
                    str(v["id"]),
                    int(v.get("max_capacity", rules.max_party_size)),
                    str(v.get("wheelchair_boarding", "boarding_inaccessible")),
                )
                for v in t.get("vehicle_types", [{"id": "car"}])
            ),
            designated_name_ja=str(t.get("designated_name_ja", "指定の目的地")),
            designated_name_en=str(t.get("designated_name_en", "Designated destinations")),
            fare_yen=_flat_fare(rules, raw, day),
            period_days=int(t.get("period_days", 365)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingsError(f"city file [feeds]: {exc}") from exc


def open_data_config(settings: Settings) -> OpenDataConfig:
    """Return how the city publishes its monthly open data (``[open_data]``)."""
    rules = settings.city_rules()
    t = _tables(settings).get("open_data", {})
    try:
        return OpenDataConfig(
            publisher_ja=str(t.get("publisher_ja", rules.name_ja)),
            publisher_en=str(t.get("publisher_en", rules.name_en)),
            licence_id=str(t.get("licence", "CC-BY-4.0")),
            licence_name=str(
                t.get("licence_name", "Creative Commons Attribution 4.0 International")
            ),
            licence_url=str(t.get("licence_url", "https://creativecommons.org/licenses/by/4.0/")),
            min_cell=int(t.get("min_cell", 5)),
            online_target=float(t.get("online_registration_target", 0.2)),
        )
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"city file [open_data]: {exc}") from exc


def map_data(settings: Settings) -> MapData:
    """Return the city's zones and designated destinations (from its bundled map data)."""
    rules = settings.city_rules()
    return load_map_data(
        settings.map_dir(),
        cross_area_categories=rules.cross_area_categories,
        cross_area_places=rules.cross_area_places,
    )
