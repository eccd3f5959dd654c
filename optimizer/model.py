"""Problem data for the dial-a-ride optimizer: requests, vehicles, live state, promises.

Everything here is plain, frozen data with integer units (seconds, metres, epoch
seconds). Locations are indices into the travel-time matrix the caller supplies.
The optimizer never learns where a location is on a map.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np
import numpy.typing as npt


class ProblemError(ValueError):
    """Raised when problem data is inconsistent (bad index, empty window, ...)."""


@dataclass(frozen=True)
class TimeWindow:
    """A closed interval ``[earliest_s, latest_s]`` of epoch seconds."""

    earliest_s: int
    latest_s: int

    def __post_init__(self) -> None:
        if self.latest_s < self.earliest_s:
            msg = f"time window ends before it starts: {self.earliest_s} > {self.latest_s}"
            raise ProblemError(msg)

    def contains(self, t_s: int) -> bool:
        """Return whether ``t_s`` lies inside the window (bounds included)."""
        return self.earliest_s <= t_s <= self.latest_s


@dataclass(frozen=True)
class RideTimeRule:
    """Maximum ride time as ``min(cap_s, factor * direct_s + offset_s)``.

    The direct time is the matrix time from pickup to drop-off. A request's own
    ``max_ride_s`` overrides the rule.
    """

    factor: float = 1.5
    offset_s: int = 600
    cap_s: int = 5400

    def max_ride_s(self, direct_s: int) -> int:
        """Return the maximum ride time in seconds for a direct time of ``direct_s``."""
        return int(min(self.cap_s, round(self.factor * direct_s) + self.offset_s))


@dataclass(frozen=True)
class Request:
    """One party's trip: pickup and drop-off locations, load and time constraints.

    ``pickup_window`` bounds the start of service at the pickup ("depart at");
    ``dropoff_window`` bounds the start of service at the drop-off ("arrive by"
    an appointment: its ``latest_s`` is the deadline). Either or both may be set.
    ``areas`` are the service areas the trip touches; a vehicle serves it only if
    it may serve every one of them.
    """

    id: str
    pickup: int
    dropoff: int
    pickup_window: TimeWindow | None = None
    dropoff_window: TimeWindow | None = None
    seats: int = 1
    wheelchairs: int = 0
    pickup_service_s: int = 60
    dropoff_service_s: int = 60
    max_ride_s: int | None = None
    areas: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.seats < 0 or self.wheelchairs < 0 or self.seats + self.wheelchairs == 0:
            msg = f"request {self.id}: a party needs at least one seat or wheelchair place"
            raise ProblemError(msg)
        if self.pickup_service_s < 0 or self.dropoff_service_s < 0:
            msg = f"request {self.id}: service times must not be negative"
            raise ProblemError(msg)


@dataclass(frozen=True)
class Break:
    """A driver's break of ``duration_s`` that must start inside ``window``."""

    window: TimeWindow
    duration_s: int


@dataclass(frozen=True)
class Vehicle:
    """A vehicle with its capacity, shift, depots and the areas it may serve.

    ``areas`` of ``None`` means every area. ``max_duration_s`` (if set) bounds the
    route's duration from leaving the start to arriving at the end depot.
    ``wheelchair_place_cost_s`` is charged, in seconds of travel, for each party
    without a wheelchair that a vehicle with wheelchair places carries: it keeps
    those vehicles for wheelchair riders where another vehicle costs little more.
    """

    id: str
    start: int
    end: int
    shift: TimeWindow
    seats: int = 4
    wheelchairs: int = 0
    breaks: tuple[Break, ...] = ()
    areas: frozenset[str] | None = None
    max_duration_s: int | None = None
    wheelchair_place_cost_s: int = 0

    def serves(self, request: Request) -> bool:
        """Return whether this vehicle may carry ``request`` (capacity and areas)."""
        if request.seats > self.seats or request.wheelchairs > self.wheelchairs:
            return False
        return self.areas is None or request.areas <= self.areas

    def place_cost_s(self, request: Request) -> int:
        """Return what carrying ``request`` costs beyond travel (``wheelchair_place_cost_s``)."""
        if request.wheelchairs == 0 and self.wheelchairs > 0:
            return self.wheelchair_place_cost_s
        return 0


@dataclass(frozen=True)
class Promise:
    """What a confirmed rider was told: a pickup window and a latest drop-off."""

    request_id: str
    pickup_window: TimeWindow
    latest_dropoff_s: int


class StopKind(str, Enum):  # noqa: UP042 (str() of a member stays as it was)
    """What happens at a stop."""

    START = "start"
    PICKUP = "pickup"
    DROPOFF = "dropoff"
    BREAK = "break"
    END = "end"


@dataclass(frozen=True)
class OnBoard:
    """A rider already in the vehicle, picked up at ``picked_up_s``."""

    request_id: str
    picked_up_s: int


@dataclass(frozen=True)
class StopRef:
    """A stop named by its request and kind (used for locked, committed stops)."""

    request_id: str
    kind: StopKind


