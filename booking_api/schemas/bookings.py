"""Schemas of places, quotes, offers, bookings, series and driver taps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from booking_api.rules import RuleViolation
from booking_api.schemas.types import Day, Line, Text, Weekday, WholeNumber

HHMM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM = Field(pattern=HHMM_PATTERN)


_NULL: dict[str, Any] = {"type": "null"}
_ONE_OF_PLACES: list[Any] = [
    {
        "required": ["home"],
        "properties": {
            "home": {"const": True},
            "saved_place_id": _NULL,
            "place_id": _NULL,
            "lat": _NULL,
            "lon": _NULL,
        },
    },
    {
        "required": ["saved_place_id"],
        "properties": {
            "home": {"const": False},
            "saved_place_id": {"type": "string"},
            "place_id": _NULL,
            "lat": _NULL,
            "lon": _NULL,
        },
    },
    {
        "required": ["place_id"],
        "properties": {
            "home": {"const": False},
            "saved_place_id": _NULL,
            "place_id": {"type": "string"},
            "lat": _NULL,
            "lon": _NULL,
        },
    },
    {
        "required": ["lat", "lon"],
        "properties": {
            "home": {"const": False},
            "saved_place_id": _NULL,
            "place_id": _NULL,
            "lat": {"type": "number"},
            "lon": {"type": "number"},
        },
    },
]


class PlaceRef(BaseModel):
    """One end of a trip: home, a saved place, a designated place, or a point."""

    home: StrictBool = False
    saved_place_id: Line | None = Field(default=None, min_length=1, max_length=64)
    place_id: Line | None = Field(default=None, min_length=1, max_length=64)
    lat: float | None = Field(default=None, ge=-90, le=90, strict=True)
    lon: float | None = Field(default=None, ge=-180, le=180, strict=True)
    label: Line = Field(default="", max_length=200)

    # The schema says "exactly one" too, so clients (and fuzzers) know what is accepted.
    model_config = ConfigDict(json_schema_extra={"anyOf": _ONE_OF_PLACES})

    @model_validator(mode="after")
    def _exactly_one(self) -> PlaceRef:
        given = [self.home, self.saved_place_id is not None, self.place_id is not None]
        point = self.lat is not None or self.lon is not None
        if point and (self.lat is None or self.lon is None):
            raise RuleViolation(
                "bad_place", "Give both lat and lon.", "緯度と経度の両方を指定してください。"
            )
        if sum(given) + int(point) != 1:
            raise RuleViolation(
                "bad_place",
                "Give exactly one of: home, saved_place_id, place_id, or lat and lon.",
                "自宅・登録場所・施設・地点のいずれか1つを指定してください。",
            )
        return self


class TripIn(BaseModel):
    """The common part of a quote, a modification and a series."""

    member_id: Line | None = Field(default=None, max_length=64)
    from_: PlaceRef = Field(alias="from")
    to: PlaceRef
    time: str = HHMM
    time_mode: Literal["depart_at", "arrive_by"] = "depart_at"
    party_size: WholeNumber = Field(default=1, ge=1, le=20)
    carers: WholeNumber = Field(
        default=0,
        ge=0,
        le=19,
        description="How many of the party are carers (介助者); the city file says if they "
        "ride free. The others besides the member are companions (同伴者).",
    )
    wheelchair: StrictBool = False
    notes: Text = Field(default="", max_length=500, description="For the driver.")

    model_config = {"populate_by_name": True}

    @model_validator(mode="after")
    def _carers_in_party(self) -> TripIn:
        if self.carers > self.party_size - 1:
            raise RuleViolation(
                "bad_party",
                "The carers are part of the party: there are more carers than people "
                "riding with the member.",
                "介助者は同乗者に含めてください（介助者の数が同乗者の数より多くなっています）。",
            )
        return self


class QuoteIn(TripIn):
    """A request for an instant quote (and optionally the return trip)."""

    date: Day
    return_time: str | None = Field(default=None, pattern=HHMM_PATTERN)


class SeriesIn(TripIn):
    """A weekly recurring booking until a date (the period is checked by
    ``booking_api.dates.series_period``: it ends after it starts, within 62 days).
    """

    weekdays: list[Weekday] = Field(min_length=1, max_length=7)
    start_date: Day
    until: Day = Field(description="The last day: from start_date to 62 days after it.")


class AlternativeOut(BaseModel):
    """A nearby time that would work."""

    pickup_window_start: datetime
    pickup_window_end: datetime
    estimated_dropoff: datetime


class OfferOut(BaseModel):
    """An offer held until ``expires_at``."""

    offer_id: str
    pickup_window_start: datetime
    pickup_window_end: datetime
    estimated_pickup: datetime
    estimated_dropoff: datetime
    latest_dropoff: datetime
    expires_at: datetime
    fare_yen: int
    from_label: str
    to_label: str


class QuoteOut(BaseModel):
    """The answer to a quote."""

    offer: OfferOut
    return_offer: OfferOut | None = None


class PayWithIn(BaseModel):
    """How the member will pay on board: her ticket or pass (its holding), cash, IC or QR."""

    method: Literal["ticket", "pass", "cash", "ic", "qr"]
    holding_id: Line | None = Field(
        default=None,
        max_length=32,
        description="The member's coupon book or pass (GET /me/wallet), for ticket and pass.",
    )


class PayWithOut(BaseModel):
    """How the member chose to pay when she booked (the tablet's pre-selected method)."""

    method: str
    holding_id: str | None = None
    product_id: str | None = Field(default=None, description="The ticket's or pass's product.")


class ConfirmIn(BaseModel):
    """Confirmation of one offer (and its return offer)."""

    offer_id: Line = Field(min_length=1, max_length=64)
    return_offer_id: Line | None = Field(default=None, min_length=1, max_length=64)
    pay_with: PayWithIn | None = Field(
        default=None,
        description=(
            "How the member will pay on board (both rides of a round trip). Nothing is taken"
            " now: the driver sees it pre-selected and records what is really used. A ticket"
            " or pass that cannot be used on the ride's day is refused (422)."
        ),
    )


class ModifyConfirmIn(BaseModel):
    """Confirmation of the replacement offer of a modification (staff give the reason)."""

    offer_id: Line = Field(min_length=1, max_length=64)
    reason: Text = Field(default="", max_length=500)


class CancelIn(BaseModel):
    """Why a booking is cancelled."""

    reason: Text = Field(default="", max_length=500)


class BookingOut(BaseModel):
    """A booking as the rider or staff see it."""

    id: str
    member_id: str
    member_name: str
    status: str
    from_label: str
    to_label: str
    from_lat: float
    from_lon: float
    to_lat: float
    to_lon: float
    pickup_window_start: datetime
    pickup_window_end: datetime
    latest_dropoff: datetime
    estimated_pickup: datetime | None
    estimated_dropoff: datetime | None
    vehicle_id: str | None
    party_size: int
    carers: int = Field(default=0, description="How many of the party are carers (介助者).")
    wheelchair: bool
    fare_yen: int
    fare_rules: str | None = Field(
        default=None,
        description=(
            "The version of the city's fare rules that priced fare_yen: its first day and a"
            " hash of its content ('2026-04-01#1a2b3c4d'); a later rule never re-prices the"
            " ride. None for a booking made before versions were kept."
        ),
    )
    pay_with: PayWithOut | None = Field(
        default=None, description="How the member chose to pay when she booked, if she did."
    )
    channel: str
    created_at: datetime
    cancelled_at: datetime | None
    late_cancellation: bool
    series_id: str | None
    rider_phone: str | None = None
    notes: str | None = None
    vehicle_lat: float | None = None
    vehicle_lon: float | None = None
    vehicle_name: str | None = Field(default=None, description="The car's name (its vehicle).")
    vehicle_plate: str | None = Field(
        default=None, description="The car's number plate, so the rider knows which car to board."
    )
    vehicle_colour: str | None = Field(
        default=None, description="The car's body colour (white, silver, ...), or empty."
    )


class ConfirmOut(BaseModel):
    """The bookings made by a confirmation."""

    booking: BookingOut
    return_booking: BookingOut | None = None


class SeriesFailure(BaseModel):
    """An occurrence of a series that could not be booked, and why."""

    date: date
    code: str
    message: str
    message_ja: str
    message_en: str


class SeriesResult(BaseModel):
    """The result of booking a series."""

    series_id: str
    booked: list[BookingOut]
    failed: list[SeriesFailure]


class SeriesOut(BaseModel):
    """A recurring booking."""

    id: str
    member_id: str
    weekdays: list[int]
    time: str
    time_mode: str
    start_date: date
    until: date
    from_label: str
    to_label: str
    active: bool


class SeriesCancelOut(BaseModel):
    """Bookings cancelled with a series."""

    cancelled: list[str]


class TapIn(BaseModel):
    """A driver's tap on the tablet."""

    ride_id: Line = Field(min_length=1, max_length=64)
    tap: Literal["arrived", "boarded", "no_show", "dropped_off"]
    tap_id: Line = Field(min_length=1, max_length=100)
    # why 到着 away from the stop (a code of the city's arrive_reasons), and the
    # tablet's GPS fix when the driver tapped (checked against the stop's geofence)
    reason: Line | None = Field(default=None, min_length=1, max_length=40)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)


class VehicleDay(BaseModel):
    """One vehicle's bookings of a day."""

    vehicle_id: str
    bookings: list[BookingOut]


class DayOut(BaseModel):
    """The day's bookings per vehicle."""

    date: date
    vehicles: list[VehicleDay]
    unassigned: list[BookingOut]


class ManifestOut(BaseModel):
    """A driver's manifest for one day."""

    vehicle_id: str
    date: date
    bookings: list[BookingOut]
