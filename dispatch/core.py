"""The engine's shared machinery: loading a day, saving a vehicle's route, publishing.

``EngineCore`` holds the injected parts (config, database, bus, travel times,
clock). The booking side (``dispatch.engine``) and the fleet side
(``dispatch.fleet``) build on it. Every change to a day's plans happens inside
``write_session`` (the day's writer lock); messages are published only after
the transaction committed, so the bus never announces something not stored.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dispatch import manifest
from dispatch.adapter import DayData, ProblemBuilder, epoch, node_key
from dispatch.bus.base import EventBus, finite_only
from dispatch.config import EngineConfig
from dispatch.daycache import DayCache
from dispatch.departures import must_set_off
from dispatch.domain import RideStatus, VehicleStatus
from dispatch.ports import Clock, SnapResult, TravelTimes
from dispatch.retime import schedule, stops_of
from dispatch.state import ACTIVE_RIDE_STATUSES, ride_transition
from dispatch.store.repo import append_event, change_session, read_session
from dispatch.store.tables import EventRow, PlanRow, RideRow, ShiftRow, VehicleRow
from optimizer import Quote, QuoteParams, QuoteRefusal, quote, schedule_route
from optimizer.insertion import quote_in
from optimizer.model import Plan, Problem, Request, Route, StopKind, StopRef

_ACTIVE = [s.value for s in ACTIVE_RIDE_STATUSES]
_UNAVAILABLE = {VehicleStatus.OUT_OF_SERVICE.value}


class EngineCore:
    """Injected dependencies plus the helpers every engine operation shares."""

    def __init__(
        self,
        config: EngineConfig,
        *,
        db: Engine,
        bus: EventBus,
        travel: TravelTimes,
        clock: Clock,
        ids: Callable[[str], str] | None = None,
    ) -> None:
        self.config = config
        self._ids = ids
        self.db = db
        self.bus = bus
        self.travel = travel
        self.clock = clock
        self.tz = ZoneInfo(config.timezone)
        # the service days kept in memory (None: every read goes to the database)
        self.days = DayCache(db, travel) if config.day_cache else None
        self._snaps: dict[tuple[float, float, bool], SnapResult] = {}
        self._snap_lock = threading.Lock()
        self._local = threading.local()

    # -- small helpers -------------------------------------------------------
    @property
    def pending(self) -> list[tuple[str, dict[str, Any]]]:
        """Messages to publish after this thread's transaction commits."""
        p = getattr(self._local, "pending", None)
        if p is None:
            p = self._local.pending = []
        return p

    def discard_pending(self) -> None:
        """Forget this thread's unpublished messages (its transaction rolled back)."""
        self._local.pending = []

    @contextmanager
    def publishing(self) -> Iterator[None]:
        """Publish the queued messages when the block succeeds; drop them when it fails.

        Enter it before ``write_session`` (``with self.publishing(), write_session(...)``)
        so the transaction has committed before anything is announced.
        """
        try:
            yield
        except BaseException:
            self.discard_pending()
            raise
        self.flush_messages()

    def now(self) -> datetime:
        """Return the injected clock's time."""
        return self.clock.now()

    def local_date(self, t: datetime) -> date:
        """Return the service date (local calendar day) of ``t``."""
        return t.astimezone(self.tz).date()

    def new_id(self, prefix: str) -> str:
        """Return a fresh id such as ``R3f9a…`` (from the injected ``ids`` when given)."""
        if self._ids is not None:
            return self._ids(prefix)
        return f"{prefix}{uuid.uuid4().hex[:12]}"

    def snap(self, lat: float, lon: float) -> SnapResult:
        """Snap a point to the road network (cached; raises the map's snap error)."""
        return self._matched(lat, lon, vehicle=False)

    def locate(self, lat: float, lon: float) -> SnapResult:
        """Match a vehicle's position to the road network, inside the service boundary or
        not (a road along its edge; only riders' addresses must be inside); cached like
        ``snap``. A travel model without ``locate`` (the grid city) snaps."""
        return self._matched(lat, lon, vehicle=True)

    def _matched(self, lat: float, lon: float, *, vehicle: bool) -> SnapResult:
        key = (round(lat, 6), round(lon, 6), vehicle)
        with self._snap_lock:
            hit = self._snaps.get(key)
        if hit is None:
            snap = self.travel.snap
            hit = (getattr(self.travel, "locate", snap) if vehicle else snap)(lat, lon)
            with self._snap_lock:
                if len(self._snaps) > 200_000:  # live positions keep coming: stay bounded
                    self._snaps.clear()
                self._snaps[key] = hit
        return hit

    def is_live(self, day: date) -> bool:
        """Whether ``day`` is today (vehicles have live states)."""
        return day == self.local_date(self.now())

    # -- loading and saving --------------------------------------------------
    def load_day(self, s: Session, day: date) -> DayData:
        """Return the persisted state of ``day`` that the optimizer needs."""
        vehicles = [
            v
            for v in s.scalars(select(VehicleRow).order_by(VehicleRow.id))
            if v.status not in _UNAVAILABLE
        ]
        shifts = {
            sh.vehicle_id: sh
            for sh in s.scalars(select(ShiftRow).where(ShiftRow.service_date == day))
            if sh.ended_at is None
        }
        rides = list(
            s.scalars(
                select(RideRow)
                .where(RideRow.service_date == day, RideRow.status.in_(_ACTIVE))
                .order_by(RideRow.pickup_window_start, RideRow.id)
            )
        )
        q_plans = select(PlanRow).where(PlanRow.service_date == day)
        plans = {p.vehicle_id: p for p in s.scalars(q_plans)}
        data = DayData([v for v in vehicles if v.id in shifts], shifts, rides, plans)
        return self._complete(s, day, data)

    def cached_day(self, s: Session, day: date) -> DayData:
        """Return ``day`` as ``load_day`` does, its rides and plans from memory when current.

        The records are read-only (not attached to ``s``): for building problems,
        never for changing rows. Vehicles and shifts are kept too, against a stamp
        of the stored rows read with the day's version (``DayCache.records``).
        """
        if self.days is None:
            return self.load_day(s, day)
        rides, plans, fleet, shifts = self.days.records(s, day)
        vehicles = [v for v in fleet if v.status not in _UNAVAILABLE and v.id in shifts]
        data = DayData(vehicles, dict(shifts), rides, plans)
        return self._complete(s, day, data)

    def _complete(self, s: Session, day: date, data: DayData) -> DayData:
        live = self.is_live(day)
        if live:
            self._load_breaks(s, day, data)
        # a car's position may be just outside the service boundary (a road along its
        # edge): planned from its depot instead, it looked ~20 min behind at every
        # report there and the re-times broke promises by hours (issue 14)
        for v in data.vehicles:
            data.depot_nodes[v.id] = self.snap(v.depot_lat, v.depot_lon).node
            if live and v.lat is not None and v.lon is not None:
                try:
                    data.position_nodes[v.id] = self.locate(v.lat, v.lon).node
                except Exception:  # off the network (e.g. a yard): plan from the depot
                    data.position_nodes[v.id] = data.depot_nodes[v.id]
        return data

    def _load_breaks(self, s: Session, day: date, data: DayData) -> None:
        """Count today's breaks taken per vehicle and until when the current one lasts."""
        start = datetime.combine(day, time(0), tzinfo=self.tz)
        q = select(EventRow).where(EventRow.kind == "vehicle.break", EventRow.at >= start)
        for ev in s.scalars(q):
            vid = ev.vehicle_id or ""
            data.breaks_taken[vid] = data.breaks_taken.get(vid, 0) + 1
            until = int(ev.payload.get("until_s", 0))
            data.busy_until_s[vid] = max(data.busy_until_s.get(vid, 0), until)

    def builder(self, day: date | None = None) -> ProblemBuilder:
        """Return a problem builder at the current time (on ``day``'s kept locations)."""
        locations = self.days.locations(day) if self.days is not None and day else None
        return ProblemBuilder(self.travel, self.config, self.now(), locations)

    def quote_on(
        self, b: ProblemBuilder, problem: Problem, plan: Plan, request: Request
    ) -> Quote | QuoteRefusal:
        """Quote ``request`` on a problem ``b`` built (sharing the day's travel-time lists)."""
        if b.locations is None:
            return quote(problem, plan, request, params=self.quote_params())
        return quote_in(b.locations.context(problem), plan, request, self.quote_params())

    def quote_params(self) -> QuoteParams:
        """Return the optimizer's quote parameters from the engine's config."""
        c = self.config
        return QuoteParams(
            promise_width_s=c.promise_width_s,
            alternative_step_s=c.alternatives_step_s,
            alternative_max_shift_s=c.alternatives_max_shift_s,
            max_alternatives=c.max_alternatives,
        )

    def save_route(
        self, s: Session, day: date, vehicle_id: str, b: ProblemBuilder, route: Route | None
    ) -> None:
        """Persist ``route`` as the vehicle's plan and copy its times onto the rides.

        The first pickup of a live vehicle in service becomes ``en_route`` once the
        vehicle must set off for it (``dispatch.departures``); a ride that was
        ``en_route`` but is no longer next goes back to ``assigned``.
        """
        now = self.now()
        row = s.get(PlanRow, (vehicle_id, day))
        stops = b.stops_json(route)
        if row is None:
            row = PlanRow(vehicle_id=vehicle_id, service_date=day, stops=stops, version=1)
            row.updated_at = now
            s.add(row)
        else:
            row.stops, row.version, row.updated_at = stops, row.version + 1, now
        vrow = s.get(VehicleRow, vehicle_id)
        moving = (
            vrow is not None
            and self.is_live(day)
            and vrow.status in (VehicleStatus.AVAILABLE.value, VehicleStatus.SERVING.value)
        )
        for i, st in enumerate(stops):
            ride = s.get(RideRow, st["ride_id"]) if st.get("ride_id") else None
            if ride is None:
                continue
            ride.vehicle_id = vehicle_id
            t = datetime.fromtimestamp(st["start_s"], tz=now.tzinfo)
            if st["kind"] == StopKind.PICKUP.value:
                ride.estimated_pickup = t
                status = RideStatus(ride.status)
                if (
                    i == 0
                    and moving
                    and status is RideStatus.ASSIGNED
                    and must_set_off(st, epoch(now), self.config.departure_lead_s)
                ):
                    self.set_ride_status(s, ride, RideStatus.EN_ROUTE)
                elif i > 0 and status is RideStatus.EN_ROUTE:
                    self.set_ride_status(s, ride, RideStatus.ASSIGNED)
            elif st["kind"] == StopKind.DROPOFF.value:
                ride.estimated_dropoff = t
        if vrow is not None and self.is_live(day):
            busy = bool(stops)
            if vrow.status == VehicleStatus.AVAILABLE.value and busy:
                vrow.status = VehicleStatus.SERVING.value
            elif vrow.status == VehicleStatus.SERVING.value and not busy:
                vrow.status = VehicleStatus.AVAILABLE.value
        self.pending.append(("vehicle", {"vehicle_id": vehicle_id, "day": day.isoformat()}))

    def reschedule(self, s: Session, day: date, vehicle_ids: Iterable[str]) -> None:
        """Re-time the remaining stops of ``vehicle_ids`` from now (order unchanged).

        Lateness is allowed here: reality (a tap, a delay) is not refused; the
        late-promise check reports what it breaks.
        """
        s.flush()
        data = self.load_day(s, day)
        b = self.builder()
        problem, plan = b.build(data, live=self.is_live(day))
        states = {st.vehicle_id: st for st in problem.states}
        for v in problem.vehicles:
            if v.id not in vehicle_ids:
                continue
            stops = stops_of(plan.route_of(v.id))
            route = None
            if stops:
                refs = [StopRef(rid, kind) for kind, rid in stops]
                route = schedule_route(problem, v.id, refs)
                if route is None:  # running late: keep the order, accept the lateness
                    route = schedule(problem, v, states.get(v.id), stops, strict=False)
                if route is None:  # not even that: keep the stored route, never lose rides
                    continue
            self.save_route(s, day, v.id, b, route)

    def set_ride_status(self, s: Session, ride: RideRow, target: RideStatus) -> None:
        """Move a ride through its state machine (raising if illegal) and log it."""
        ride.status = ride_transition(RideStatus(ride.status), target, ride_id=ride.id).value
        append_event(
            s,
            f"ride.{target.value}",
            self.now(),
            ride_id=ride.id,
            vehicle_id=ride.vehicle_id,
            payload={"status": target.value},
        )
        self.pending.append(
            ("ride", {"ride_id": ride.id, "status": target.value, "vehicle_id": ride.vehicle_id})
        )

    # -- publishing ----------------------------------------------------------
    def flush_messages(self) -> None:
        """Publish what the last committed transaction changed (manifests, rides, alerts)."""
        pending = self.pending
        self._local.pending = []
        at = self.now().isoformat()
        seen: set[str] = set()
        alerts = [data for kind, data in pending if kind == "alert"]
        if alerts:
            # kept in the event log so a board that connects later still sees them
            with change_session(self.db) as s:
                for data in alerts:
                    append_event(s, "alert", self.now(), ride_id=data.get("ride_id"),
                                 vehicle_id=data.get("vehicle_id"), payload={"at": at, **data})
        for kind, data in pending:
            if kind == "vehicle":
                vid = data["vehicle_id"]
                if vid in seen:
                    continue
                seen.add(vid)
                self.publish_manifest(vid)
            elif kind == "ride":
                msg = {"type": "ride", "at": at, **data}
                if data.get("vehicle_id"):
                    self.bus.publish(f"vehicle.{data['vehicle_id']}", msg)
                self.bus.publish("board", msg)
            elif kind == "alert":
                msg = {"type": "alert", "at": at, **data}
                if data.get("vehicle_id"):
                    self.bus.publish(f"vehicle.{data['vehicle_id']}", msg)
                self.bus.publish("board", msg)
            elif kind == "board":
                self.bus.publish("board", {"at": at, **data})

    def publish_manifest(self, vehicle_id: str) -> None:
        """Publish the vehicle's full manifest to its tablet and its plan to the board."""
        m = self.vehicle_manifest(vehicle_id)
        self.bus.publish(f"vehicle.{vehicle_id}", m)
        self.bus.publish(
            "board",
            {
                "type": "plan",
                "at": m["at"],
                "vehicle_id": vehicle_id,
                "plan_version": m["plan_version"],
                "stops": m["stops"],
            },
        )

    def vehicle_manifest(self, vehicle_id: str) -> dict[str, Any]:
        """Return the tablet's full manifest of ``vehicle_id`` for today (see docs/stream.md)."""
        now = self.now()
        with read_session(self.db) as s:
            m = manifest.vehicle_manifest(self, s, vehicle_id, self.local_date(now), now)
        return finite_only(m, f"manifest of {vehicle_id}")

    def board_snapshot(self) -> dict[str, Any]:
        """Return the operator board's full state (see docs/stream.md)."""
        now = self.now()
        with read_session(self.db) as s:
            snap = manifest.board_snapshot(self, s, self.local_date(now), now)
        return finite_only(snap, "board snapshot")  # a NaN stored by an older version

    def plan_stops(self, vehicle_id: str, day: date) -> list[dict[str, Any]]:
        """Return the persisted stop list of a vehicle's plan (light: no geometry)."""
        with read_session(self.db) as s:
            row = s.get(PlanRow, (vehicle_id, day))
            return list(row.stops) if row else []

    def node_of(self, lat: float, lon: float) -> str:
        """Return the stored key of the road node nearest to a point."""
        return node_key(self.snap(lat, lon).node)
