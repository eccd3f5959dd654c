"""When a vehicle sets off for its next pickup, and its ride becomes ``en_route``.

Each persisted stop carries ``leave_s``: the latest time the vehicle can leave
the stop before it (or where it is) and still start this one at the planned
time. A vehicle waiting at its depot, or after a drop-off, for a pickup an hour
away is not on its way yet: its rider sees 配車済み, not お迎えに向かっています,
and the re-optimiser may still give it another ride first. From
``EngineConfig.departure_lead_s`` before that time the ride is en route. The
check runs when a plan is saved, on every position report and on every round
of the background loop, so a vehicle that sets off without any new event is
seen to do so within one round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from dispatch.adapter import epoch
from dispatch.domain import RideStatus, VehicleStatus
from dispatch.store.repo import read_session, write_session
from dispatch.store.tables import PlanRow, RideRow, VehicleRow

if TYPE_CHECKING:
    from dispatch.core import EngineCore

_IN_SERVICE = frozenset({VehicleStatus.AVAILABLE.value, VehicleStatus.SERVING.value})


def must_set_off(stop: Mapping[str, Any], now_s: int, lead_s: int) -> bool:
    """Whether a vehicle whose next stop is ``stop`` must be on its way at ``now_s``.

    A stop persisted before ``leave_s`` existed counts as due (the vehicle was
    then taken to be on its way to its first pickup at once).
    """
    leave = stop.get("leave_s")
    return leave is None or int(leave) <= now_s + lead_s


def _due(
    core: EngineCore, day: date, vehicle_ids: Iterable[str] | None
) -> list[tuple[str, str]]:
    """Return ``(vehicle_id, ride_id)`` of assigned first pickups whose vehicle must set off."""
    now_s, lead = epoch(core.now()), core.config.departure_lead_s
    with read_session(core.db) as s:
        q = select(PlanRow).where(PlanRow.service_date == day)
        if vehicle_ids is not None:
            q = q.where(PlanRow.vehicle_id.in_(list(vehicle_ids)))
        firsts = {
            p.vehicle_id: p.stops[0]
            for p in s.scalars(q)
            if p.stops
            and p.stops[0].get("kind") == "pickup"
            and p.stops[0].get("ride_id")
            and must_set_off(p.stops[0], now_s, lead)
        }
        if not firsts:
            return []
        vq = select(VehicleRow.id, VehicleRow.status).where(VehicleRow.id.in_(firsts))
        statuses = {vid: status for vid, status in s.execute(vq)}
        rq = select(RideRow.id, RideRow.status).where(
            RideRow.id.in_([st["ride_id"] for st in firsts.values()])
        )
        rides = {rid: status for rid, status in s.execute(rq)}
    return [
        (vid, st["ride_id"])
        for vid, st in sorted(firsts.items())
        if statuses.get(vid) in _IN_SERVICE
        and rides.get(st["ride_id"]) == RideStatus.ASSIGNED.value
    ]


def set_off(core: EngineCore, day: date, vehicle_ids: Iterable[str] | None = None) -> list[str]:
    """Mark en route the next pickup of each vehicle (of ``vehicle_ids``) that must set off now.

    Only today's plans of vehicles in service count. The check is read-only
    unless a ride changes, so calling it on every position report costs a
    few reads. Returns the ids of the rides marked.
    """
    if not core.is_live(day):
        return []
    due = _due(core, day, vehicle_ids)
    if not due:
        return []
    marked: list[str] = []
    with core.publishing(), write_session(core.db, day) as s:
        for vid, rid in due:
            ride = s.get(RideRow, rid)
            plan = s.get(PlanRow, (vid, day))
            first = plan.stops[0] if plan is not None and plan.stops else {}
            if ride is None or ride.status != RideStatus.ASSIGNED.value:
                continue  # changed since the read
            if first.get("ride_id") != rid or first.get("kind") != "pickup":
                continue
            core.set_ride_status(s, ride, RideStatus.EN_ROUTE)
            core.pending.append(("vehicle", {"vehicle_id": vid, "day": day.isoformat()}))
            marked.append(rid)
    return marked
