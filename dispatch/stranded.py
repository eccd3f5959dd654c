"""Stranded rides: booked rides left without a vehicle, retried every background round.

A breakdown moves its waiting rides to other vehicles; a ride no vehicle could
take then stays ``booked`` with no vehicle (and an ``unassigned`` alert). Each
round of the leader's loop retries it: ``optimizer.quote`` on the day's problem
(the ride's request windows are its promise, so only an insertion keeping that
promise is accepted), graded by the independent ``optimizer.check`` (no new
violation allowed), inside the day's writer lock. A vehicle back in service, a
shift that starts or a cancellation that frees room can thus take it. A ride
whose promised pickup window passed without a vehicle gets one ``stranded``
alert (its ``ride.stranded`` event marks it) and is left for the operators.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.core import EngineCore
from dispatch.domain import RideStatus
from dispatch.store.repo import append_event, read_session, write_session
from dispatch.store.tables import EventRow, RideRow
from optimizer import Quote, QuoteParams, check, quote
from optimizer.model import Plan, Problem


def _stranded(s: Session, day: date) -> list[RideRow]:
    q = (
        select(RideRow)
        .where(
            RideRow.service_date == day,
            RideRow.status == RideStatus.BOOKED.value,
            RideRow.vehicle_id.is_(None),
        )
        .order_by(RideRow.pickup_window_start, RideRow.id)
    )
    return list(s.scalars(q))


def _already_alerted(s: Session, ride_ids: list[str]) -> set[str]:
    q = select(EventRow.ride_id).where(
        EventRow.kind == "ride.stranded", EventRow.ride_id.in_(ride_ids)
    )
    return {r for r in s.scalars(q) if r}


def _adds_violation(problem: Problem, before: Plan, after: Plan) -> bool:
    """Whether the checker finds in ``after`` a violation ``before`` did not already have."""
    old = {(v.kind, v.vehicle_id, v.request_id) for v in check(problem, before)}
    return any((v.kind, v.vehicle_id, v.request_id) not in old for v in check(problem, after))


def _stranded_alert(ride_id: str) -> tuple[str, dict[str, object]]:
    return (
        "alert",
        {
            "kind": "stranded",
            "vehicle_id": None,
            "ride_id": ride_id,
            "message_en": f"Ride {ride_id} still has no vehicle and its pickup window has passed",
            "message_ja": f"予約{ride_id}は車両が決まらないまま約束のお迎え時間を過ぎました",
        },
    )


def place_stranded(core: EngineCore, day: date) -> list[str]:
    """Give vehicles to ``day``'s stranded rides where their promise still fits; return their ids.

    Cheap when nothing is stranded (one read, no writer lock). Rides whose
    pickup window has passed get one ``stranded`` alert instead, once.
    """
    with read_session(core.db) as s:
        waiting = [r.id for r in _stranded(s, day)]
        if not waiting:
            return []
        alerted = _already_alerted(s, waiting)
    if all(rid in alerted for rid in waiting):
        return []  # every one is past its window and already reported
    placed: list[str] = []
    with core.publishing(), write_session(core.db, day) as s:
        now = core.now()
        for ride in _stranded(s, day):
            if ride.id in alerted:
                continue
            if ride.pickup_window_end < now:
                append_event(s, "ride.stranded", now, ride_id=ride.id)
                core.pending.append(_stranded_alert(ride.id))
                continue
            b = core.builder()
            problem, plan = b.build(core.load_day(s, day), live=core.is_live(day))
            res = quote(problem, plan, problem.request(ride.id),
                        params=QuoteParams(max_alternatives=0))
            if not isinstance(res, Quote) or _adds_violation(problem, plan, res.plan):
                continue  # still no room: try again next round
            vid = res.vehicle_id
            ride.vehicle_id = vid
            core.set_ride_status(s, ride, RideStatus.ASSIGNED)
            core.save_route(s, day, vid, b, res.plan.route_of(vid))
            append_event(s, "ride.placed", now, ride_id=ride.id, vehicle_id=vid,
                         payload={"vehicle_id": vid})
            core.pending.append(
                ("board", {"type": "placed", "ride_id": ride.id, "vehicle_id": vid,
                           "message_en": f"Ride {ride.id} now has vehicle {vid}",
                           "message_ja": f"予約{ride.id}を{vid}に割り当てました"})
            )
            s.flush()
            placed.append(ride.id)
    return placed
