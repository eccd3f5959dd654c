"""When reality breaks a promise: find the rides, alert the board, give riders a new time.

Every live route is re-timed from the vehicles' real state in its current
order (lateness allowed); a pickup starting more than ``late_alert_s`` after
its promised window gets one ``late`` alert (its ``ride.late`` event marks it)
with the new estimated pickup, which is also stored on the ride.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.fleet import FleetOps
from dispatch.retime import schedule, stops_of
from dispatch.store.repo import append_event, write_session
from dispatch.store.tables import EventRow, RideRow
from optimizer.model import StopKind


def _already_late(s: Session) -> set[str]:
    q = select(EventRow.ride_id).where(EventRow.kind == "ride.late")
    return {r for r in s.scalars(q) if r}


def check_promises(engine: FleetOps, day: date) -> list[str]:
    """Return the ids of rides newly found late on ``day`` (see the module docstring)."""
    late: list[str] = []
    with write_session(engine.db, day) as s:
        b = engine.builder()
        problem, plan = b.build(engine.load_day(s, day), live=engine.is_live(day))
        states = {st.vehicle_id: st for st in problem.states}
        promises = {p.request_id: p for p in problem.promises}
        slack = engine.config.late_alert_s
        alerted = _already_late(s)
        for v in problem.vehicles:
            stops = stops_of(plan.route_of(v.id))
            route = schedule(problem, v, states.get(v.id), stops, strict=False)
            if route is None:
                continue
            for st in route.stops:
                rid = st.request_id
                if rid is None or rid in alerted or rid not in promises:
                    continue
                p = promises[rid]
                if st.kind is StopKind.PICKUP and st.start_s > p.pickup_window.latest_s + slack:
                    late.append(rid)
                    append_event(s, "ride.late", engine.now(), ride_id=rid, vehicle_id=v.id,
                                 payload={"new_pickup_s": st.start_s})
                    ride = s.get(RideRow, rid)
                    if ride is not None:
                        ride.estimated_pickup = datetime.fromtimestamp(st.start_s, tz=UTC)
                    engine.pending.append(engine.alert("late", v.id, rid, st.start_s))
    engine.flush_messages()
    return late
