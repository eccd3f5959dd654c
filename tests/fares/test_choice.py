"""The way of paying a member chooses at booking, checked on the ride's day (issue 13 §2)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from booking_api.city import CITIES_DIR, load_city
from fares.choice import PayChoice, check_choice
from fares.errors import FareError
from fares.ledger import Channel, Entry, Kind, Method
from fares.products import Holding, PayOption, holding_state
from fares.rules import Party

RULES = load_city(CITIES_DIR / "kamisu.toml")
COUPON = RULES.fares.product("coupon11")
PASS = RULES.fares.product("pass_month")
AT = datetime(2026, 12, 1, tzinfo=UTC)
RIDE = date(2026, 12, 3)
METHODS = RULES.fares.payment.methods


def _book(rides: int, valid_from: date = date(2026, 12, 1)) -> object:
    assert COUPON is not None
    sale = Entry(AT, Kind.SALE, "op", Channel.COUNTER, Method.CASH, holding_id="c", rides_in=rides)
    h = Holding("c", "m", COUPON, valid_from, COUPON.valid_until(valid_from))
    return holding_state(h, [sale], RIDE)


def _code(choice: PayChoice, party: Party, wallet: list[object], legs: int = 1) -> str:
    table = RULES.fares.table
    assert table is not None
    try:
        check_choice(choice, table.fare(party, RIDE), wallet, METHODS, legs=legs)  # type: ignore[arg-type]
    except FareError as exc:
        return exc.code
    return "ok"


TICKET = PayChoice(PayOption.TICKET, "c")


@pytest.mark.parametrize(
    ("rides", "party", "legs", "code"),
    [
        (2, Party("general"), 1, "ok"),
        (2, Party("general"), 2, "ok"),  # a round trip: one ride each way
        (1, Party("general"), 2, "holding_too_few_rides"),
        (1, Party("general", companions=1), 1, "holding_too_few_rides"),  # one per payer
        (0, Party("general"), 1, "holding_used_up"),
    ],
)
def test_a_coupon_book_needs_a_ride_per_paying_person_and_leg(
    rides: int, party: Party, legs: int, code: str
) -> None:
    """Enough rides left for the party on every leg, else a clear refusal."""
    assert _code(TICKET, party, [_book(rides)], legs) == code


def test_dates_methods_and_free_rides() -> None:
    """Expired or not yet valid on the ride's day, a pass for a party, a method the city
    does not take, a free fare: each is refused with its own code; cash is always fine."""
    assert PASS is not None
    expired = holding_state(Holding("c", "m", PASS, date(2026, 11, 1), date(2026, 12, 2)), [], RIDE)
    later = holding_state(Holding("c", "m", PASS, date(2026, 12, 4), date(2027, 1, 3)), [], RIDE)
    fresh = holding_state(Holding("c", "m", PASS, date(2026, 12, 1), date(2026, 12, 31)), [], RIDE)
    pay_pass = PayChoice(PayOption.PASS, "c")
    assert _code(pay_pass, Party("general"), [expired]) == "holding_expired"
    assert _code(pay_pass, Party("general"), [later]) == "holding_not_yet_valid"
    assert _code(pay_pass, Party("general"), [fresh]) == "ok"
    assert _code(pay_pass, Party("general", companions=1), [fresh]) == "pass_covers_member_only"
    assert _code(TICKET, Party("general"), [fresh]) == "holding_unknown"  # a pass is no ticket
    assert (
        _code(PayChoice(PayOption.TICKET, "x"), Party("general"), [_book(5)]) == "holding_unknown"
    )
    assert _code(PayChoice(PayOption.CASH), Party("general"), []) == "ok"
    table = RULES.fares.table
    assert table is not None
    with pytest.raises(FareError) as no_qr:
        check_choice(PayChoice(PayOption.QR), table.fare(Party("general"), RIDE), [], ["cash"])
    assert no_qr.value.code == "pay_method_not_taken"
    assert _code(PayChoice(PayOption.CASH), Party("preschool"), []) == "nothing_to_pay"
