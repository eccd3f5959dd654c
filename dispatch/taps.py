"""The driver's taps, guarded so that a mis-tap cannot hurt a rider, and their undo.

A tap (到着 arrived, 乗車 boarded, 不在 no-show, 降車 dropped off) is checked
against the city's ``TapRules`` before it changes anything: 到着 only near the
pickup by GPS or with a reason the driver picks; 不在 only after 到着 and a
waiting time; 乗車 only after 到着. A refused tap raises ``TapRefused`` (a
bilingual ``IllegalTransition`` with a stable code and details for the tablet)
and is logged as a ``tap.refused`` event. An accepted tap is logged with its
reason and distance, and remembers what it changed, so that the vehicle's last
tap can be undone for ``undo_s`` (the ride goes back by the correction table in
``dispatch.state``, its stops are put back on the route, and the plan is
re-timed and published). Staff void a wrong no-show with ``void_no_show``.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.core import EngineCore
from dispatch.domain import DriverTap, IllegalTransition, Ride, RideStatus, UnknownRide
from dispatch.retime import Stop, schedule, stops_of
from dispatch.state import ride_correction
from dispatch.store.repo import append_event, change_session, read_session, ride_of, write_session
from dispatch.store.tables import DriverTapRow, EventRow, RideRow, VehicleRow
from optimizer import schedule_route
from optimizer.model import StopKind, StopRef

_BEFORE_ARRIVAL = (RideStatus.BOOKED, RideStatus.ASSIGNED, RideStatus.EN_ROUTE)


class TapRefused(IllegalTransition):
    """A tap the rules refuse; ``code`` says which rule, ``details`` help the tablet."""

    def __init__(self, code: str, message_en: str, message_ja: str, **details: Any) -> None:
        super().__init__(message_en, message_ja)
        self.code = code
        self.details = details


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Return the great-circle distance between two points in whole metres."""
    k = math.pi / 180
    a = (
        math.sin((lat2 - lat1) * k / 2) ** 2
        + math.cos(lat1 * k) * math.cos(lat2 * k) * math.sin((lon2 - lon1) * k / 2) ** 2
    )
    return round(2 * 6371000 * math.asin(min(1.0, math.sqrt(a))))


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def arrived_at(s: Session, ride_id: str) -> datetime | None:
    """Return when the ride last became ``arrived`` (from the event log)."""
    q = (
        select(EventRow.at)
        .where(EventRow.ride_id == ride_id, EventRow.kind == "ride.arrived")
        .order_by(EventRow.id.desc())
        .limit(1)
    )
    return s.scalars(q).first()


