"""The narrow interfaces the dispatch engine offers and uses.

``BookingEngine`` is what the booking API calls (quote, confirm, cancel); the
API never touches the optimizer. ``Clock`` makes time an argument so that tests
and the simulator run in virtual time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from dispatch.domain import DriverTap, Offer, Refusal, Ride, TripRequest


class Clock(Protocol):
    """A source of the current UTC-aware time."""

    def now(self) -> datetime:
        """Return the current time (UTC-aware)."""
        ...


class BookingEngine(Protocol):
    """Quote, confirm and cancel rides; the booking API's only way in.

    ``confirm`` raises ``OfferExpired`` for an unknown or stale offer and
    ``NoCapacity`` (with alternatives) when the promise can no longer be kept;
    calling it twice with the same ``idempotency_key`` returns the same ride.
    ``cancel`` raises ``UnknownRide`` and ``IllegalTransition``.
    """

    def quote(self, request: TripRequest) -> Offer | Refusal:
        """Return an offer with a promised pickup window, or a refusal."""
        ...

    def confirm(
        self,
        offer_id: str,
        *,
        idempotency_key: str | None = None,
        max_rides_per_day: int | None = None,
        replaces: str | None = None,
        by: str = "",
    ) -> Ride:
        """Book the offered ride, keeping its promise, or raise (checked as it books:
        ``OfferTaken``, ``LimitReached``, and for a change ``IllegalTransition``).
        """
        ...

    def cancel(self, ride_id: str, *, by: str, reason: str = "") -> Ride:
        """Cancel a booked ride and re-plan its vehicle."""
        ...

    def get_ride(self, ride_id: str) -> Ride:
        """Return one ride or raise ``UnknownRide``."""
        ...

    def list_rides(
        self,
        *,
        member_id: str | None = None,
        vehicle_id: str | None = None,
        service_date: date | None = None,
    ) -> list[Ride]:
        """Return rides matching every given filter, by pickup time (dates in local time)."""
        ...

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
        """Apply a driver's tap if the city's tap rules allow it (``dispatch.taps``).

        A repeated ``tap_id`` changes nothing the second time.
        """
        ...

    def undo_tap(self, vehicle_id: str, tap_id: str) -> Ride:
        """Undo the vehicle's last tap within the undo window, or raise."""
        ...

    def void_no_show(self, ride_id: str, *, by: str, reason: str) -> Ride:
        """Void a wrong no-show (staff): it no longer counts against the rider."""
        ...

    def report_position(self, vehicle_id: str, lat: float, lon: float) -> None:
        """Record a vehicle's GPS position (``InvalidPosition`` for a non-finite point or
        one far outside the city: nothing is stored or published)."""
        ...


class SnapResult(Protocol):
    """A point moved onto the road network (``maps.Snap`` satisfies it; read-only)."""

    @property
    def node(self) -> Any: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def area(self) -> str | None: ...


class RouteResult(Protocol):
    """A road route between two nodes (``maps.RouteGeometry`` satisfies it; read-only).

    ``times_s`` is the driving time from the start to each of ``coordinates`` (may be
    empty when unknown).
    """

    @property
    def duration_s(self) -> int: ...
    @property
    def distance_m(self) -> int: ...
    @property
    def coordinates(self) -> Sequence[tuple[float, float]]: ...
    @property
    def times_s(self) -> Sequence[float]: ...


class TravelTimes(Protocol):
    """Road network access the engine needs; ``maps.CityMap`` and ``dispatch.grid.GridCity``.

    ``snap`` raises an exception with ``code``, ``message_en`` and ``message_ja``
    for a point outside the service boundary or too far from a road.
    """

    def snap(self, lat: float, lon: float) -> SnapResult:
        """Return the nearest road node of a point (and its service area)."""
        ...

    def matrix(self, src: Sequence[Any], dst: Sequence[Any]) -> tuple[Any, Any]:
        """Return integer (durations_s, distances_m) arrays between node lists."""
        ...

    def route(self, node_a: Any, node_b: Any) -> RouteResult:
        """Return the route geometry (``[(lon, lat), ...]``) between two nodes."""
        ...

    def node_latlon(self, node: Any) -> tuple[float, float]:
        """Return the (lat, lon) of a road node."""
        ...
