"""Products from the city file, holdings' state by day, and how a party can pay on board."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from booking_api.city import CITIES_DIR, load_city
from fares.errors import FareConfigError
from fares.ledger import Channel, Entry, Kind, Method
from fares.products import Holding, PayOption, add_months, holding_state, options, parse_products
from fares.rules import Party, parse_fare_table

RULES = load_city(CITIES_DIR / "kamisu.toml")
COUPON = RULES.fares.product("coupon11")
PASS = RULES.fares.product("pass_month")
AT = datetime(2026, 12, 3, tzinfo=UTC)
DAY = date(2026, 12, 3)


def _use(holding: str, rides: int) -> Entry:
    return Entry(
        AT, Kind.USE, "drv", Channel.ON_BOARD, Method.TICKET, holding_id=holding, rides_out=rides
    )


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 27)),
        (date(2026, 12, 3), 6, date(2027, 6, 2)),
        (date(2026, 12, 3), 1, date(2027, 1, 2)),
    ],
)
def test_validity_is_calendar_months(start: date, months: int, end: date) -> None:
    """A product valid M months ends the day before the same date M months on."""
    assert COUPON is not None
    assert replace(COUPON, valid_months=months).valid_until(start) == end
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_kamisus_products_are_configured() -> None:
    """Kamisu's demo sells a coupon book and a pass and gives an entitlement."""
    assert COUPON is not None and COUPON.rides == 11 and COUPON.price_yen == 3000
    assert PASS is not None and PASS.rides is None
    given = RULES.fares.product("licence_return")
    assert given is not None and not given.online


def test_a_coupon_book_counts_down_and_expires() -> None:
    """Rides left are the ledger's sum; after valid_until it cannot be used."""
    assert COUPON is not None
    h = Holding("h1", "m1", COUPON, DAY, COUPON.valid_until(DAY))
    sale = Entry(
        AT, Kind.SALE, "op", Channel.COUNTER, Method.CASH, holding_id="h1", yen_in=3000, rides_in=11
    )
    state = holding_state(h, [sale, _use("h1", 2)], DAY)
    assert (state.rides_left, state.usable) == (9, True)
    assert not holding_state(h, [sale, _use("h1", 11)], DAY).usable
    late = holding_state(h, [sale], date(2027, 6, 3))
    assert late.expired and not late.usable


def test_options_for_a_party() -> None:
    """A coupon pays one ride per paying person; a pass only the member's own fare."""
    assert COUPON is not None and PASS is not None
    table = RULES.fares.table
    assert table is not None
    coupon = holding_state(
        Holding("c", "m", COUPON, DAY, COUPON.valid_until(DAY)),
        [Entry(AT, Kind.SALE, "op", Channel.COUNTER, Method.CASH, holding_id="c", rides_in=2)],
        DAY,
    )
    pas = holding_state(Holding("p", "m", PASS, DAY, PASS.valid_until(DAY)), [], DAY)
    methods = RULES.fares.payment.methods
    alone = options(table.fare(Party("general"), DAY), [coupon, pas], methods)
    assert [o.method for o in alone] == [
        PayOption.TICKET,
        PayOption.PASS,
        PayOption.CASH,
        PayOption.IC,
        PayOption.QR,
    ]
    three = options(table.fare(Party("general", companions=2), DAY), [coupon, pas], methods)
    assert [o.method for o in three] == [PayOption.CASH, PayOption.IC, PayOption.QR]
    assert three[0].yen == 900
    free = options(table.fare(Party("preschool"), DAY), [coupon], methods)
    assert [o.method for o in free] == [PayOption.EXEMPT]
    assert parse_fare_table({"categories": {"general": 1}}).default_category == "general"


@pytest.mark.parametrize(
    "bad",
    [
        [{"id": "x", "kind": "coupon", "name_ja": "a", "name_en": "a", "valid_months": 1}],
        [
            {
                "id": "x",
                "kind": "pass",
                "name_ja": "a",
                "name_en": "a",
                "valid_months": 1,
                "rides": 3,
            }
        ],
        [{"id": "x", "kind": "gift", "name_ja": "a", "name_en": "a", "valid_months": 1}],
        [{"id": "x", "kind": "pass", "name_ja": "a", "name_en": "a", "valid_months": 0}],
        [
            {
                "id": "x",
                "kind": "pass",
                "name_ja": "a",
                "name_en": "a",
                "valid_months": 1,
                "categories": ["martian"],
            }
        ],
    ],
)
def test_bad_products_are_refused(bad: list[dict[str, object]]) -> None:
    """A coupon without rides, a pass with rides, unknown kind or category are refused."""
    with pytest.raises(FareConfigError):
        parse_products(bad, ["general"])
