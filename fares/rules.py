"""Fare rules from the city file: who pays what for a ride, by the rule in force that day.

A city's ``[fares]`` table is one rule (flat by member category, or by the pair
of areas a trip joins); ``[[fares.versions]]`` are later rules, each from its
``effective_from`` date. A fare is computed for the whole party (the member,
companions, carers) by the rule of the ride's service date, and is stored with
the booking, so a rule change never changes a ride already booked. The booking
also keeps the rule's version (``FareTable.version_of``: its first day and a
hash of what it says), so a rule edited in the city file without a new
``effective_from`` still shows as another version on the rides priced after it.

Everything here is pure: frozen dataclasses in, ``Fare`` out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import Any

from fares.errors import FareConfigError

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class AreaFare:
    """The fares by category of a trip between areas ``a`` and ``b`` (either way)."""

    a: str
    b: str
    yen: Mapping[str, int]


@dataclass(frozen=True)
class FareRule:
    """One version of the fare rules, in force from ``effective_from``."""

    effective_from: date
    categories: Mapping[str, int]
    area_pairs: tuple[AreaFare, ...] = ()
    companion_yen: int = 0
    free_companions: int = 0
    free_companion_categories: frozenset[str] = frozenset()
    carers_ride_free: bool = False

    @property
    def version(self) -> str:
        """Return the rule's name: its first day (ISO); ``FareTable.version_of`` adds a hash."""
        return self.effective_from.isoformat()

    def digest(self, default_category: str) -> str:
        """Return 8 hex digits of a SHA-256 over everything this rule prices by."""
        content = {
            "effective_from": self.effective_from.isoformat(),
            "categories": dict(sorted(self.categories.items())),
            "area_pairs": [[p.a, p.b, dict(sorted(p.yen.items()))] for p in self.area_pairs],
            "companion_yen": self.companion_yen,
            "free_companions": self.free_companions,
            "free_companion_categories": sorted(self.free_companion_categories),
            "carers_ride_free": self.carers_ride_free,
            "default_category": default_category,
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    def base_yen(self, category: str, areas: tuple[str | None, str | None] = (None, None)) -> int:
        """Return what a member of ``category`` pays alone, for a trip between ``areas``."""
        a, b = areas
        for pair in self.area_pairs:
            if {pair.a, pair.b} == {a, b} and category in pair.yen:
                return pair.yen[category]
        return self.categories[category]


@dataclass(frozen=True)
class Party:
    """Who rides: the member's fare category, companions (同伴者) and carers (介助者)."""

    category: str
    companions: int = 0
    carers: int = 0

    @classmethod
    def of_size(cls, category: str, party_size: int, carers: int = 0) -> Party:
        """Return the party of ``party_size`` people of whom ``carers`` are carers."""
        others = max(0, party_size - 1)
        carers = min(max(0, carers), others)
        return cls(category, others - carers, carers)


@dataclass(frozen=True)
class FareLine:
    """One part of a fare: ``who`` (member, companion, carer), how many, yen each."""

    who: str
    count: int
    yen_each: int

    @property
    def yen(self) -> int:
        """Return this line's total."""
        return self.count * self.yen_each


@dataclass(frozen=True)
class Fare:
    """A party's fare: the total, its lines and the rule version it was computed by."""

    total_yen: int
    lines: tuple[FareLine, ...]
    version: str
    category: str


@dataclass(frozen=True)
class FareTable:
    """Every version of a city's fare rules, oldest first, and the default category."""

    rules: tuple[FareRule, ...]
    default_category: str
    categories: tuple[str, ...] = field(default=())

    def version_of(self, rule: FareRule) -> str:
        """Return the version stored with a booking: ``<effective_from>#<digest>``.

        Two rules from the same day that price differently (a rule edited in
        place) have different versions; the same rule always has the same one.
        """
        return f"{rule.version}#{rule.digest(self.default_category)}"

    def rule_on(self, day: date) -> FareRule:
        """Return the rule in force on ``day`` (the latest that started on or before it)."""
        current = self.rules[0]
        for rule in self.rules:
            if rule.effective_from <= day:
                current = rule
        return current

    def fare(
        self,
        party: Party,
        day: date,
        areas: tuple[str | None, str | None] = (None, None),
    ) -> Fare:
        """Return the whole party's fare for a ride on ``day`` between ``areas``.

        An unknown category pays as the default one. Carers ride free when the
        rule says so (otherwise they pay as companions); the first
        ``free_companions`` companions of a member in ``free_companion_categories``
        ride free.
        """
        rule = self.rule_on(day)
        category = party.category if party.category in rule.categories else self.default_category
        lines = [FareLine("member", 1, rule.base_yen(category, areas))]
        companions, carers = party.companions, party.carers
        if not rule.carers_ride_free:
            companions, carers = companions + carers, 0
        free = (
            min(companions, rule.free_companions)
            if category in rule.free_companion_categories
            else 0
        )
        if free:
            lines.append(FareLine("companion_free", free, 0))
        if companions - free:
            lines.append(FareLine("companion", companions - free, rule.companion_yen))
        if carers:
            lines.append(FareLine("carer", carers, 0))
        return Fare(sum(x.yen for x in lines), tuple(lines), self.version_of(rule), category)


def _yen(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"fares: {what} must be whole yen (0 or more), not {value!r}"
        raise FareConfigError(msg)
    return value


def _rule(table: Mapping[str, Any], base: FareRule | None) -> FareRule:
    """Read one rule; a version names only what changes from the rule before it."""
    start = table.get("effective_from")
    changes: dict[str, Any] = {}
    if "categories" in table:
        changes["categories"] = {
            str(k): _yen(v, f"categories.{k}") for k, v in table["categories"].items()
        }
    if "area_pairs" in table:
        pairs = []
        for p in table["area_pairs"]:
            a, b = (str(x) for x in p["areas"])
            yen = {str(k): _yen(v, f"area_pairs.{k}") for k, v in p["yen"].items()}
            pairs.append(AreaFare(a, b, yen))
        changes["area_pairs"] = tuple(pairs)
    for key in ("companion_yen", "free_companions"):
        if key in table:
            changes[key] = _yen(table[key], key)
    if "free_companion_categories" in table:
        changes["free_companion_categories"] = frozenset(table["free_companion_categories"])
    if "carers_ride_free" in table:
        changes["carers_ride_free"] = bool(table["carers_ride_free"])
    if start is not None:
        changes["effective_from"] = date.fromisoformat(str(start))
    if base is None:
        if "categories" not in changes:
            msg = "fares: categories are required"
            raise FareConfigError(msg)
        return FareRule(**{"effective_from": EPOCH, **changes})
    if "effective_from" not in changes:
        msg = "fares.versions: each version needs effective_from"
        raise FareConfigError(msg)
    return replace(base, **changes)


def parse_fare_table(table: Mapping[str, Any]) -> FareTable:
    """Build the ``FareTable`` of a city file's ``[fares]`` table (see ``cities/kamisu.toml``).

    Raises ``FareConfigError`` for negative or fractional yen, versions out of
    date order, a default category or area-pair category that is not a
    category, or a version dropping a category members may hold.
    """
    try:
        first = _rule(table, None)
        rules = [first]
        for version in table.get("versions", []):
            rules.append(_rule(version, rules[-1]))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FareConfigError):
            raise
        msg = f"fares: {exc}"
        raise FareConfigError(msg) from exc
    for before, after in pairwise(rules):
        if after.effective_from <= before.effective_from:
            msg = "fares.versions must be in date order"
            raise FareConfigError(msg)
        if set(before.categories) - set(after.categories):
            msg = "fares.versions: a version may not drop a category"
            raise FareConfigError(msg)
    default = str(table.get("default_category", "general"))
    for rule in rules:
        known = set(rule.categories)
        if default not in known or any(set(p.yen) - known for p in rule.area_pairs):
            msg = "fares: default_category and area_pairs must use the categories"
            raise FareConfigError(msg)
    return FareTable(tuple(rules), default, tuple(first.categories))


@dataclass(frozen=True)
class Reason:
    """A reason a driver can give for a ride not paid (code and both languages)."""

    code: str
    ja: str
    en: str


@dataclass(frozen=True)
class FarePayment:
    """How fares are paid: on-board methods, whether 降車 needs a payment record, costs."""

    methods: tuple[str, ...] = ("ticket", "pass", "cash")
    required: bool = False
    not_paid_reasons: tuple[Reason, ...] = ()
    cost_per_vehicle_hour_yen: int = 0


METHODS = frozenset({"ticket", "pass", "cash", "ic", "qr"})


def parse_payment(table: Mapping[str, Any]) -> FarePayment:
    """Read the payment keys of ``[fares]`` (``payment_methods``, ``payment_required`` ...)."""
    methods = tuple(str(m) for m in table.get("payment_methods", ("ticket", "pass", "cash")))
    if set(methods) - METHODS:
        msg = f"fares.payment_methods: unknown {sorted(set(methods) - METHODS)}"
        raise FareConfigError(msg)
    reasons = tuple(
        Reason(str(r["code"]), str(r["ja"]), str(r["en"]))
        for r in table.get("not_paid_reasons", [])
    )
    return FarePayment(
        methods=methods,
        required=bool(table.get("payment_required", False)),
        not_paid_reasons=reasons,
        cost_per_vehicle_hour_yen=_yen(table.get("cost_per_vehicle_hour_yen", 0), "cost"),
    )
