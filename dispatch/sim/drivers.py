"""Simulated drivers: follow each vehicle's plan, move along the road, tap at every stop.

``SimFleet.step(now)`` is called as (virtual or sped-up) time goes by: it
starts shifts, taps ``arrived`` (with the tablet's fix at the door) then
``boarded`` or, after the city's wait, ``no_show``, and ``dropped_off`` when the plan
says service starts, waits where it is until the plan says to set off, reports
positions interpolated along the route geometry by driving time, and ends
shifts when the work is done. It goes through the engine's public methods
only, as a real tablet would.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from dispatch.adapter import parse_node
from dispatch.domain import DispatchError, DriverTap, VehicleStatus
from dispatch.fleet import FleetOps
from dispatch.store.repo import read_session
from dispatch.store.tables import RideRow

log = logging.getLogger("noriai.sim")


@dataclass
class VehicleTrack:
    """What a simulated vehicle did: the stops it served (start, departure, road node)."""

    vehicle_id: str
    depot: Any
    visits: list[tuple[int, int, Any]] = field(default_factory=list)
    last_node: Any = None
    last_departure_s: int = 0
    break_until_s: int = 0
    set_off_s: int | None = None  # when it left ``last_node`` for its next stop (None: not yet)
    no_show_due: tuple[str, int] | None = None  # (ride, when 不在 may be tapped)


def _interpolate(
    coords: list[tuple[float, float]], frac: float, times: Sequence[float] = ()
) -> tuple[float, float]:
    """Return the (lat, lon) at fraction ``frac`` of a polyline of (lon, lat) points.

    With ``times`` (driving time to each point) the fraction is of the driving time,
    so the position agrees with the road speeds the engine plans with; without, of
    the length.
    """
    if len(coords) == 1:
        return coords[0][1], coords[0][0]
    if len(times) == len(coords):
        seg = [max(0.0, b - a) for a, b in itertools.pairwise(times)]
    else:
        seg = [
            ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5
            for a, b in itertools.pairwise(coords)
        ]
    total = sum(seg) or 1.0
    goal = max(0.0, min(1.0, frac)) * total
    for (a, b), d in zip(itertools.pairwise(coords), seg, strict=False):
        if goal <= d and d > 0:
            f = goal / d
            return a[1] + f * (b[1] - a[1]), a[0] + f * (b[0] - a[0])
        goal -= d
    return coords[-1][1], coords[-1][0]


class SimFleet:
    """Drives every vehicle with a shift on ``day`` (see the module docstring)."""

    def __init__(
        self,
        engine: FleetOps,
        day: date,
        *,
        no_shows: Callable[[str], bool] = lambda ride_id: False,
        position_every_s: int = 300,
    ) -> None:
        self.engine = engine
        self.day = day
        self.no_shows = no_shows
        self.position_every_s = position_every_s
        self.tracks: dict[str, VehicleTrack] = {}
        self._last_position: dict[str, int] = {}
        self._taps = 0
        shifts = {s.vehicle_id: s for s in engine.list_shifts(day)}
        self.shifts = shifts
        for v in engine.list_vehicles():
            if v.vehicle_id in shifts:
                depot = engine.snap(v.depot.lat, v.depot.lon).node
                self.tracks[v.vehicle_id] = VehicleTrack(v.vehicle_id, depot)

    def _tap(self, vid: str, ride_id: str, tap: DriverTap) -> None:
        """Tap as a driver at the stop would (with the tablet's fix there)."""
        self._taps += 1
        lat = lon = None
        if tap is DriverTap.ARRIVED:  # the tablet's fix at the door
            with read_session(self.engine.db) as s:
                row = s.get(RideRow, ride_id)
                if row is not None:
                    lat, lon = row.pickup_lat, row.pickup_lon
        try:
            self.engine.driver_tap(
                vid, ride_id, tap, tap_id=f"sim-{vid}-{ride_id}-{tap.value}", lat=lat, lon=lon
            )
        except DispatchError as exc:  # e.g. the ride was cancelled a moment ago
            log.info("sim tap refused: %s", exc.message_en)

    def _no_show_from(self, ride_id: str) -> int | None:
        """When the engine lets the driver tap 不在 for an arrived ride (epoch s)."""
        with read_session(self.engine.db) as s:
            row = s.get(RideRow, ride_id)
            start = self.engine.no_show_from(s, row) if row is not None else None
        return int(start.timestamp()) if start is not None else None

    def step(self, now: datetime) -> None:
        """Advance every vehicle to ``now``."""
        now_s = int(now.timestamp())
        for vid, track in self.tracks.items():
            shift = self.shifts[vid]
            status = self.engine.get_vehicle(vid).status
            if status is VehicleStatus.OFF_SHIFT and shift.start <= now < shift.end:
                if track.last_node is None:
                    self.engine.start_shift(vid)
                    track.last_node = track.depot
                    track.last_departure_s = now_s
                continue
            if status is VehicleStatus.ON_BREAK and now_s >= track.break_until_s:
                self.engine.end_break(vid)
                track.break_until_s = 0
                status = VehicleStatus.AVAILABLE
            if status not in (VehicleStatus.AVAILABLE, VehicleStatus.SERVING):
                continue
            self._serve(vid, track, now_s)
            stops = self.engine.plan_stops(vid, self.day)
            if not stops and now >= shift.end:
                try:
                    self.engine.end_shift(vid)
                except DispatchError:
                    continue
                continue
            if stops and now_s - self._last_position.get(vid, 0) >= self.position_every_s:
                self._move(vid, track, stops[0], now_s)

    def _serve(self, vid: str, track: VehicleTrack, now_s: int) -> None:
        if track.no_show_due is not None:
            waiting, due = track.no_show_due
            if now_s < due:
                return  # the driver waits at the door for the rider (dispatch.taps rules)
            track.no_show_due = None
            self._tap(vid, waiting, DriverTap.NO_SHOW)
        for _ in range(50):
            stops = self.engine.plan_stops(vid, self.day)
            if not stops or stops[0]["start_s"] > now_s:
                return
            st = stops[0]
            rid = st.get("ride_id")
            if st["kind"] == "break":
                self.engine.start_break(vid)
                track.break_until_s = now_s + int(st["departure_s"]) - int(st["start_s"])
                track.set_off_s = None
                return
            if rid is None:
                return
            if st["kind"] == "pickup":
                self._tap(vid, rid, DriverTap.ARRIVED)
                if not self.no_shows(rid):
                    self._tap(vid, rid, DriverTap.BOARDED)
                else:
                    opens = self._no_show_from(rid)
                    if opens is not None and opens > now_s:
                        track.no_show_due = (rid, opens)  # wait at the door (city's rule)
                        return
                    self._tap(vid, rid, DriverTap.NO_SHOW)
            else:
                self._tap(vid, rid, DriverTap.DROPPED_OFF)
            node = parse_node(st["node"])
            track.visits.append((now_s, now_s + int(st["departure_s"]) - int(st["start_s"]), node))
            track.last_node = node
            track.last_departure_s = int(st["departure_s"])
            track.set_off_s = None

    def _move(self, vid: str, track: VehicleTrack, nxt: dict[str, Any], now_s: int) -> None:
        self._last_position[vid] = now_s
        a, b = track.last_node, parse_node(nxt["node"])
        if a is None:
            return
        # the driver waits where they are until they must set off (the plan's
        # leave_s), then drives to arrive when the stop starts. Once on the road it
        # stays on it: a later plan's leave_s (the latest time to leave where the
        # engine last saw the car, which may be half-way) does not put it back at
        # the stop it left, which the engine would then see as running late (issue 14)
        leave = max(track.last_departure_s, int(nxt.get("leave_s", track.last_departure_s)))
        if track.set_off_s is None and now_s >= leave:
            track.set_off_s = leave
        depart = track.set_off_s
        if depart is None:
            frac = 0.0
        else:
            arrive = int(nxt["start_s"] if depart > track.last_departure_s else nxt["arrival_s"])
            frac = (now_s - depart) / max(1, arrive - depart)
        try:
            route = self.engine.travel.route(a, b)
        except Exception:
            return
        coords = list(route.coordinates)
        if not coords:
            return
        lat, lon = _interpolate(coords, frac, route.times_s)
        self.engine.report_position(vid, lat, lon)

    def next_due_s(self) -> int | None:
        """Return when the earliest next stop or break end of any vehicle is due (epoch s)."""
        due = [
            int(stops[0]["start_s"])
            for vid in self.tracks
            if (stops := self.engine.plan_stops(vid, self.day))
        ]
        # a break ends on time too: ended at the next round minute instead, the
        # engine re-times the rest of the route from then and a pickup planned
        # right at its window's end slips past it (issue 5)
        due += [t.break_until_s for t in self.tracks.values() if t.break_until_s]
        return min(due) if due else None

    @property
    def taps(self) -> int:
        """How many taps the drivers made."""
        return self._taps


def utc(t_s: int) -> datetime:
    """Return epoch seconds as a UTC datetime."""
    return datetime.fromtimestamp(t_s, tz=UTC)
