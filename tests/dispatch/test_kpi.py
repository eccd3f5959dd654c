"""The city's figures on a hand-built Monday whose answers were worked out by hand.

The day (2026-12-07, Asia/Tokyo; times below are local):

==== ==== ==== ======= ============ ============ ======= ======= ======= ===== =========
ride veh  area channel asked        window       arrived boarded dropped party status
==== ==== ==== ======= ============ ============ ======= ======= ======= ===== =========
R1   V1   A    online  09:00 depart 09:00-09:15  09:10   09:12   09:32   1     completed
R2   V1   A    phone   09:10 depart 09:10-09:25  09:30   09:31   09:50   2     completed
R3   V2   B    online  11:00 arrive 10:00-10:15  -       09:55   10:30   1     completed
R4   V2   B    phone   13:00 depart 13:00-13:15  13:05   -       -       1     no_show
R5   V2   A    online  14:00 depart 14:00-14:15  -       -       -       1     cancelled (late)
R6   V1   B    phone   15:00 depart 15:00-15:15  planned 15:00-15:20     1     booked
==== ==== ==== ======= ============ ============ ======= ======= ======= ===== =========

Refused quotes that Monday: two ``no_capacity`` (area A, online), one
``outside_area`` (B, phone). Saturday 12-12 (no service) has one completed ride
and one ``closed_day`` refusal: both are left out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dispatch.kpi import GroupBy, RefusalFacts, Report, RideFacts, median, p95, report

MONDAY = date(2026, 12, 7)
SATURDAY = date(2026, 12, 12)


def at(hhmm: str, day: date = MONDAY) -> datetime:
    """A local Tokyo time on ``day`` as a UTC instant (Tokyo is UTC+9, no DST)."""
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=UTC) - timedelta(hours=9)


def ride(
    rid: str, veh: str, area: str, channel: str, asked: str, w0: str, w1: str, **kw: object
) -> RideFacts:
    """One ride of the table; ``*_at``/estimated times given as local HH:MM."""
    day = kw.pop("day", MONDAY)
    assert isinstance(day, date)
    ends = ("_at", "_pickup", "_dropoff")
    times = {k: at(str(v), day) for k, v in kw.items() if k.endswith(ends)}
    rest = {k: v for k, v in kw.items() if k not in times}
    return RideFacts(
        ride_id=rid,
        member_id=f"K{rid}",
        service_date=day,
        channel=channel,
        area=area,
        vehicle_id=veh,
        requested_at=at(asked, day),
        window_start=at(w0, day),
        window_end=at(w1, day),
        **times,  # type: ignore[arg-type]
        **rest,  # type: ignore[arg-type]
    )


RIDES = [
    ride("R1", "V1", "A", "online", "09:00", "09:00", "09:15", arrive_by=False, status="completed",
         arrived_at="09:10", picked_up_at="09:12", dropped_off_at="09:32"),
    ride("R2", "V1", "A", "phone", "09:10", "09:10", "09:25", arrive_by=False, status="completed",
         arrived_at="09:30", picked_up_at="09:31", dropped_off_at="09:50", party_size=2),
    ride("R3", "V2", "B", "online", "11:00", "10:00", "10:15", arrive_by=True, status="completed",
         picked_up_at="09:55", dropped_off_at="10:30"),
    ride("R4", "V2", "B", "phone", "13:00", "13:00", "13:15", arrive_by=False, status="no_show",
         arrived_at="13:05"),
    ride("R5", "V2", "A", "online", "14:00", "14:00", "14:15", arrive_by=False, status="cancelled",
         estimated_pickup="14:05", estimated_dropoff="14:20"),
    ride("R6", "V1", "B", "phone", "15:00", "15:00", "15:15", arrive_by=False, status="booked",
         estimated_pickup="15:00", estimated_dropoff="15:20"),
    ride("R7", "V1", "A", "online", "10:00", "10:00", "10:15", arrive_by=False, status="completed",
         day=SATURDAY, arrived_at="11:00", picked_up_at="11:00", dropped_off_at="12:00"),
]  # fmt: skip
REFUSALS = [
    RefusalFacts(MONDAY, "online", "A", "no_capacity"),
    RefusalFacts(MONDAY, "online", "A", "no_capacity"),
    RefusalFacts(MONDAY, "phone", "B", "outside_area"),
    RefusalFacts(SATURDAY, "online", "A", "closed_day"),
]


def weekdays(d: date) -> bool:
    return d.weekday() < 5


def run(by: GroupBy, period: tuple[date, date] | None = None) -> Report:
    late = frozenset({"R5"})
    return report(RIDES, REFUSALS, by=by, service_day=weekdays, late_cancelled=late, period=period)


def test_the_whole_day_matches_the_hand_worked_figures() -> None:
    """Totals: counts, punctuality (R2 5 min late, R3 boarded 5 min early), waits, ride times."""
    t = run(GroupBy.DAY).totals
    assert (t.rides, t.completed, t.cancelled, t.late_cancellations, t.no_shows) == (4, 3, 1, 1, 1)
    assert t.refusals == 3 and t.refusal_reasons == {"no_capacity": 2, "outside_area": 1}
    # at the door: R1 0, R2 5 (late), R3 5 (early), R4 0 -> 2 of 4 on time; p95 = 4th of 4
    assert t.pickups == 4 and t.on_time_share == 0.5 and t.deviation_p95_min == 5.0
    # waits: R1 12, R2 21, R3 0 (arrive-by, boarded before its window) -> median 12, p95 = 3rd of 3
    assert (t.wait_median_min, t.wait_p95_min) == (12.0, 21.0)
    assert (t.ride_median_min, t.ride_p95_min) == (20.0, 35.0)  # 20, 19, 35 minutes
    # R1 (09:12-09:32) and R2 (09:31-09:50) overlap on V1; R3 and R6 ride alone
    assert t.shared_share == 0.5
    # V1: 19 min x1, 1 min x3, 18 min x2, 20 min x1; V2: 35 min x1 -> 113 people-min / 93 min
    assert t.occupancy == round(113 / 93, 3)


def test_by_area_splits_rides_and_refusals() -> None:
    """Area A has R1, R2 (both shared) and R5; B has R3, R4, R6 and the outside-area refusal."""
    r = run(GroupBy.AREA)
    a, b = r.groups
    assert (a.key, a.rides, a.cancelled, a.refusals) == ("A", 2, 1, 2)
    assert a.refusal_reasons == {"no_capacity": 2}
    assert (a.on_time_share, a.deviation_p95_min) == (0.5, 5.0)
    assert (a.wait_median_min, a.wait_p95_min) == (16.5, 21.0)
    assert (a.ride_median_min, a.ride_p95_min) == (19.5, 20.0)
    assert a.shared_share == 1.0
    assert a.occupancy == round(58 / 38, 3)  # 09:12-09:50 on V1: 19x1 + 1x3 + 18x2
    assert (b.key, b.rides, b.no_shows, b.refusal_reasons) == ("B", 2, 1, {"outside_area": 1})
    assert (b.pickups, b.on_time_share, b.shared_share, b.occupancy) == (2, 0.5, 0.0, 1.0)


def test_by_channel_counts_everyone_on_board_while_a_channels_ride_is() -> None:
    """Online: R1 alone 19 min, with R2's party of two 1 min, then R3 alone 35 min -> 57/55."""
    online, phone = run(GroupBy.CHANNEL).groups
    assert online.key == "online" and phone.key == "phone"
    assert online.occupancy == round(57 / 55, 3)
    assert (online.rides, phone.rides, phone.no_shows) == (2, 2, 1)


