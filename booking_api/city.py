"""The city's service rules, loaded from a TOML data file (``booking_api/cities/<city>.toml``).

Everything a town decides — days and hours, holidays, booking horizon, notice,
daily ride limit, which areas connect, fares and eligibility — is data in that
file, read into the frozen ``CityRules`` object handed to the routes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from dispatch.calendar import ClosedDate, ClosedPeriod, ServiceCalendar
from dispatch.config import TapReason, TapRules
from fares.products import Product, parse_products
from fares.rules import Fare, FarePayment, FareTable, Party, parse_fare_table, parse_payment

CITIES_DIR = Path(__file__).resolve().parent / "cities"


class CityFileError(ValueError):
    """The city rules file is missing or malformed."""


@dataclass(frozen=True)
class Fares:
    """Fares in yen by member category, plus companions; versions and products (``fares``)."""

    categories: dict[str, int]
    default_category: str
    companion_yen: int
    free_companions: int
    free_companion_categories: frozenset[str]
    carers_ride_free: bool = False
    # Every version of the rules (``[[fares.versions]]``), the products, and how fares are paid.
    table: FareTable | None = None
    products: tuple[Product, ...] = ()
    payment: FarePayment = field(default_factory=lambda: FarePayment())

    def fare(
        self,
        category: str,
        party_size: int,
        carers: int = 0,
        *,
        day: date | None = None,
        areas: tuple[str | None, str | None] = (None, None),
    ) -> Fare:
        """Return the party's fare, its lines and rule version on ``day`` (``fares.rules``)."""
        table = self.table or parse_fare_table(
            {
                "categories": self.categories,
                "default_category": self.default_category,
                "companion_yen": self.companion_yen,
                "free_companions": self.free_companions,
                "free_companion_categories": sorted(self.free_companion_categories),
                "carers_ride_free": self.carers_ride_free,
            }
        )
        party = Party.of_size(category, party_size, carers)
        return table.fare(party, day or date.max, areas)

    def fare_yen(
        self,
        category: str,
        party_size: int,
        carers: int = 0,
        *,
        day: date | None = None,
        areas: tuple[str | None, str | None] = (None, None),
    ) -> int:
        """Return the fare of a member of ``category`` riding with ``party_size - 1`` others.

        ``carers`` of those others are carers (介助者): free when the city's
        ``carers_ride_free`` says so, otherwise they pay as companions (同伴者).
        Without ``day`` the latest rule applies.
        """
        return self.fare(category, party_size, carers, day=day, areas=areas).total_yen

    def product(self, product_id: str) -> Product | None:
        """Return the product with this id, if the city has it."""
        return next((p for p in self.products if p.id == product_id), None)


@dataclass(frozen=True)
class NoShowPolicy:
    """How no-shows are counted, warned about and punished (the ``[no_show]`` table).

    No-shows in the last ``window_days`` are counted; from ``warn_after`` the
    member sees a warning, at ``suspend_after`` they cannot book for
    ``suspend_days``. ``enabled`` is false when the city has no such table.
    """

    enabled: bool
    window_days: int
    warn_after: int
    suspend_after: int
    suspend_days: int


NO_POLICY = NoShowPolicy(False, 0, 0, 0, 0)


