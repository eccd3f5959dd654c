"""Domain types shared by the dispatch engine and its callers.

Small frozen dataclasses and enums. Times are UTC-aware ``datetime`` here; the
adapter module turns them into epoch seconds for the optimizer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class DispatchError(Exception):
    """Base class of errors the engine reports to its callers.

    ``code`` is a stable machine-readable key; ``message_ja`` and ``message_en``
    are sentences a person understands.
    """

    code = "dispatch_error"

    def __init__(self, message_en: str, message_ja: str = "") -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ja = message_ja or message_en


class RideStatus(StrEnum):
    """Life cycle of a ride (see ``dispatch.state`` for the allowed moves)."""

    REQUESTED = "requested"
    OFFERED = "offered"
    BOOKED = "booked"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ARRIVED = "arrived"
    ON_BOARD = "on_board"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    REJECTED = "rejected"


class VehicleStatus(StrEnum):
    """Life cycle of a vehicle during a day."""

    OFF_SHIFT = "off_shift"
    AVAILABLE = "available"
    SERVING = "serving"
    ON_BREAK = "on_break"
    OUT_OF_SERVICE = "out_of_service"


class DriverTap(StrEnum):
    """One tap on the driver's tablet."""

    ARRIVED = "arrived"
    BOARDED = "boarded"
    NO_SHOW = "no_show"
    DROPPED_OFF = "dropped_off"


class Channel(StrEnum):
    """How a booking or a registration reached us."""

    ONLINE = "online"
    PHONE = "phone"
    COUNTER = "counter"


@dataclass(frozen=True)
class LatLon:
    """A WGS84 point in degrees."""

    lat: float
    lon: float


@dataclass(frozen=True)
class TripRequest:
    """What a rider asks for: from, to, party, and when.

    Exactly one of ``depart_at`` (earliest pickup) and ``arrive_by`` (latest
    drop-off, e.g. an appointment) is set. ``party_size`` counts seats including
    companions; ``wheelchairs`` counts wheelchair places.
    """

    member_id: str
    pickup: LatLon
    dropoff: LatLon
    depart_at: datetime | None = None
    arrive_by: datetime | None = None
    party_size: int = 1
    wheelchairs: int = 0
    needs_extra_time: bool = False
    pickup_label: str = ""
    dropoff_label: str = ""
    channel: Channel = Channel.ONLINE
    notes: str = ""
    rider_name: str = ""
    rider_phone: str = ""


@dataclass(frozen=True)
class Offer:
    """A quote the rider may confirm until ``expires_at``.

    The promise is the pickup window and the latest drop-off; the estimated
    times are what the current plan expects.
    """

    offer_id: str
    request: TripRequest
    pickup_window_start: datetime
    pickup_window_end: datetime
    estimated_pickup: datetime
    estimated_dropoff: datetime
    latest_dropoff: datetime
    expires_at: datetime
    vehicle_id: str


@dataclass(frozen=True)
class Alternative:
    """A nearby time that would fit, offered when a request cannot be served."""

    pickup_window_start: datetime
    pickup_window_end: datetime
    estimated_dropoff: datetime


@dataclass(frozen=True)
class Refusal:
    """Why a request cannot be served, with the nearest times that would work."""

    code: str
    message_en: str
    message_ja: str
    alternatives: tuple[Alternative, ...] = ()


@dataclass(frozen=True)
class Ride:
    """A booked ride as the engine knows it."""

    ride_id: str
    request: TripRequest
    status: RideStatus
    pickup_window_start: datetime
    pickup_window_end: datetime
    latest_dropoff: datetime
    vehicle_id: str | None
    estimated_pickup: datetime | None
    estimated_dropoff: datetime | None
    created_at: datetime
    cancelled_at: datetime | None = None
    late_cancellation: bool = False
    picked_up_at: datetime | None = None  # when the rider boarded (the driver's tap)
    dropped_off_at: datetime | None = None  # when the rider got off


class OfferExpired(DispatchError):
    """The offer is unknown, used or past its hold time."""

    code = "offer_expired"


class NoCapacity(DispatchError):
    """No vehicle can take the ride any more; ``alternatives`` may fit."""

    code = "no_capacity"

    def __init__(
        self, message_en: str, message_ja: str = "", alternatives: tuple[Alternative, ...] = ()
    ) -> None:
        super().__init__(message_en, message_ja)
        self.alternatives = alternatives


class OfferTaken(DispatchError):
    """The offer was booked already, by a confirmation that did not carry the same key.

    ``ride_id`` is the booking it became, so the caller can point the rider to it.
    """

    code = "offer_taken"

    def __init__(self, message_en: str, message_ja: str = "", ride_id: str = "") -> None:
        super().__init__(message_en, message_ja)
        self.ride_id = ride_id


class LimitReached(DispatchError):
    """Booking would give the member more rides that day than the rules allow."""

    code = "daily_limit"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You can book at most {limit} rides a day.", f"ご予約は1日 {limit} 回までです。"
        )
        self.limit = limit


class UnknownRide(DispatchError):
    """No such ride (or not visible to the caller)."""

    code = "unknown_ride"


class VehicleUnavailable(DispatchError):
    """The vehicle exists but cannot take rides that day (no shift, or out of service)."""

    code = "vehicle_unavailable"


class ShiftInUse(DispatchError):
    """The vehicle has rides on that day, so its shift is not changed (move them first)."""

    code = "shift_in_use"

    def __init__(self, vehicle_id: str, day: date, rides: int) -> None:
        super().__init__(
            f"Vehicle {vehicle_id} has {rides} rides on {day}; its shift was not changed.",
            f"車両 {vehicle_id} には {day} に {rides} 件の予約があるため、勤務は変更していません。",
        )
        self.rides = rides


class IllegalTransition(DispatchError):
    """A state machine refused a move; nothing was changed."""

    code = "illegal_transition"


class InvalidPosition(DispatchError):
    """A reported position is no number, infinite, or far outside the city; not recorded."""

    code = "invalid_position"


@dataclass(frozen=True)
class VehicleInfo:
    """A vehicle as the engine knows it: capacity, depot, areas, live status and position.

    ``areas`` of ``None`` means every service area; ``delay_s`` is how far behind
    its plan the driver reported being. ``plate`` and ``colour`` (a
    ``dispatch.vehicles.VehicleColour`` value) tell riders which car to get into;
    a vehicle with ``retired_at`` gets no new shifts.
    """

    vehicle_id: str
    name: str
    seats: int
    wheelchairs: int
    depot: LatLon
    areas: tuple[str, ...] | None
    status: VehicleStatus
    position: LatLon | None = None
    delay_s: int = 0
    plate: str = ""
    colour: str = ""
    depot_name: str = ""
    retired_at: datetime | None = None
    retired_reason: str = ""


@dataclass(frozen=True)
class ShiftInfo:
    """A vehicle's shift on one service date, with an optional break window."""

    vehicle_id: str
    service_date: date
    start: datetime
    end: datetime
    break_earliest: datetime | None = None
    break_latest: datetime | None = None
    break_duration_s: int = 0
    origin: str = "manual"  # or "template" / "override": generated by dispatch.rota
