"""A resident's live view of one ride: the ``ride_status`` message (docs/stream.md).

The resident's socket needs no engine state of its own: ``ride_status`` reads
the ride, its vehicle and the vehicle's manifest once, then ``RideWatch``
folds the board's bus messages (``ride``, ``position``, ``plan``) into it and
says when the resident should get a new message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dispatch.domain import DispatchError, Ride

# After these the car is not coming any more (or the rider is already in it).
NO_PICKUP = {"on_board", "completed", "cancelled", "no_show", "rejected"}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _pickup_eta(stops: list[dict[str, Any]], ride_id: str) -> str | None:
    for stop in stops:
        if stop.get("stop_id") == f"{ride_id}:pickup":
            eta = stop.get("eta")
            return str(eta) if eta else None
    return None


def ride_status(engine: Any, ride_id: str) -> dict[str, Any]:
    """Return the full ``ride_status`` message for ``ride_id`` (blocking: DB reads).

    The pickup ETA comes from the vehicle's current manifest (the plan the
    driver follows), falling back to the ride's own estimate.
    """
    ride: Ride = engine.get_ride(ride_id)
    status = ride.status.value
    lat = lon = None
    eta = _iso(ride.estimated_pickup)
    if ride.vehicle_id:
        try:
            vehicle = engine.get_vehicle(ride.vehicle_id)
            manifest = engine.vehicle_manifest(ride.vehicle_id)
        except (DispatchError, KeyError):
            vehicle = manifest = None
        if vehicle is not None and vehicle.position is not None:
            lat, lon = vehicle.position.lat, vehicle.position.lon
        if manifest is not None:
            eta = _pickup_eta(manifest["stops"], ride_id) or eta
    return {
        "type": "ride_status",
        "ride_id": ride_id,
        "status": status,
        "vehicle_id": ride.vehicle_id,
        "vehicle_lat": lat,
        "vehicle_lon": lon,
        "eta_pickup": None if status in NO_PICKUP else eta,
        "minutes_away": None,
        "pickup_window_start": _iso(ride.pickup_window_start),
        "pickup_window_end": _iso(ride.pickup_window_end),
    }


class RideWatch:
    """The last ``ride_status`` sent for one ride and how bus messages change it.

    ``apply(data)`` returns ``"reload"`` when the message changes who serves
    the ride or its status (read it again from the engine), ``"send"`` when it
    changed what the resident sees, or ``None`` when it is about another ride.
    """

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state

    def apply(self, data: dict[str, Any]) -> str | None:
        """Fold one board message into the state; see the class docstring."""
        ride_id = self.state["ride_id"]
        vid = self.state["vehicle_id"]
        kind = data.get("type")
        if kind == "ride" and data.get("ride_id") == ride_id:
            return "reload"
        if kind == "position" and vid and data.get("vehicle_id") == vid:
            self.state["vehicle_lat"] = data.get("lat")
            self.state["vehicle_lon"] = data.get("lon")
            return "send"
        if kind == "plan":
            stops = data.get("stops") or []
            mine = any(s.get("ride_id") == ride_id for s in stops)
            if mine and data.get("vehicle_id") != vid:
                return "reload"
            if mine:
                eta = _pickup_eta(stops, ride_id)
                if self.state["status"] in NO_PICKUP:
                    eta = None
                if eta == self.state["eta_pickup"]:
                    return None
                self.state["eta_pickup"] = eta
                return "send"
            if vid and data.get("vehicle_id") == vid:
                return "reload"  # the ride left this vehicle's plan
        return None

    def message(self, now: datetime) -> dict[str, Any]:
        """Return the message to send, with ``minutes_away`` counted from ``now``."""
        out = dict(self.state)
        eta = out["eta_pickup"]
        if eta:
            seconds = (datetime.fromisoformat(eta) - now).total_seconds()
            out["minutes_away"] = max(0, round(seconds / 60))
        out["at"] = now.isoformat()
        return out