def test_by_vehicle_puts_refusals_under_no_vehicle() -> None:
    """Refusals have no vehicle: they make a group of their own (key "")."""
    keys = {g.key: g for g in run(GroupBy.VEHICLE).groups}
    assert set(keys) == {"", "V1", "V2"}
    assert keys[""].refusals == 3 and keys[""].rides == 0
    assert (keys["V1"].rides, keys["V2"].rides, keys["V2"].no_shows) == (3, 1, 1)


def test_days_without_service_are_left_out_and_listed() -> None:
    """The week's Saturday and Sunday are skipped; each weekday appears, also without rides."""
    r = run(GroupBy.DAY, (MONDAY, MONDAY + timedelta(days=6)))
    assert [g.key for g in r.groups] == [f"2026-12-{d:02d}" for d in range(7, 12)]
    assert r.skipped_days == (SATURDAY, SATURDAY + timedelta(days=1))
    assert "R7" not in r.measures and r.totals.refusals == 3
    assert r.groups[1].rides == 0 and r.groups[1].on_time_share is None


@pytest.mark.parametrize(
    ("values", "p", "m"),
    [
        ([], None, None),
        ([7.0], 7.0, 7.0),
        ([1.0, 2.0], 2.0, 1.5),
        (list(map(float, range(1, 21))), 19.0, 10.5),
    ],
)
def test_nearest_rank_p95_and_median(values: list[float], p: float | None, m: float | None) -> None:
    """p95 is the ceil(0.95 n)-th smallest value: of 1..20 that is the 19th."""
    assert p95(values) == p and median(values) == m
