"""Fare figures for the city: rides by category, unpaid rides, the subsidy picture (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fares.ledger import Channel, Entry, Kind, Method
from fares.reports import (
    NO_RECORD,
    NOT_PAID,
    FareRide,
    ServiceTime,
    by_category,
    divide_yen,
    shift_service_s,
    subsidy,
    unpaid,
)

D1, D2 = date(2026, 12, 2), date(2027, 1, 5)
T = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def _ride(i: int, day: date, category: str, party: int = 1, carers: int = 0, fare: int = 300,
          method: str | None = "cash", reason: str = "") -> FareRide:  # fmt: skip
    return FareRide(
        ride_id=f"r{i}", service_date=day, member_number=f"K{i:06d}", category=category,
        party_size=party, carers=carers, fare_yen=fare, vehicle_id="V1",
        dropped_off_at=T + timedelta(minutes=i), payment_method=method, reason=reason,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("num", "den", "yen"), [(0, 7, 0), (31350, 7, 4479), (3, 2, 2), (5, 2, 3), (1, 3, 0), (2, 3, 1)]
)
def test_divide_rounds_half_up_to_whole_yen(num: int, den: int, yen: int) -> None:
    """Half a yen rounds up, less rounds down."""
    assert divide_yen(num, den) == yen


@given(st.integers(0, 10**9), st.integers(1, 10**6))
def test_divide_is_within_half_a_yen(num: int, den: int) -> None:
    """The rounded quotient is never more than half a yen from the exact one."""
    assert abs(divide_yen(num, den) * den - num) * 2 <= den


def test_a_shift_counts_its_hours_minus_the_break_never_below_zero() -> None:
    """09:00-17:00 with 45 minutes' break is 7.25 h; a break longer than the shift is 0."""
    start = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert shift_service_s(start, start + timedelta(hours=8), 45 * 60) == 26100
    assert shift_service_s(start, start + timedelta(hours=1), 2 * 3600) == 0


def test_categories_count_rides_people_and_fares_per_period() -> None:
    """Companions are the party less the member and carers; every category has a total."""
    rides = [
        _ride(1, D1, "disability", party=3, carers=1, fare=150),
        _ride(2, D1, "general"),
        _ride(3, D2, "general", party=2, fare=600),
        _ride(4, D2, "visitor", fare=300),  # a category no longer in the city file
    ]
    rows, totals = by_category(rides, ("general", "senior", "disability"), "month")
    assert [(r.period, r.category, r.rides, r.passengers, r.companions, r.carers, r.fare_yen)
            for r in rows] == [
        ("2026-12", "disability", 1, 3, 1, 1, 150),
        ("2026-12", "general", 1, 1, 0, 0, 300),
        ("2027-01", "general", 1, 2, 1, 0, 600),
        ("2027-01", "visitor", 1, 1, 0, 0, 300),
    ]  # fmt: skip
    assert [(t.category, t.rides, t.passengers, t.fare_yen) for t in totals] == [
        ("general", 2, 3, 900), ("senior", 0, 0, 0), ("disability", 1, 3, 150),
        ("visitor", 1, 1, 300),
    ]  # fmt: skip
    assert sum(r.fare_yen for r in rows) == sum(t.fare_yen for t in totals)


def test_unpaid_lists_not_paid_and_unrecorded_rides_only() -> None:
    """Paid and exempt rides are not listed; the rest by day and drop-off."""
    rides = [
        _ride(3, D2, "general", method=None),
        _ride(2, D1, "senior", method=NOT_PAID, reason="no_money"),
        _ride(1, D1, "general", method="ticket"),
        _ride(4, D1, "preschool", fare=0, method="exempt"),
    ]
    got = [(u.ride_id, u.kind, u.reason) for u in unpaid(rides)]
    assert got == [("r2", NOT_PAID, "no_money"), ("r3", NO_RECORD, "")]


def test_subsidy_is_cost_from_vehicle_hours_less_fare_revenue() -> None:
    """8.25 h + 2 h at 3,800 yen = 38,950; 7 people; 3,450 yen taken: 35,500 yen to subsidise."""
    service = [ServiceTime("V1", D1, 29700), ServiceTime("V2", date(2026, 12, 3), 7200)]
    rides = [_ride(1, D1, "general"), _ride(2, D1, "senior", party=4), _ride(3, D1, "child",
             party=2)]  # fmt: skip
    sale = Entry(at=T, kind=Kind.SALE, actor="op", channel=Channel.COUNTER, method=Method.CASH,
                 yen_in=3000)  # fmt: skip
    fare = Entry(at=T, kind=Kind.USE, actor="dr", channel=Channel.ON_BOARD, method=Method.CASH,
                 yen_in=600)  # fmt: skip
    fix = Entry(at=T + timedelta(days=1), kind=Kind.CORRECTION, actor="op",
                channel=Channel.OFFICE, method=Method.CASH, yen_out=150, corrects_id=1,
                reason="twice")  # fmt: skip
    rows, total = subsidy(
        service, rides, [sale, fare, fix], cost_per_vehicle_hour_yen=3800, group="day",
        local_day=lambda t: t.date(),
    )  # fmt: skip
    assert (total.vehicle_hours, total.cost_yen, total.passengers, total.rides) == (
        10.25, 38950, 7, 3,
    )  # fmt: skip
    assert (total.revenue_yen, total.subsidy_yen) == (3450, 35500)
    assert (total.cost_per_passenger_yen, total.revenue_per_passenger_yen) == (5564, 493)
    assert total.farebox_ratio == 0.0886
    assert [(r.period, r.cost_yen, r.revenue_yen, r.subsidy_yen) for r in rows] == [
        ("2026-12-02", 31350, 3600, 27750), ("2026-12-03", 7600, -150, 7750),
    ]  # fmt: skip
    assert rows[1].cost_per_passenger_yen is None and rows[1].revenue_per_passenger_yen is None


def test_no_rate_means_no_cost_and_no_ratio() -> None:
    """A city file without cost_per_vehicle_hour_yen has cost 0 and no farebox ratio."""
    _, total = subsidy([ServiceTime("V1", D1, 3600)], [], [], cost_per_vehicle_hour_yen=0,
                       group="month", local_day=lambda t: t.date())  # fmt: skip
    assert (total.cost_yen, total.farebox_ratio, total.cost_per_passenger_yen) == (0, None, None)