@dataclass(frozen=True)
class CityRules:
    """Service rules of one city (see ``cities/kamisu.toml`` for the meaning of each field)."""

    city_id: str
    name_ja: str
    name_en: str
    timezone: str
    member_number_prefix: str
    maps_city: str
    operating_weekdays: frozenset[int]
    service_start: time
    service_end: time
    closed_periods: tuple[tuple[str, str], ...]
    holidays: frozenset[date]
    booking_horizon_days: int
    min_notice_min: int
    max_rides_per_day: int
    max_party_size: int
    offer_hold_s: int
    late_cancel_min: int
    area_links: tuple[tuple[str, str], ...]
    cross_area_categories: frozenset[str]
    cross_area_places: frozenset[str]
    fares: Fares
    require_residency: bool
    min_age: int
    exempt_categories: frozenset[str]
    no_show: NoShowPolicy = NO_POLICY
    # A member registered by staff (phone, counter) is approved at once ("approve")
    # or waits in the approval queue like an online application ("queue").
    staff_registration: str = "approve"
    taps: TapRules = field(default_factory=TapRules)
    calendar: ServiceCalendar = field(default_factory=ServiceCalendar)
    # The reservation centre's number, shown wherever the apps say "call us" (お電話で).
    reservation_phone: str = ""
    # [dispatch]: what giving a wheelchair car's place to a rider without a wheelchair costs
    # the plan, in seconds of driving (0: nothing; keeps those cars free where it costs little).
    wheelchair_place_cost_s: int = 0
    # [dispatch] darp_share: the part of each background re-optimisation's solver budget
    # given to the dial-a-ride search after OR-Tools (0: off).
    darp_share: float = 0.0
    # [city] maps_dir: a map data folder where it lies (as `noriai maps import` wrote it),
    # resolved against the city file's folder; None: the bundled ``maps/data/<maps_city>``.
    maps_dir: Path | None = None

    def as_public_dict(self) -> dict[str, Any]:
        """Return the rules as plain JSON-able data for ``GET /api/v1/rules``."""
        return {
            "city": self.city_id,
            "reservation_phone": self.reservation_phone,
            "name_ja": self.name_ja,
            "name_en": self.name_en,
            "timezone": self.timezone,
            "operating_weekdays": sorted(self.operating_weekdays),
            "service_start": self.service_start.strftime("%H:%M"),
            "service_end": self.service_end.strftime("%H:%M"),
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "closed_periods": [list(p) for p in self.closed_periods],
            "national_holidays": self.calendar.national_holidays,
            "runs_on_holidays": self.calendar.runs_on_holidays,
            "booking_horizon_days": self.booking_horizon_days,
            "min_notice_min": self.min_notice_min,
            "max_rides_per_day": self.max_rides_per_day,
            "max_party_size": self.max_party_size,
            "offer_hold_s": self.offer_hold_s,
            "late_cancel_min": self.late_cancel_min,
            "area_links": [list(p) for p in self.area_links],
            "cross_area_categories": sorted(self.cross_area_categories),
            "cross_area_places": sorted(self.cross_area_places),
            "fares": dict(self.fares.categories),
            "companion_fare_yen": self.fares.companion_yen,
            "carers_ride_free": self.fares.carers_ride_free,
            "staff_registration": self.staff_registration,
            "eligibility": {
                "require_residency": self.require_residency,
                "min_age": self.min_age,
                "exempt_categories": sorted(self.exempt_categories),
            },
            "no_show": {
                "enabled": self.no_show.enabled,
                "window_days": self.no_show.window_days,
                "warn_after": self.no_show.warn_after,
                "suspend_after": self.no_show.suspend_after,
                "suspend_days": self.no_show.suspend_days,
            },
        }


def _hhmm(text: str) -> time:
    try:
        hour, minute = text.split(":")
        return time(int(hour), int(minute))
    except (ValueError, AttributeError) as exc:
        msg = f"not a time HH:MM: {text!r}"
        raise CityFileError(msg) from exc


def parse_no_show(table: dict[str, Any] | None) -> NoShowPolicy:
    """Build the no-show policy; a city without a ``[no_show]`` table does not count no-shows."""
    if table is None or not table.get("enabled", True):
        return NO_POLICY
    policy = NoShowPolicy(
        enabled=True,
        window_days=int(table["window_days"]),
        warn_after=int(table["warn_after"]),
        suspend_after=int(table["suspend_after"]),
        suspend_days=int(table["suspend_days"]),
    )
    if not 1 <= policy.warn_after <= policy.suspend_after:
        msg = "no_show: need 1 <= warn_after <= suspend_after"
        raise ValueError(msg)
    if not 1 <= policy.suspend_days <= policy.window_days:
        # A suspension is found from the no-show that caused it, so it must lie in the window.
        msg = "no_show: need 1 <= suspend_days <= window_days"
        raise ValueError(msg)
    return policy


def parse_taps(table: dict[str, Any] | None) -> TapRules:
    """Build the driver-tap guards (``[driver_taps]``); without the table, the permissive rules."""
    if table is None:
        return TapRules()
    radius = table.get("arrive_radius_m")
    return TapRules(
        arrive_radius_m=int(radius) if radius is not None else None,
        gps_max_age_s=int(table.get("gps_max_age_s", 120)),
        arrive_without_gps=str(table.get("arrive_without_gps", "allow")),
        arrive_reasons=tuple(
            TapReason(str(r["code"]), str(r["ja"]), str(r["en"]))
            for r in table.get("arrive_reasons", [])
        ),
        no_show_wait_s=int(table.get("no_show_wait_min", 0)) * 60,
        boarded_needs_arrived=bool(table.get("boarded_needs_arrived", False)),
        undo_s=int(table.get("undo_s", 60)),
    )


def _periods(service: dict[str, Any]) -> tuple[ClosedPeriod, ...]:
    """Read ``closed_periods``: ``["12-29", "01-03"]`` or ``{from, to, ja, en}`` tables."""
    periods = []
    for p in service.get("closed_periods", []):
        if isinstance(p, dict):
            start, end = str(p["from"]), str(p["to"])
            periods.append(ClosedPeriod(start, end, str(p.get("ja", "")), str(p.get("en", ""))))
        else:
            start, end = p
            periods.append(ClosedPeriod(str(start), str(end)))
    return tuple(periods)


