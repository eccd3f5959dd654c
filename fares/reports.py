"""Fare figures for the city: rides by fare category, rides not paid, and the subsidy picture.

Pure functions over facts the booking API gathers (``FareRide`` per completed
ride, ``ServiceTime`` per vehicle shift, ledger ``Entry`` rows for the money):

- ``by_category``: completed rides and the people carried per fare category
  (the category the ride's fare was priced with; companions and carers
  counted in the party).
- ``unpaid``: completed rides whose fare was not paid ("not paid" with the
  driver's reason) or that have no payment record at all.
- ``subsidy``: operating cost = the city file's ``cost_per_vehicle_hour_yen`` ×
  the vehicle-hours in service (the hours each vehicle actually operated, from
  the driver's sign-on to sign-off, its break taken out; the scheduled shift
  where the tablet recorded no time, ``operated``), cost per passenger, fare
  revenue (the ledger's net yen of the period), the subsidy need (cost −
  revenue) and the farebox ratio (収支率, revenue ÷ cost).

Money is whole yen; a division is rounded half up to whole yen once, at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from fares.ledger import Entry

NOT_PAID = "not_paid"
NO_RECORD = "no_record"

# Which figure a vehicle-day's hours come from: the driver's sign-on and sign-off
# (actual), one of them with the scheduled other end, or the scheduled shift alone.
ACTUAL = "actual"
ACTUAL_START = "actual_start"
ACTUAL_END = "actual_end"
SCHEDULED = "scheduled"
BASES = (ACTUAL, ACTUAL_START, ACTUAL_END, SCHEDULED)


@dataclass(frozen=True)
class FareRide:
    """A completed ride as the fare reports see it (``payment_method`` None: no record)."""

    ride_id: str
    service_date: date
    member_number: str
    category: str
    party_size: int
    carers: int
    fare_yen: int
    vehicle_id: str
    dropped_off_at: datetime | None
    payment_method: str | None = None
    reason: str = ""
    recorded_by: str = ""
    fare_rules: str = ""  # the fare rules' version that priced it ("" if not kept)


@dataclass(frozen=True)
class ServiceTime:
    """One vehicle's hours in service on a day: from start to end minus its break.

    ``basis`` says where ``start_at`` and ``end_at`` come from (``ACTUAL``: the
    driver's sign-on and sign-off; ``SCHEDULED``: the shift as planned; the
    others: one end actual, the other scheduled); ``scheduled_s`` is what the
    scheduled shift alone would have counted.
    """

    vehicle_id: str
    service_date: date
    service_s: int
    basis: str = SCHEDULED
    start_at: datetime | None = None
    end_at: datetime | None = None
    break_s: int = 0
    scheduled_s: int | None = None


@dataclass(frozen=True)
class CategoryRow:
    """Completed rides of one period and fare category, and the people they carried."""

    period: str
    category: str
    rides: int
    passengers: int
    companions: int
    carers: int
    fare_yen: int


@dataclass(frozen=True)
class UnpaidRide:
    """A completed ride whose fare was not paid (``kind`` not_paid) or has no record."""

    ride_id: str
    service_date: date
    member_number: str
    vehicle_id: str
    fare_yen: int
    kind: str
    reason: str
    recorded_by: str
    dropped_off_at: datetime | None
    fare_rules: str = ""


@dataclass(frozen=True)
class SubsidyRow:
    """The subsidy picture of one period (``period`` "total" for the whole range).

    ``cost_per_passenger_yen``, ``revenue_per_passenger_yen`` and
    ``farebox_ratio`` are None when nothing was carried (or cost nothing). A
    negative ``subsidy_yen`` would mean the fares covered more than the cost.
    """

    period: str
    vehicle_s: int
    vehicle_hours: float
    passengers: int
    rides: int
    cost_yen: int
    revenue_yen: int
    subsidy_yen: int
    cost_per_passenger_yen: int | None
    revenue_per_passenger_yen: int | None
    farebox_ratio: float | None
    vehicle_days: int = 0
    vehicle_days_actual: int = 0
    vehicle_days_scheduled: int = 0


def divide_yen(numerator: int, denominator: int) -> int:
    """Return ``numerator / denominator`` rounded half up to whole yen (both ≥ 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def shift_service_s(start: datetime, end: datetime, break_s: int) -> int:
    """Return a shift's seconds in service: start to end, its break taken out (never < 0)."""
    return max(0, int((end - start).total_seconds()) - max(0, break_s))


def operated(
    vehicle_id: str,
    service_date: date,
    scheduled: tuple[datetime, datetime],
    break_s: int,
    actual: tuple[datetime | None, datetime | None],
) -> ServiceTime:
    """Return a vehicle-day's hours as operated: the actual start and end where recorded.

    ``scheduled`` is the shift's planned start and end, ``actual`` the driver's
    sign-on and sign-off (None where the tablet recorded none); each missing
    end falls back to the scheduled one, and ``basis`` says which were used.
    The break taken out is the shift's (the tablet records no break length).
    """
    started, ended = actual
    start = started or scheduled[0]
    end = ended or scheduled[1]
    if started and ended:
        basis = ACTUAL
    elif started:
        basis = ACTUAL_START
    elif ended:
        basis = ACTUAL_END
    else:
        basis = SCHEDULED
    return ServiceTime(
        vehicle_id,
        service_date,
        shift_service_s(start, end, break_s),
        basis,
        start,
        end,
        max(0, break_s),
        shift_service_s(scheduled[0], scheduled[1], break_s),
    )


def period_of(day: date, group: str) -> str:
    """Return the period a day falls in: the day (YYYY-MM-DD) or its month (YYYY-MM)."""
    return day.isoformat()[:7] if group == "month" else day.isoformat()


def by_category(
    rides: Iterable[FareRide], categories: Sequence[str], group: str
) -> tuple[list[CategoryRow], list[CategoryRow]]:
    """Return the rows per period and category, and the totals per category.

    Every category of ``categories`` has a total (0 when none rode), in that
    order, then any other category met; periods list only categories that rode.
    """
    cells: dict[tuple[str, str], list[int]] = {}
    totals: dict[str, list[int]] = {c: [0] * 5 for c in categories}
    for r in rides:
        companions = max(0, r.party_size - 1 - r.carers)
        add = (1, r.party_size, companions, r.carers, r.fare_yen)
        for box in (
            cells.setdefault((period_of(r.service_date, group), r.category), [0] * 5),
            totals.setdefault(r.category, [0] * 5),
        ):
            for i, v in enumerate(add):
                box[i] += v
    rows = [CategoryRow(p, c, *v) for (p, c), v in sorted(cells.items())]
    return rows, [CategoryRow("total", c, *v) for c, v in totals.items()]


def unpaid(rides: Iterable[FareRide]) -> list[UnpaidRide]:
    """Return the completed rides not paid or without a payment record, by day and drop-off."""
    out = [
        UnpaidRide(
            ride_id=r.ride_id,
            service_date=r.service_date,
            member_number=r.member_number,
            vehicle_id=r.vehicle_id,
            fare_yen=r.fare_yen,
            kind=NO_RECORD if r.payment_method is None else NOT_PAID,
            reason=r.reason,
            recorded_by=r.recorded_by,
            dropped_off_at=r.dropped_off_at,
            fare_rules=r.fare_rules,
        )
        for r in rides
        if r.payment_method in (None, NOT_PAID)
    ]
    return sorted(out, key=lambda u: (u.service_date, u.dropped_off_at is None,
                                      u.dropped_off_at or datetime.min, u.ride_id))  # fmt: skip


def _subsidy_row(
    period: str,
    vehicle_s: int,
    passengers: int,
    rides: int,
    revenue: int,
    rate: int,
    days: tuple[int, int, int] = (0, 0, 0),
) -> SubsidyRow:
    cost = divide_yen(rate * vehicle_s, 3600)
    return SubsidyRow(
        period=period,
        vehicle_s=vehicle_s,
        vehicle_hours=round(vehicle_s / 3600, 2),
        passengers=passengers,
        rides=rides,
        cost_yen=cost,
        revenue_yen=revenue,
        subsidy_yen=cost - revenue,
        cost_per_passenger_yen=divide_yen(cost, passengers) if passengers else None,
        revenue_per_passenger_yen=divide_yen(max(0, revenue), passengers) if passengers else None,
        farebox_ratio=round(revenue / cost, 4) if cost else None,
        vehicle_days=days[0],
        vehicle_days_actual=days[1],
        vehicle_days_scheduled=days[2],
    )


def _three(counts: Sequence[int]) -> tuple[int, int, int]:
    return counts[0], counts[1], counts[2]


def subsidy(
    service: Iterable[ServiceTime],
    rides: Iterable[FareRide],
    entries: Iterable[Entry],
    *,
    cost_per_vehicle_hour_yen: int,
    group: str,
    local_day: Callable[[datetime], date],
) -> tuple[list[SubsidyRow], SubsidyRow]:
    """Return the subsidy picture per period and for the whole range.

    ``service`` are the vehicle-days of the range (``operated``), ``rides`` its completed
    rides (passengers = their party sizes), ``entries`` the ledger rows of the
    range (revenue = their net yen, on the day ``local_day`` gives each row).
    The total's cost is the rate times all vehicle-seconds, rounded once, so
    it may differ by a yen from the sum of the periods' costs.
    """
    seconds: dict[str, int] = {}
    people: dict[str, int] = {}
    count: dict[str, int] = {}
    money: dict[str, int] = {}
    days: dict[str, list[int]] = {}  # vehicle-days: all, fully actual, fully scheduled
    for s in service:
        p = period_of(s.service_date, group)
        seconds[p] = seconds.get(p, 0) + s.service_s
        box = days.setdefault(p, [0, 0, 0])
        box[0] += 1
        box[1] += s.basis == ACTUAL
        box[2] += s.basis == SCHEDULED
    for r in rides:
        p = period_of(r.service_date, group)
        people[p] = people.get(p, 0) + r.party_size
        count[p] = count.get(p, 0) + 1
    for e in entries:
        p = period_of(local_day(e.at), group)
        money[p] = money.get(p, 0) + e.yen
    rate = cost_per_vehicle_hour_yen
    periods = sorted(set(seconds) | set(people) | set(money))
    rows = [
        _subsidy_row(p, seconds.get(p, 0), people.get(p, 0), count.get(p, 0), money.get(p, 0),
                     rate, _three(days.get(p, [0, 0, 0])))
        for p in periods
    ]  # fmt: skip
    total = _subsidy_row(
        "total",
        sum(seconds.values()),
        sum(people.values()),
        sum(count.values()),
        sum(money.values()),
        rate,
        _three([sum(d[i] for d in days.values()) for i in range(3)]),
    )
    return rows, total