class TapOps(EngineCore):
    """Driver taps, their guards and undo, and staff's void of a no-show."""

    # -- guards ----------------------------------------------------------------
    def no_show_from(self, s: Session, row: RideRow) -> datetime | None:
        """Return from when 不在 may be tapped for an arrived ride (None if not arrived)."""
        at = arrived_at(s, row.id)
        if at is None or row.status != RideStatus.ARRIVED.value:
            return None
        return max(at, row.pickup_window_start) + timedelta(
            seconds=self.config.taps.no_show_wait_s
        )

    def _fix(
        self, v: VehicleRow, lat: float | None, lon: float | None
    ) -> tuple[float, float] | None:
        """The tap's own GPS fix, else the vehicle's last GPS report if recent, else None."""
        if lat is not None and lon is not None:
            if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
                raise TapRefused(
                    "bad_position",
                    "The tap's position is not a valid GPS position.",
                    "タップの位置情報が正しくありません。",
                )
            return lat, lon
        if v.gps_at is None or v.gps_lat is None or v.gps_lon is None:
            return None
        if (self.now() - v.gps_at).total_seconds() > self.config.taps.gps_max_age_s:
            return None
        return v.gps_lat, v.gps_lon

    def _check(
        self,
        s: Session,
        row: RideRow,
        v: VehicleRow,
        tap: DriverTap,
        reason: str | None,
        fix: tuple[float, float] | None,
    ) -> int | None:
        """Raise ``TapRefused`` when the rules refuse the tap; return the distance to the stop."""
        rules = self.config.taps
        status = RideStatus(row.status)
        picked = rules.reason(reason)
        if reason and picked is None:
            raise TapRefused(
                "bad_reason", f"Unknown reason {reason!r}.", "選んだ理由が正しくありません。",
                reasons=[r.code for r in rules.arrive_reasons],
            )  # fmt: skip
        dist = distance_m(fix[0], fix[1], row.pickup_lat, row.pickup_lon) if fix else None
        if tap is DriverTap.ARRIVED and status in _BEFORE_ARRIVAL and rules.arrive_radius_m:
            radius = rules.arrive_radius_m
            reasons = [r.code for r in rules.arrive_reasons]
            if dist is not None and dist > radius and picked is None:
                raise TapRefused(
                    "arrive_too_far",
                    f"The car is {dist} m from the pickup (more than {radius} m). Tap Arrived "
                    "at the stop, or pick the reason why you are elsewhere.",
                    f"乗車場所から約{dist} m離れています（{radius} mより遠い）。"
                    "乗車場所に着いてから「到着」を押すか、理由を選んでください。",
                    needs_reason=True, distance_m=dist, radius_m=radius, reasons=reasons,
                )  # fmt: skip
            if dist is None and rules.arrive_without_gps == "reason" and picked is None:
                raise TapRefused(
                    "arrive_no_gps",
                    "The tablet has no GPS position: pick the reason to tap Arrived.",
                    "タブレットの位置情報がありません。「到着」には理由を選んでください。",
                    needs_reason=True, reasons=reasons,
                )  # fmt: skip
        if tap is DriverTap.BOARDED and status in _BEFORE_ARRIVAL and rules.boarded_needs_arrived:
            raise TapRefused(
                "board_before_arrival",
                "Tap Arrived first: boarding comes after arriving at the pickup.",
                "先に「到着」を押してください。乗車は乗車場所に着いてからです。",
            )
        if tap is DriverTap.NO_SHOW and status is not RideStatus.ARRIVED:
            raise TapRefused(
                "no_show_before_arrival",
                "A no-show needs Arrived first, at the pickup.",
                "不在は、乗車場所で「到着」を押してからです。",
            )
        if tap is DriverTap.NO_SHOW:
            start = self.no_show_from(s, row)
            if start is not None and self.now() < start:
                left = math.ceil((start - self.now()).total_seconds())
                hm = start.astimezone(self.tz).strftime("%H:%M")
                raise TapRefused(
                    "no_show_too_early",
                    f"Please wait for the rider: No-show can be tapped from {hm} "
                    f"(in {left // 60} min {left % 60} s). Call the rider first.",
                    f"お客様をお待ちください。不在は{hm}から押せます"
                    f"（あと{left // 60}分{left % 60}秒）。先にお電話をお願いします。",
                    not_before=start.isoformat(), wait_s=left,
                )  # fmt: skip
        return dist

    # -- taps ------------------------------------------------------------------
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
        """Apply a driver's tap if the rules allow it (else raise ``TapRefused``).

        ``reason`` is a code of the city's ``arrive_reasons`` (for 到着 away from the
        stop); ``lat``/``lon`` the tablet's GPS fix when it tapped. A repeated
        ``tap_id`` changes nothing the second time and returns the ride as it is.
        """
        with read_session(self.db) as s:
            done = s.get(DriverTapRow, tap_id)
            row = s.get(RideRow, ride_id)
            if row is None or row.vehicle_id != vehicle_id:
                raise UnknownRide(
                    f"Ride {ride_id} is not on vehicle {vehicle_id}.",
                    f"予約 {ride_id} はこの車両 {vehicle_id} の予約ではありません。",
                )
            if done is not None:
                return ride_of(row)
            day = row.service_date
        try:
            with self.publishing(), write_session(self.db, day) as s:
                row = s.get(RideRow, ride_id)
                assert row is not None
                if s.get(DriverTapRow, tap_id) is not None:
                    return ride_of(row)
                v = s.get(VehicleRow, vehicle_id)
                assert v is not None
                dist = self._check(s, row, v, tap, reason, self._fix(v, lat, lon))
                before = {
                    "ride_status": row.status,
                    "picked_up_at": _iso(row.picked_up_at),
                    "dropped_off_at": _iso(row.dropped_off_at),
                    "vehicle": {"lat": v.lat, "lon": v.lon, "position_at": _iso(v.position_at)},
                }
                self._apply_tap(s, row, tap)
                s.add(DriverTapRow(tap_id=tap_id, vehicle_id=vehicle_id, ride_id=ride_id,
                                   tap=tap.value, at=self.now(), reason=reason or None,
                                   distance_m=dist, before=before))  # fmt: skip
                append_event(s, f"tap.{tap.value}", self.now(), ride_id=ride_id,
                             vehicle_id=vehicle_id,
                             payload={"tap_id": tap_id, "reason": reason, "distance_m": dist})
                self.reschedule(s, day, [vehicle_id])
                return ride_of(row)
        except TapRefused as exc:
            with change_session(self.db) as s:
                append_event(s, "tap.refused", self.now(), ride_id=ride_id, vehicle_id=vehicle_id,
                             payload={"tap_id": tap_id, "tap": tap.value, "code": exc.code,
                                      "reason": reason, **exc.details})  # fmt: skip
            raise

    def _apply_tap(self, s: Session, row: RideRow, tap: DriverTap) -> None:
        now = self.now()
        status = RideStatus(row.status)
        v = s.get(VehicleRow, row.vehicle_id)
        assert v is not None
        if tap in (DriverTap.ARRIVED, DriverTap.BOARDED) and status in (
            RideStatus.ASSIGNED,
            RideStatus.EN_ROUTE,
        ):
            self.set_ride_status(s, row, RideStatus.ARRIVED)
            v.lat, v.lon, v.position_at = row.pickup_lat, row.pickup_lon, now
        if tap is DriverTap.BOARDED:
            self.set_ride_status(s, row, RideStatus.ON_BOARD)
            row.picked_up_at = now
        elif tap is DriverTap.NO_SHOW:
            self.set_ride_status(s, row, RideStatus.NO_SHOW)
            self.pending.append(self._ride_alert(row, "no_show"))
        elif tap is DriverTap.DROPPED_OFF:
            self.set_ride_status(s, row, RideStatus.COMPLETED)
            row.dropped_off_at = now
            v.lat, v.lon, v.position_at = row.dropoff_lat, row.dropoff_lon, now
        elif tap is DriverTap.ARRIVED and status not in (RideStatus.ASSIGNED, RideStatus.EN_ROUTE):
            self.set_ride_status(s, row, RideStatus.ARRIVED)  # raises: already past arrival

    def _ride_alert(self, row: RideRow, kind: str) -> tuple[str, dict[str, object]]:
        texts = {
            "no_show": (f"Rider of {row.id} did not show up", f"予約{row.id}のお客様が不在でした"),
            "tap_undone": (
                f"The driver undid the last tap on {row.id}",
                f"予約{row.id}の直前の操作を乗務員が取り消しました",
            ),
        }
        en, ja = texts[kind]
        data: dict[str, object] = {"kind": kind, "vehicle_id": row.vehicle_id, "ride_id": row.id}
        return ("alert", {**data, "message_en": en, "message_ja": ja})

    # -- undo ------------------------------------------------------------------
    def last_tap(
        self, s: Session, vehicle_id: str, *, undone_too: bool = False
    ) -> DriverTapRow | None:
        """Return the vehicle's last tap that is not undone (or None).

        With ``undone_too`` the last tap whatever its state: what an undo is
        checked against, so undoing one tap never makes the one before it undoable
        (two quick taps on 取り消し would otherwise unwind the stop before).
        """
        # in the order the taps were applied (the event log's id): two taps may share a time
        kinds = [f"tap.{t.value}" for t in DriverTap]
        q = (
            select(EventRow.payload)
            .where(EventRow.vehicle_id == vehicle_id, EventRow.kind.in_(kinds))
            .order_by(EventRow.id.desc())
            .limit(50)
        )
        for payload in s.scalars(q):
            t = s.get(DriverTapRow, payload.get("tap_id"))
            if t is not None and (undone_too or t.undone_at is None):
                return t
        return None

    def undoable_tap(self, s: Session, vehicle_id: str) -> dict[str, Any] | None:
        """Return the tablet's view of the tap it may still undo (id, tap, ride, until)."""
        t = self.last_tap(s, vehicle_id, undone_too=True)
        if t is None or t.undone_at is not None or t.before is None or self.config.taps.undo_s <= 0:
            return None
        until = t.at + timedelta(seconds=self.config.taps.undo_s)
        if until <= self.now():
            return None
        return {"tap_id": t.tap_id, "tap": t.tap, "ride_id": t.ride_id, "until": until.isoformat()}

    def undo_tap(self, vehicle_id: str, tap_id: str) -> Ride:
        """Undo the vehicle's last tap within ``undo_s`` of it (else raise ``TapRefused``).

        The ride goes back to the status the tap found (``RIDE_UNDO_TRANSITIONS``),
        the times and the car's position it set are restored, the ride's stops are
        put back on the route and the plan re-timed and published. An undone
        no-show no longer counts against the rider. Undoing twice changes nothing.
        """
        with read_session(self.db) as s:
            t = s.get(DriverTapRow, tap_id)
            if t is None or t.vehicle_id != vehicle_id:
                raise UnknownRide(
                    f"No tap {tap_id} on vehicle {vehicle_id}.", "取り消す操作が見つかりません。"
                )
            r = s.get(RideRow, t.ride_id)
            assert r is not None
            day = r.service_date
        with self.publishing(), write_session(self.db, day) as s:
            t = s.get(DriverTapRow, tap_id)
            row = s.get(RideRow, t.ride_id) if t is not None else None
            assert t is not None and row is not None
            if t.undone_at is not None:
                return ride_of(row)
            last = self.last_tap(s, vehicle_id, undone_too=True)
            if last is None or last.tap_id != tap_id or t.before is None:
                raise TapRefused(
                    "undo_not_last", "Only the last tap can be undone.",
                    "取り消せるのは直前の操作だけです。",
                )  # fmt: skip
            if (self.now() - t.at).total_seconds() > self.config.taps.undo_s:
                raise TapRefused(
                    "undo_expired",
                    f"A tap can be undone for {self.config.taps.undo_s} s only; "
                    "please call the operator.",
                    f"取り消しは{self.config.taps.undo_s}秒以内だけです。運行管理に連絡してください。",
                )
            self._revert(s, row, RideStatus(t.before["ride_status"]))
            row.picked_up_at = _dt(t.before.get("picked_up_at"))
            row.dropped_off_at = _dt(t.before.get("dropped_off_at"))
            v = s.get(VehicleRow, vehicle_id)
            assert v is not None
            pos = t.before.get("vehicle") or {}
            v.lat, v.lon = pos.get("lat"), pos.get("lon")
            v.position_at = _dt(pos.get("position_at"))
            t.undone_at = self.now()
            append_event(s, "tap.undone", self.now(), ride_id=row.id, vehicle_id=vehicle_id,
                         payload={"tap_id": tap_id, "tap": t.tap, "status": row.status})
            self.pending.append(self._ride_alert(row, "tap_undone"))
            self._restore_stops(s, day, vehicle_id, row.id)
            return ride_of(row)

    def _revert(self, s: Session, row: RideRow, target: RideStatus) -> None:
        """Move the ride back to ``target`` by the undo table (via 到着 when it takes two steps)."""
        for _ in range(2):
            current = RideStatus(row.status)
            if current is target:
                return
            step = target
            if current is RideStatus.ON_BOARD and target is not RideStatus.ARRIVED:
                step = RideStatus.ARRIVED  # a 乗車 tap that also made the arrival
            row.status = ride_correction(current, step, undo=True, ride_id=row.id).value
            # not "ride.arrived": an undo is no new arrival (the wait for 不在 keeps its start)
            append_event(s, "ride.undo", self.now(), ride_id=row.id,
                         vehicle_id=row.vehicle_id, payload={"status": step.value})
            self.pending.append(
                ("ride", {"ride_id": row.id, "status": step.value, "vehicle_id": row.vehicle_id})
            )
        if RideStatus(row.status) is not target:
            ride_correction(RideStatus(row.status), target, undo=True, ride_id=row.id)

    def _restore_stops(self, s: Session, day: Any, vehicle_id: str, ride_id: str) -> None:
        """Put the ride's missing stops back on the vehicle's route and re-time it.

        A pickup goes first (the car is there); a drop-off at the earliest place
        that keeps every promise, else right after the pickup (late, but reality).
        """
        s.flush()
        b = self.builder()
        problem, plan = b.build(self.load_day(s, day), live=self.is_live(day))
        stops: list[Stop] = stops_of(plan.route_of(vehicle_id))
        row = s.get(RideRow, ride_id)
        assert row is not None
        status = RideStatus(row.status)
        if status is RideStatus.ARRIVED and (StopKind.PICKUP, ride_id) not in stops:
            stops.insert(0, (StopKind.PICKUP, ride_id))
        route = None
        if (StopKind.DROPOFF, ride_id) not in stops:
            first = 0
            if status is RideStatus.ARRIVED:
                first = stops.index((StopKind.PICKUP, ride_id)) + 1
            for i in range(first, len(stops) + 1):
                trial = [*stops[:i], (StopKind.DROPOFF, ride_id), *stops[i:]]
                route = schedule_route(problem, vehicle_id, [StopRef(r, k) for k, r in trial])
                if route is not None:
                    break
            if route is None:
                stops.insert(first, (StopKind.DROPOFF, ride_id))
        else:
            route = schedule_route(problem, vehicle_id, [StopRef(r, k) for k, r in stops])
        if route is None:
            v = next(x for x in problem.vehicles if x.id == vehicle_id)
            state = next((x for x in problem.states if x.vehicle_id == vehicle_id), None)
            route = schedule(problem, v, state, stops, strict=False)
        self.save_route(s, day, vehicle_id, b, route)

    # -- staff -----------------------------------------------------------------
    def void_no_show(self, ride_id: str, *, by: str, reason: str) -> Ride:
        """Void a wrong no-show (staff): the ride becomes cancelled and stops counting."""
        with read_session(self.db) as s:
            r = s.get(RideRow, ride_id)
            if r is None:
                raise UnknownRide(f"No ride {ride_id}.", f"予約 {ride_id} は見つかりません。")
            day = r.service_date
        with self.publishing(), write_session(self.db, day) as s:
            row = s.get(RideRow, ride_id)
            assert row is not None
            row.status = ride_correction(
                RideStatus(row.status), RideStatus.CANCELLED, undo=False, ride_id=ride_id
            ).value
            row.cancelled_at, row.cancelled_by = self.now(), by
            row.cancel_reason, row.late_cancellation = f"no-show voided: {reason}", False
            append_event(s, "ride.no_show_voided", self.now(), ride_id=ride_id,
                         vehicle_id=row.vehicle_id, payload={"by": by, "reason": reason})
            self.pending.append(
                ("ride", {"ride_id": ride_id, "status": row.status, "vehicle_id": row.vehicle_id})
            )
            return ride_of(row)