@dataclass(frozen=True)
class VehicleState:
    """Where a vehicle in service will be free next, and what it is bound to.

    ``location`` and ``available_at_s`` are the next point at which the plan may
    change (the vehicle's position now, or the stop it is committed to when it
    finishes there). ``onboard`` riders must be dropped by this vehicle. ``locked``
    stops come first in this vehicle's route, in this order, whatever the solver
    does. ``breaks_taken`` counts breaks already done today.
    """

    vehicle_id: str
    location: int
    available_at_s: int
    onboard: tuple[OnBoard, ...] = ()
    locked: tuple[StopRef, ...] = ()
    breaks_taken: int = 0


@dataclass(frozen=True, eq=False)
class Problem:
    """A complete instance: matrices, requests, vehicles, live state and promises.

    ``durations_s[i, j]`` and ``distances_m[i, j]`` are integer travel time and
    distance from location ``i`` to ``j``. Vehicles without a ``VehicleState``
    start at their depot at the start of their shift. Every request in
    ``promises`` must be served and its promise kept; others may be left
    unassigned at a cost.
    """

    durations_s: npt.NDArray[np.int64]
    requests: tuple[Request, ...]
    vehicles: tuple[Vehicle, ...]
    distances_m: npt.NDArray[np.int64] | None = None
    states: tuple[VehicleState, ...] = ()
    promises: tuple[Promise, ...] = ()
    ride_rule: RideTimeRule = field(default_factory=RideTimeRule)

    def __post_init__(self) -> None:
        n = self.durations_s.shape[0]
        if self.durations_s.ndim != 2 or self.durations_s.shape != (n, n):
            msg = "durations_s must be a square matrix"
            raise ProblemError(msg)
        if self.distances_m is not None and self.distances_m.shape != (n, n):
            msg = "distances_m must have the shape of durations_s"
            raise ProblemError(msg)
        ids = [r.id for r in self.requests]
        if len(set(ids)) != len(ids):
            msg = "request ids must be unique"
            raise ProblemError(msg)
        for r in self.requests:
            if not (0 <= r.pickup < n and 0 <= r.dropoff < n):
                msg = f"request {r.id}: location index out of range 0..{n - 1}"
                raise ProblemError(msg)
        for v in self.vehicles:
            if not (0 <= v.start < n and 0 <= v.end < n):
                msg = f"vehicle {v.id}: depot index out of range 0..{n - 1}"
                raise ProblemError(msg)
        vids = {v.id for v in self.vehicles}
        if len(vids) != len(self.vehicles):
            msg = "vehicle ids must be unique"
            raise ProblemError(msg)
        rids = set(ids)
        for s in self.states:
            if s.vehicle_id not in vids:
                msg = f"state for unknown vehicle {s.vehicle_id}"
                raise ProblemError(msg)
            for ob in s.onboard:
                if ob.request_id not in rids:
                    msg = f"vehicle {s.vehicle_id}: rider {ob.request_id} on board is not a request"
                    raise ProblemError(msg)
        for p in self.promises:
            if p.request_id not in rids:
                msg = f"promise for unknown request {p.request_id}"
                raise ProblemError(msg)

    def request(self, request_id: str) -> Request:
        """Return the request with id ``request_id`` (KeyError if none)."""
        return self._request_index()[request_id]

    def _request_index(self) -> dict[str, Request]:
        cache = self.__dict__.get("_req_index")
        if cache is None:
            cache = {r.id: r for r in self.requests}
            object.__setattr__(self, "_req_index", cache)
        return cache

    def max_ride_s(self, request: Request) -> int:
        """Return the maximum ride time of ``request`` (its own or by the rule)."""
        if request.max_ride_s is not None:
            return request.max_ride_s
        return self.ride_rule.max_ride_s(int(self.durations_s[request.pickup, request.dropoff]))

    def replace(self, **changes: object) -> Problem:
        """Return a copy with ``changes`` applied (the data itself is never mutated)."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ScheduledStop:
    """A stop in a planned route with its times and the load after it.

    ``arrival_s`` is when the vehicle gets there, ``start_s`` when service begins
    (after any wait), ``departure_s`` when it leaves.
    """

    kind: StopKind
    location: int
    arrival_s: int
    start_s: int
    departure_s: int
    request_id: str | None = None
    seats_after: int = 0
    wheelchairs_after: int = 0


@dataclass(frozen=True)
class Route:
    """One vehicle's ordered stops, from its start (or live state) to its end depot."""

    vehicle_id: str
    stops: tuple[ScheduledStop, ...]

    @property
    def request_ids(self) -> tuple[str, ...]:
        """Ids of the requests picked up on this route, in pickup order."""
        return tuple(
            s.request_id for s in self.stops if s.kind is StopKind.PICKUP and s.request_id
        )


@dataclass(frozen=True)
class Unassigned:
    """A request the plan does not serve, and why (a short English phrase)."""

    request_id: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """A solution: one route per used vehicle plus the unassigned requests."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...] = ()

    def route_of(self, vehicle_id: str) -> Route | None:
        """Return the route of ``vehicle_id``, or ``None`` if it has none."""
        return next((r for r in self.routes if r.vehicle_id == vehicle_id), None)

    def vehicle_of(self, request_id: str) -> str | None:
        """Return the id of the vehicle serving ``request_id``, or ``None``."""
        for r in self.routes:
            if any(s.request_id == request_id for s in r.stops):
                return r.vehicle_id
        return None
