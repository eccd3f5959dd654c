"""JSON views of the live state for tablets and the operator board (docs/stream.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.adapter import parse_node
from dispatch.store.tables import EventRow, PlanRow, RideRow, VehicleRow

if TYPE_CHECKING:
    from dispatch.core import EngineCore


def _iso(t_s: int | None) -> str | None:
    return None if t_s is None else datetime.fromtimestamp(t_s, tz=UTC).isoformat()


def _route_geojson(core: EngineCore, a: Any, b: Any) -> dict[str, Any] | None:
    if a is None or b is None:
        return None
    try:
        r = core.travel.route(a, b)
    except Exception:  # a missing geometry must not hide the stop itself
        return None
    return {"type": "LineString", "coordinates": [list(c) for c in r.coordinates]}


def stops_view(
    core: EngineCore, s: Session, vrow: VehicleRow, plan: PlanRow | None
) -> list[dict[str, Any]]:
    """Return the STOP objects of a vehicle's plan, with route geometry between them."""
    if plan is None:
        return []
    out: list[dict[str, Any]] = []
    prev: Any = None
    try:
        if vrow.lat is not None and vrow.lon is not None:
            prev = core.locate(vrow.lat, vrow.lon).node  # a car may be outside the boundary
        else:
            prev = core.snap(vrow.depot_lat, vrow.depot_lon).node
    except Exception:
        prev = None
    for st in plan.stops:
        ride = s.get(RideRow, st["ride_id"]) if st.get("ride_id") else None
        node = parse_node(st["node"])
        kind = st["kind"]
        view: dict[str, Any] = {
            "stop_id": f"{st['ride_id']}:{kind}" if ride else f"{kind}:{len(out)}",
            "kind": kind,
            "ride_id": ride.id if ride else None,
            "ride_status": ride.status if ride else None,
            "eta": _iso(st["start_s"]),
            "leave_at": _iso(st.get("leave_s")),  # set off for it by then
        }
        if ride is not None:
            pickup = kind == "pickup"
            view["window_start"] = (
                ride.pickup_window_start.isoformat() if pickup else _iso(st["start_s"])
            )
            view["window_end"] = (
                ride.pickup_window_end.isoformat() if pickup else ride.latest_dropoff.isoformat()
            )
            view["lat"] = ride.pickup_lat if pickup else ride.dropoff_lat
            view["lon"] = ride.pickup_lon if pickup else ride.dropoff_lon
            view["label"] = ride.pickup_label if pickup else ride.dropoff_label
            if pickup and ride.status == "arrived":
                # the tablet counts down to when 不在 may be tapped (dispatch.taps)
                start = core.no_show_from(s, ride)  # type: ignore[attr-defined]
                view["no_show_from"] = start.isoformat() if start else None
            view.update(
                rider_name=ride.rider_name,
                rider_phone=ride.rider_phone,
                party_size=ride.party_size,
                wheelchairs=ride.wheelchairs,
                needs_extra_time=ride.needs_extra_time,
                notes=ride.notes,
            )
        else:
            lat, lon = core.travel.node_latlon(node)
            view.update(window_start=_iso(st["start_s"]), window_end=_iso(st["departure_s"]))
            view.update(lat=lat, lon=lon, label="")
        view["route"] = _route_geojson(core, prev, node)
        prev = node
        out.append(view)
    return out


def vehicle_view(vrow: VehicleRow) -> dict[str, Any]:
    """Return the ``vehicle`` object of a manifest."""
    return {
        "id": vrow.id,
        "name": vrow.name,
        "status": vrow.status,
        "seats": vrow.seats,
        "wheelchairs": vrow.wheelchairs,
        "lat": vrow.lat if vrow.lat is not None else vrow.depot_lat,
        "lon": vrow.lon if vrow.lon is not None else vrow.depot_lon,
        "delay_s": vrow.delay_s,
    }


def vehicle_manifest(
    core: EngineCore, s: Session, vehicle_id: str, day: date, now: datetime
) -> dict[str, Any]:
    """Return a ``manifest`` message (without ``seq``) for ``vehicle_id`` on ``day``."""
    vrow = s.get(VehicleRow, vehicle_id)
    if vrow is None:
        msg = f"unknown vehicle {vehicle_id}"
        raise KeyError(msg)
    plan = s.get(PlanRow, (vehicle_id, day))
    return {
        "type": "manifest",
        "vehicle_id": vehicle_id,
        "at": now.isoformat(),
        "vehicle": vehicle_view(vrow),
        "plan_version": plan.version if plan else 0,
        "stops": stops_view(core, s, vrow, plan),
        "tap_rules": core.config.taps.as_json(),
        "undo": core.undoable_tap(s, vehicle_id),  # type: ignore[attr-defined]
    }


def board_snapshot(core: EngineCore, s: Session, day: date, now: datetime) -> dict[str, Any]:
    """Return a ``snapshot`` message (without ``seq``): every vehicle and its plan."""
    q_plans = select(PlanRow).where(PlanRow.service_date == day)
    plans = {p.vehicle_id: p for p in s.scalars(q_plans)}
    vehicles = []
    for vrow in s.scalars(select(VehicleRow).order_by(VehicleRow.id)):
        plan = plans.get(vrow.id)
        v = vehicle_view(vrow)
        v["plan_version"] = plan.version if plan else 0
        v["stops"] = stops_view(core, s, vrow, plan)
        vehicles.append(v)
    start = datetime.combine(day, time(0), tzinfo=core.tz)
    q = select(EventRow).where(EventRow.kind == "alert", EventRow.at >= start)
    alerts = [{"type": "alert", **ev.payload} for ev in s.scalars(q.order_by(EventRow.id))]
    return {"type": "snapshot", "at": now.isoformat(), "vehicles": vehicles, "alerts": alerts}
