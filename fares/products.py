"""Ticket products from the city file, a member's wallet, and how a party can pay on board.

Products (``[[products]]``): coupon books (``rides`` rides for ``price_yen``,
valid ``valid_months``), passes (unlimited rides for a period) and free-ride
entitlements (given by staff to members of some categories, no price). A
member's holding of a product is immutable; the rides left on it are the
ledger's sum, and it is usable from ``valid_from`` to ``valid_until``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from fares.errors import FareConfigError
from fares.ledger import Entry, balance_rides
from fares.rules import Fare


class ProductKind(StrEnum):
    """What a product gives."""

    COUPON = "coupon"
    PASS = "pass"
    ENTITLEMENT = "entitlement"


@dataclass(frozen=True)
class Product:
    """A product the city sells or gives (names in both languages)."""

    id: str
    kind: ProductKind
    name_ja: str
    name_en: str
    price_yen: int
    valid_months: int
    rides: int | None = None
    categories: frozenset[str] = frozenset()
    online: bool = True

    def sold_to(self, category: str) -> bool:
        """Return whether a member of ``category`` may have this product."""
        return not self.categories or category in self.categories

    def valid_until(self, start: date) -> date:
        """Return the last day a holding bought on ``start`` may be used."""
        return add_months(start, self.valid_months) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved ``months`` ahead (the month's last day if it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_products(
    tables: Sequence[Mapping[str, Any]], categories: Iterable[str]
) -> tuple[Product, ...]:
    """Build the products of a city file's ``[[products]]`` tables, or raise ``FareConfigError``."""
    known = set(categories)
    out: list[Product] = []
    try:
        for t in tables:
            kind = ProductKind(str(t["kind"]))
            rides = t.get("rides")
            p = Product(
                id=str(t["id"]),
                kind=kind,
                name_ja=str(t["name_ja"]),
                name_en=str(t["name_en"]),
                price_yen=int(t.get("price_yen", 0)),
                valid_months=int(t["valid_months"]),
                rides=int(rides) if rides is not None else None,
                categories=frozenset(str(c) for c in t.get("categories", [])),
                online=bool(t.get("online", kind is not ProductKind.ENTITLEMENT)),
            )
            if p.price_yen < 0 or p.valid_months < 1 or (p.rides is not None and p.rides < 1):
                msg = f"products.{p.id}: price >= 0, valid_months >= 1, rides >= 1"
                raise FareConfigError(msg)
            if (kind is ProductKind.COUPON and p.rides is None) or (
                kind is ProductKind.PASS and p.rides is not None
            ):
                msg = f"products.{p.id}: a coupon book has rides, a pass has none"
                raise FareConfigError(msg)
            if p.categories - known:
                msg = f"products.{p.id}: unknown category {sorted(p.categories - known)}"
                raise FareConfigError(msg)
            out.append(p)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FareConfigError):
            raise
        msg = f"products: {exc}"
        raise FareConfigError(msg) from exc
    if len({p.id for p in out}) != len(out):
        msg = "products: ids must be unique"
        raise FareConfigError(msg)
    return tuple(out)


@dataclass(frozen=True)
class Holding:
    """A product a member holds (bought or given)."""

    id: str
    member_id: str
    product: Product
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class HoldingState:
    """A holding on one day: rides left (None: unlimited) and whether it can be used."""

    holding: Holding
    rides_left: int | None
    usable: bool
    expired: bool


def holding_state(holding: Holding, entries: Iterable[Entry], day: date) -> HoldingState:
    """Return what ``holding`` is worth on ``day`` from the ledger ``entries``."""
    limited = holding.product.rides is not None
    left = balance_rides(entries, holding.id) if limited else None
    expired = day > holding.valid_until
    in_period = holding.valid_from <= day <= holding.valid_until
    usable = in_period and (left is None or left > 0)
    return HoldingState(holding, left, usable, expired)


class PayOption(StrEnum):
    """How a party can settle its fare on board."""

    TICKET = "ticket"
    PASS = "pass"
    CASH = "cash"
    IC = "ic"
    QR = "qr"
    EXEMPT = "exempt"


@dataclass(frozen=True)
class Option:
    """One way to pay: the method, the holding it uses, rides taken, yen still to pay."""

    method: PayOption
    holding_id: str | None = None
    rides: int = 0
    yen: int = 0


def paying_people(fare: Fare) -> int:
    """Return how many of the party pay (one coupon each)."""
    return sum(line.count for line in fare.lines if line.yen_each > 0)


def options(fare: Fare, wallet: Sequence[HoldingState], methods: Iterable[str]) -> list[Option]:
    """Return the ways the party can pay ``fare``, best for the member first.

    A free fare is only ``exempt``. A pass covers the member's own fare (the
    others pay by another method); a coupon book covers one paying person per
    ride, so it is offered when it has enough rides left. Cash, IC and QR pay
    the whole fare, when the city takes them.
    """
    allowed = set(methods)
    if fare.total_yen == 0:
        return [Option(PayOption.EXEMPT)]
    out: list[Option] = []
    member_yen = fare.lines[0].yen
    for s in wallet:
        if not s.usable:
            continue
        if s.rides_left is None and "pass" in allowed and fare.total_yen == member_yen:
            out.append(Option(PayOption.PASS, s.holding.id))
        elif s.rides_left is not None and "ticket" in allowed:
            need = paying_people(fare)
            if s.rides_left >= need:
                out.append(Option(PayOption.TICKET, s.holding.id, rides=need))
    for m in (PayOption.CASH, PayOption.IC, PayOption.QR):
        if m.value in allowed:
            out.append(Option(m, yen=fare.total_yen))
    return out
