"""Request models of the fleet: a vehicle to add, a change to one, retiring it, a day's shift.

A vehicle's plate number and colour are what riders look for at the door; the
colour is one of ``dispatch.vehicles.VehicleColour`` (the apps name it in the
rider's language), or empty when not known.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from booking_api.schemas.types import Line, NotBool, WholeNumber
from dispatch.vehicles import VehicleColour

COLOUR_PATTERN = "^(" + "|".join(c.value for c in VehicleColour) + ")?$"
Colour = Annotated[
    str,
    Field(
        pattern=COLOUR_PATTERN,
        max_length=20,
        description="Body colour: " + ", ".join(c.value for c in VehicleColour) + " (or empty).",
    ),
]
Plate = Annotated[Line, Field(max_length=40, description="Number plate, e.g. 土浦 500 あ 12-34.")]
AreaIds = list[Annotated[Line, Field(max_length=64)]]


class VehicleIn(BaseModel):
    """A vehicle to add or update (a plate, colour or depot name not given is kept)."""

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name: Line = Field(default="", max_length=100)
    seats: WholeNumber = Field(default=4, ge=0, le=20)
    wheelchairs: WholeNumber = Field(default=0, ge=0, le=4)
    depot_lat: float = Field(ge=-90, le=90, strict=True)
    depot_lon: float = Field(ge=-180, le=180, strict=True)
    areas: AreaIds | None = Field(default=None, max_length=20)
    plate: Plate | None = None
    colour: Colour | None = None
    depot_name: Line | None = Field(default=None, max_length=100)


class VehiclePatch(BaseModel):
    """A change to a vehicle: only the fields given change (``areas`` null: every area)."""

    name: Line | None = Field(default=None, max_length=100)
    plate: Plate | None = None
    colour: Colour | None = None
    seats: Annotated[int, Field(ge=0, le=20), NotBool] | None = None
    wheelchairs: Annotated[int, Field(ge=0, le=4), NotBool] | None = None
    areas: AreaIds | None = Field(default=None, max_length=20)
    depot_name: Line | None = Field(default=None, max_length=100)
    depot_lat: float | None = Field(default=None, ge=-90, le=90, strict=True)
    depot_lon: float | None = Field(default=None, ge=-180, le=180, strict=True)


class RetireIn(BaseModel):
    """Why a vehicle leaves the fleet (kept in the audit log and on the vehicle)."""

    reason: Line = Field(min_length=1, max_length=200)


class ShiftIn(BaseModel):
    """A vehicle's shift on one day, with an optional break window."""

    start: datetime
    end: datetime
    break_earliest: datetime | None = None
    break_latest: datetime | None = None
    break_duration_s: WholeNumber = Field(default=0, ge=0, le=4 * 3600)


class ShiftOut(ShiftIn):
    """A shift as stored by the engine."""

    vehicle_id: str
    service_date: date
