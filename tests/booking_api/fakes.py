"""Test doubles for the booking API's tests: a clock that stands still and a tiny engine.

``FakeEngine`` is NOT the dispatch engine: it implements the ``BookingEngine``
port with a fixed number of rides per hour slot so the API's own logic (rules,
ownership, idempotency, errors) can be tested quickly and deterministically.
Tests of real capacity and concurrency use ``dispatch.engine.DispatchEngine``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.domain import (
    Alternative,
    DriverTap,
    IllegalTransition,
    LatLon,
    LimitReached,
    NoCapacity,
    Offer,
    OfferExpired,
    OfferTaken,
    Refusal,
    Ride,
    RideStatus,
    ShiftInfo,
    ShiftInUse,
    TripRequest,
    UnknownRide,
    VehicleInfo,
    VehicleStatus,
)

TZ = ZoneInfo("Asia/Tokyo")


class FixedClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.t = now

    def now(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


TAP_MOVES = {
    DriverTap.ARRIVED: (
        {RideStatus.BOOKED, RideStatus.ASSIGNED, RideStatus.EN_ROUTE},
        RideStatus.ARRIVED,
    ),
    DriverTap.BOARDED: ({RideStatus.ARRIVED}, RideStatus.ON_BOARD),
    DriverTap.NO_SHOW: ({RideStatus.ARRIVED}, RideStatus.NO_SHOW),
    DriverTap.DROPPED_OFF: ({RideStatus.ON_BOARD}, RideStatus.COMPLETED),
}


class FakeEngine:
    """``capacity`` rides per local hour slot, on vehicle ``V1``; offers held ``hold_s``."""

    def __init__(self, clock: FixedClock, capacity: int = 2, hold_s: int = 300) -> None:
        self.clock = clock
        self.capacity = capacity
        self.hold_s = hold_s
        self.offers: dict[str, Offer] = {}
        self.rides: dict[str, Ride] = {}
        self.keys: dict[str, str] = {}
        self.taps: set[str] = set()
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.quotes = 0
        self.booked: dict[str, str] = {}  # offer id -> the ride it became

    def _slot(self, when: datetime) -> datetime:
        return when.replace(minute=0, second=0, microsecond=0)

    def _used(self, slot: datetime) -> int:
        return sum(
            1
            for r in self.rides.values()
            if r.status not in {RideStatus.CANCELLED, RideStatus.NO_SHOW}
            and self._slot(r.pickup_window_start) == slot
        )

    def _alternatives(self, slot: datetime) -> tuple[Alternative, ...]:
        out = []
        for k in range(1, 4):
            s = slot + timedelta(hours=k)
            if self._used(s) < self.capacity:
                out.append(Alternative(s, s + timedelta(minutes=15), s + timedelta(minutes=30)))
        return tuple(out)

    def quote(self, request: TripRequest) -> Offer | Refusal:
        self.quotes += 1
        when = request.depart_at or (request.arrive_by - timedelta(minutes=40))  # type: ignore[operator]
        slot = self._slot(when)
        with self.lock:
            if self._used(slot) >= self.capacity:
                return Refusal(
                    "no_capacity",
                    "No vehicle is free then.",
                    "空いている車両がありません。",
                    self._alternatives(slot),
                )
            offer = Offer(
                offer_id=f"O{next(self.ids)}",
                request=request,
                pickup_window_start=when,
                pickup_window_end=when + timedelta(minutes=15),
                estimated_pickup=when + timedelta(minutes=5),
                estimated_dropoff=when + timedelta(minutes=25),
                latest_dropoff=when + timedelta(minutes=40),
                expires_at=self.clock.now() + timedelta(seconds=self.hold_s),
                vehicle_id="V1",
            )
            self.offers[offer.offer_id] = offer
            return offer

    def confirm(
        self,
        offer_id: str,
        *,
        idempotency_key: str | None = None,
        max_rides_per_day: int | None = None,
        replaces: str | None = None,
        by: str = "",
    ) -> Ride:
        with self.lock:
            if idempotency_key and idempotency_key in self.keys:
                return self.rides[self.keys[idempotency_key]]
            if offer_id in self.booked:
                raise OfferTaken("Booked already.", "予約済みです。", self.booked[offer_id])
            offer = self.offers.get(offer_id)
            if offer is None or offer.expires_at < self.clock.now():
                raise OfferExpired("The offer expired.", "提案の期限が切れました。")
            day = offer.pickup_window_start.astimezone(TZ).date()
            live = [
                r
                for r in self.list_rides(member_id=offer.request.member_id, service_date=day)
                if r.status not in {RideStatus.CANCELLED, RideStatus.NO_SHOW}
                and r.ride_id != replaces
            ]
            if max_rides_per_day is not None and len(live) >= max_rides_per_day:
                raise LimitReached(max_rides_per_day)
            old = self.get_ride(replaces) if replaces is not None else None
            if old is not None and old.status not in {RideStatus.BOOKED, RideStatus.ASSIGNED}:
                raise IllegalTransition("cannot change", "この予約は変更できません。")
            slot = self._slot(offer.pickup_window_start)
            if self._used(slot) >= self.capacity:
                raise NoCapacity("Taken meanwhile.", "満席になりました。", self._alternatives(slot))
            if old is not None:  # a change: the old ride goes only once the new one fits
                self.rides[old.ride_id] = replace(
                    old, status=RideStatus.CANCELLED, cancelled_at=self.clock.now()
                )
            del self.offers[offer_id]
            self.booked[offer_id] = f"R{next(self.ids)}"
            ride = Ride(
                ride_id=self.booked[offer_id],
                request=offer.request,
                status=RideStatus.BOOKED,
                pickup_window_start=offer.pickup_window_start,
                pickup_window_end=offer.pickup_window_end,
                latest_dropoff=offer.latest_dropoff,
                vehicle_id=offer.vehicle_id,
                estimated_pickup=offer.estimated_pickup,
                estimated_dropoff=offer.estimated_dropoff,
                created_at=self.clock.now(),
            )
            self.rides[ride.ride_id] = ride
            if idempotency_key:
                self.keys[idempotency_key] = ride.ride_id
            return ride

    def cancel(self, ride_id: str, *, by: str, reason: str = "") -> Ride:
        with self.lock:
            ride = self.get_ride(ride_id)
            if ride.status not in {RideStatus.BOOKED, RideStatus.ASSIGNED}:
                raise IllegalTransition(
                    f"cannot cancel a {ride.status} ride", "この予約は取り消せません。"
                )
            now = self.clock.now()
            late = ride.pickup_window_start - now < timedelta(hours=1)
            ride = replace(
                ride, status=RideStatus.CANCELLED, cancelled_at=now, late_cancellation=late
            )
            self.rides[ride_id] = ride
            return ride

    def get_ride(self, ride_id: str) -> Ride:
        if ride_id not in self.rides:
            raise UnknownRide("no such ride", "予約がありません。")
        return self.rides[ride_id]

    def list_rides(
        self,
        *,
        member_id: str | None = None,
        vehicle_id: str | None = None,
        service_date: date | None = None,
    ) -> list[Ride]:
        rides = [
            r
            for r in self.rides.values()
            if (member_id is None or r.request.member_id == member_id)
            and (vehicle_id is None or r.vehicle_id == vehicle_id)
            and (
                service_date is None or r.pickup_window_start.astimezone(TZ).date() == service_date
            )
        ]
        return sorted(rides, key=lambda r: r.pickup_window_start)

    def driver_tap(
        self,
        vehicle_id: str,
        ride_id: str,
        tap: DriverTap,
        *,
        tap_id: str,
        reason: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
    ) -> Ride:
        with self.lock:
            ride = self.get_ride(ride_id)
            if tap_id in self.taps:
                return ride
            allowed, target = TAP_MOVES[tap]
            if ride.status not in allowed:
                raise IllegalTransition(
                    f"{tap} not allowed from {ride.status}", "この操作はできません。"
                )
            self.taps.add(tap_id)
            ride = replace(ride, status=target)
            self.rides[ride_id] = ride
            return ride

    def undo_tap(self, vehicle_id: str, tap_id: str) -> Ride:
        # the fake keeps no undo record: every undo is of a tap it does not know
        raise UnknownRide(f"No tap {tap_id}.", "取り消す操作が見つかりません。")

    def void_no_show(self, ride_id: str, *, by: str, reason: str) -> Ride:
        with self.lock:
            ride = self.get_ride(ride_id)
            if ride.status is not RideStatus.NO_SHOW:
                raise IllegalTransition("not a no-show", "この予約は不在ではありません。")
            ride = replace(ride, status=RideStatus.CANCELLED)
            self.rides[ride_id] = ride
            return ride


class FakeFleet(FakeEngine):
    """``FakeEngine`` plus the fleet set-up calls (vehicles and shifts kept in memory)."""

    def __init__(self, clock: FixedClock, capacity: int = 2, hold_s: int = 300) -> None:
        super().__init__(clock, capacity, hold_s)
        self.vehicles: dict[str, VehicleInfo] = {}
        self.shifts: dict[tuple[str, date], ShiftInfo] = {}

    def add_vehicle(
        self,
        vehicle_id: str,
        *,
        depot: LatLon,
        name: str = "",
        seats: int = 4,
        wheelchairs: int = 0,
        areas: Any = None,
        **identity: str,  # plate, colour, depot_name (a value not given is kept)
    ) -> VehicleInfo:
        before = self.vehicles.get(vehicle_id)
        kept = {k: getattr(before, k) for k in ("plate", "colour", "depot_name")} if before else {}
        info = VehicleInfo(
            vehicle_id,
            name or vehicle_id,
            seats,
            wheelchairs,
            depot,
            tuple(areas) if areas else None,
            VehicleStatus.OFF_SHIFT,
            **{**kept, **identity},
        )
        self.vehicles[vehicle_id] = info
        return info

    def list_vehicles(self) -> list[VehicleInfo]:
        return sorted(self.vehicles.values(), key=lambda v: v.vehicle_id)

    def set_shift(
        self, vehicle_id: str, service_date: date, start: datetime, end: datetime, **brk: Any
    ) -> ShiftInfo:
        if vehicle_id not in self.vehicles:
            raise UnknownRide(f"no vehicle {vehicle_id}", "車両がありません。")
        if brk.pop("if_free", False) and (vehicle_id, service_date) in self.shifts:
            self._refuse_if_rides(vehicle_id, service_date)
        shift = ShiftInfo(vehicle_id, service_date, start, end, **brk)
        self.shifts[(vehicle_id, service_date)] = shift
        return shift

    def remove_shift(self, vehicle_id: str, service_date: date) -> bool:
        if (vehicle_id, service_date) not in self.shifts:
            return False
        self._refuse_if_rides(vehicle_id, service_date)
        del self.shifts[(vehicle_id, service_date)]
        return True

    def _refuse_if_rides(self, vehicle_id: str, service_date: date) -> None:
        rides = [
            r
            for r in self.list_rides(vehicle_id=vehicle_id, service_date=service_date)
            if r.status not in (RideStatus.CANCELLED, RideStatus.REJECTED)
        ]
        if rides:
            raise ShiftInUse(vehicle_id, service_date, len(rides))

    def list_shifts(self, service_date: date) -> list[ShiftInfo]:
        return [s for (_, d), s in sorted(self.shifts.items()) if d == service_date]

    # vehicle editing and retirement, without the real engine's booked-rides guard
    def get_vehicle(self, vehicle_id: str) -> VehicleInfo:
        if vehicle_id not in self.vehicles:
            raise UnknownRide(f"no vehicle {vehicle_id}", "車両がありません。")
        return self.vehicles[vehicle_id]

    def edit_vehicle(self, vehicle_id: str, *, areas: Any, **fields: Any) -> VehicleInfo:
        info = replace(
            self.get_vehicle(vehicle_id), areas=tuple(areas) if areas is not None else None,
            **fields,
        )  # fmt: skip
        self.vehicles[vehicle_id] = info
        return info

    def retire_vehicle(self, vehicle_id: str, reason: str) -> VehicleInfo:
        info = replace(self.get_vehicle(vehicle_id), retired_at=self.clock.now(),
                       retired_reason=reason)  # fmt: skip
        self.vehicles[vehicle_id] = info
        return info

    def unretire_vehicle(self, vehicle_id: str) -> VehicleInfo:
        info = replace(self.get_vehicle(vehicle_id), retired_at=None, retired_reason="")
        self.vehicles[vehicle_id] = info
        return info


def jst(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """Return a UTC instant given in Japan time."""
    return datetime(y, m, d, hh, mm, tzinfo=TZ).astimezone(UTC)