def parse_calendar(service: dict[str, Any]) -> ServiceCalendar:
    """Build the service calendar from the ``[service]`` table (see ``dispatch.calendar``)."""
    holidays = {}
    for h in service.get("holidays", []):  # the city's own holidays: a date or {date, name}
        if isinstance(h, dict):
            holidays[date.fromisoformat(str(h["date"]))] = str(h.get("name", "休日"))
        else:
            holidays[date.fromisoformat(str(h))] = "休日"
    return ServiceCalendar(
        operating_weekdays=frozenset(int(d) for d in service["operating_weekdays"]),
        national_holidays=str(service.get("national_holidays", "")),
        runs_on_holidays=bool(service.get("runs_on_holidays", False)),
        holidays=holidays,
        closed_periods=_periods(service),
        closed_dates=tuple(
            ClosedDate(
                date.fromisoformat(str(c["date"])), str(c.get("ja", "")), str(c.get("en", ""))
            )
            for c in service.get("closed_dates", [])
        ),
    )


def _staff_registration(table: dict[str, Any]) -> str:
    rule = str(table.get("staff_registration", "approve"))
    if rule not in {"approve", "queue"}:
        msg = f"registration.staff_registration must be 'approve' or 'queue', not {rule!r}"
        raise ValueError(msg)
    return rule


def _non_negative(table: dict[str, Any], key: str) -> int:
    value = int(table.get(key, 0))
    if value < 0:
        msg = f"dispatch.{key} must not be negative, not {value}"
        raise ValueError(msg)
    return value


def _share(table: dict[str, Any], key: str) -> float:
    value = table.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        msg = f"dispatch.{key} must be a number from 0 up to (not including) 1, not {value!r}"
        raise ValueError(msg)
    return float(value)


def parse_city(data: dict[str, Any], base: Path | None = None) -> CityRules:
    """Build ``CityRules`` from the parsed TOML tables, with a clear error for a bad value;
    a relative ``[city] maps_dir`` is taken from ``base`` (the city file's folder)."""
    try:
        city, service = data["city"], data["service"]
        areas, fares, elig = data.get("areas", {}), data["fares"], data.get("eligibility", {})
        return CityRules(
            city_id=str(city["id"]),
            name_ja=str(city.get("name_ja", city["id"])),
            name_en=str(city.get("name_en", city["id"])),
            timezone=str(city.get("timezone", "Asia/Tokyo")),
            member_number_prefix=str(city.get("member_number_prefix", "M")),
            maps_city=str(city.get("maps_city", city["id"])),
            maps_dir=_maps_dir(city.get("maps_dir"), base),
            reservation_phone=str(city.get("reservation_phone", "")),
            operating_weekdays=frozenset(int(d) for d in service["operating_weekdays"]),
            service_start=_hhmm(service["start"]),
            service_end=_hhmm(service["end"]),
            closed_periods=tuple((p.start, p.end) for p in _periods(service)),
            holidays=frozenset(parse_calendar(service).holidays),
            booking_horizon_days=int(service["booking_horizon_days"]),
            min_notice_min=int(service["min_notice_min"]),
            max_rides_per_day=int(service["max_rides_per_day"]),
            max_party_size=int(service.get("max_party_size", 4)),
            offer_hold_s=int(service.get("offer_hold_s", 300)),
            late_cancel_min=int(service.get("late_cancel_min", 60)),
            area_links=tuple((str(a), str(b)) for a, b in areas.get("links", [])),
            cross_area_categories=frozenset(areas.get("cross_area_categories", [])),
            cross_area_places=frozenset(areas.get("cross_area_places", [])),
            fares=Fares(
                categories={str(k): int(v) for k, v in fares["categories"].items()},
                default_category=str(fares.get("default_category", "general")),
                companion_yen=int(fares.get("companion_yen", 0)),
                free_companions=int(fares.get("free_companions", 0)),
                free_companion_categories=frozenset(fares.get("free_companion_categories", [])),
                carers_ride_free=bool(fares.get("carers_ride_free", False)),
                table=parse_fare_table(fares),
                products=parse_products(data.get("products", []), fares["categories"]),
                payment=parse_payment(fares),
            ),
            require_residency=bool(elig.get("require_residency", True)),
            min_age=int(elig.get("min_age", 0)),
            exempt_categories=frozenset(elig.get("exempt_categories", [])),
            no_show=parse_no_show(data.get("no_show")),
            taps=parse_taps(data.get("driver_taps")),
            calendar=parse_calendar(service),
            staff_registration=_staff_registration(data.get("registration", {})),
            wheelchair_place_cost_s=_non_negative(
                data.get("dispatch", {}), "wheelchair_place_cost_s"),
            darp_share=_share(data.get("dispatch", {}), "darp_share"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"bad city rules: {exc}"
        raise CityFileError(msg) from exc


def _maps_dir(value: Any, base: Path | None) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        msg = "[city] maps_dir must be a folder path (text)"
        raise CityFileError(msg)
    path = Path(value).expanduser()
    return path if path.is_absolute() or base is None else (base / path)


def load_city(path: Path) -> CityRules:
    """Read and parse one city rules file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"cannot read city rules {path}: {exc.strerror}"
        raise CityFileError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"city rules {path} are not valid TOML: {exc}"
        raise CityFileError(msg) from exc
    return parse_city(data, path.parent)
