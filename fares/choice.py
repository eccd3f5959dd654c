"""How a member chose to pay when she booked: checked against her wallet on the ride's day.

A member who books can choose how she will pay on board (her coupon book, her
pass, cash, IC, QR) among what she holds and what the city takes. The choice
is the driver's pre-selected method at drop-off, not a payment: nothing is
taken at booking, and the driver records what was really used. A ticket that
cannot be used on the ride's day (run out, expired, not yet valid, too few
rides for the party) is refused at booking, so she does not set off believing
her ride is paid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fares.errors import FareError
from fares.products import HoldingState, PayOption, paying_people
from fares.rules import Fare

# What a member can choose ahead: exempt follows from the fare, never from a choice.
CHOOSABLE = (PayOption.TICKET, PayOption.PASS, PayOption.CASH, PayOption.IC, PayOption.QR)


@dataclass(frozen=True)
class PayChoice:
    """The way a member chose to pay: a method, and the holding for a ticket or pass."""

    method: PayOption
    holding_id: str | None = None


def check_choice(
    choice: PayChoice,
    fare: Fare,
    wallet: Sequence[HoldingState],
    methods: Iterable[str],
    *,
    legs: int = 1,
) -> None:
    """Raise ``FareError`` when ``choice`` cannot pay ``fare`` on the ride's day.

    ``wallet`` is the member's holdings on the ride's day; ``legs`` is how many
    rides of the booking the choice pays (2 for a round trip), so a coupon book
    must have one ride per paying person per leg. A free fare needs no choice.
    """
    if fare.total_yen == 0:
        raise FareError(
            "nothing_to_pay",
            "This ride is free, so there is no way of paying to choose.",
            "この乗車は無料のため、支払い方法は選べません。",
        )
    if choice.method not in CHOOSABLE or choice.method.value not in set(methods):
        raise FareError(
            "pay_method_not_taken",
            "This way of paying is not taken on board in this city.",
            "この支払い方法は車内では使えません。",
        )
    if choice.method not in (PayOption.TICKET, PayOption.PASS):
        return
    mine = [s for s in wallet if s.holding.id == choice.holding_id]
    kind_ok = (choice.method is PayOption.PASS) == (bool(mine) and mine[0].rides_left is None)
    if not mine or not kind_ok:
        raise FareError(
            "holding_unknown",
            "Choose one of your own tickets or passes.",
            "お持ちの回数券・定期券からお選びください。",
        )
    s = mine[0]
    h = s.holding
    if s.expired:
        raise FareError(
            "holding_expired",
            f"{h.product.name_en} is valid until {h.valid_until.isoformat()}, before the"
            " ride's day. Choose another way of paying, or buy a new one.",
            f"{h.product.name_ja}の有効期限（{h.valid_until.year}年{h.valid_until.month}月"
            f"{h.valid_until.day}日）は乗車日より前です。別の支払い方法を選ぶか、"
            "新しくお買い求めください。",
        )
    if not s.usable and (s.rides_left is None or s.rides_left > 0):  # before its first day
        raise FareError(
            "holding_not_yet_valid",
            f"{h.product.name_en} can be used from {h.valid_from.isoformat()}.",
            f"{h.product.name_ja}は{h.valid_from.month}月{h.valid_from.day}日から使えます。",
        )
    if s.rides_left is None:
        if fare.total_yen != fare.lines[0].yen:
            raise FareError(
                "pass_covers_member_only",
                "A pass covers only your own fare; choose another way for the party.",
                "定期券はご本人の運賃のみです。同伴の方がいるときは別の支払い方法を選んでください。",
            )
        return
    need = paying_people(fare) * legs
    if s.rides_left < need:
        raise FareError(
            "holding_used_up" if s.rides_left == 0 else "holding_too_few_rides",
            f"{h.product.name_en} has {s.rides_left} rides left; this booking needs {need}."
            " Choose another way of paying, or buy a new one.",
            f"{h.product.name_ja}の残りは{s.rides_left}回で、この予約には{need}回分が必要です。"
            "別の支払い方法を選ぶか、新しくお買い求めください。",
        )
