"""Explicit state machines for rides and vehicles.

Each machine is a table from a status to the statuses it may move to. Moves are
checked with ``ride_transition`` / ``vehicle_transition``, which return the new
status or raise ``IllegalTransition`` (the caller changes nothing in that case).
Terminal statuses map to the empty set.
"""

from __future__ import annotations

from collections.abc import Mapping

from dispatch.domain import IllegalTransition, RideStatus, VehicleStatus

_R = RideStatus
_V = VehicleStatus

RIDE_TRANSITIONS: Mapping[RideStatus, frozenset[RideStatus]] = {
    _R.REQUESTED: frozenset({_R.OFFERED, _R.REJECTED, _R.CANCELLED}),
    _R.OFFERED: frozenset({_R.BOOKED, _R.REJECTED, _R.CANCELLED}),
    _R.BOOKED: frozenset({_R.ASSIGNED, _R.CANCELLED, _R.REJECTED}),
    # An assigned ride may go back to booked when its vehicle breaks down and no
    # other vehicle can take it yet; the promise still holds.
    _R.ASSIGNED: frozenset({_R.EN_ROUTE, _R.ARRIVED, _R.BOOKED, _R.CANCELLED}),
    _R.EN_ROUTE: frozenset({_R.ARRIVED, _R.ASSIGNED, _R.CANCELLED}),
    # A car that breaks down at the door hands the waiting rider to another car.
    _R.ARRIVED: frozenset({_R.ON_BOARD, _R.NO_SHOW, _R.ASSIGNED, _R.CANCELLED}),
    _R.ON_BOARD: frozenset({_R.COMPLETED}),
    _R.COMPLETED: frozenset(),
    _R.CANCELLED: frozenset(),
    _R.NO_SHOW: frozenset(),
    _R.REJECTED: frozenset(),
}

VEHICLE_TRANSITIONS: Mapping[VehicleStatus, frozenset[VehicleStatus]] = {
    _V.OFF_SHIFT: frozenset({_V.AVAILABLE, _V.OUT_OF_SERVICE}),
    _V.AVAILABLE: frozenset({_V.SERVING, _V.ON_BREAK, _V.OFF_SHIFT, _V.OUT_OF_SERVICE}),
    _V.SERVING: frozenset({_V.AVAILABLE, _V.ON_BREAK, _V.OFF_SHIFT, _V.OUT_OF_SERVICE}),
    _V.ON_BREAK: frozenset({_V.AVAILABLE, _V.SERVING, _V.OFF_SHIFT, _V.OUT_OF_SERVICE}),
    _V.OUT_OF_SERVICE: frozenset({_V.OFF_SHIFT, _V.AVAILABLE}),
}

#: Corrections, never part of the normal life cycle: a driver's last tap undone within
#: the undo window puts the ride back where the tap found it, and staff may void a
#: wrong no-show (the ride is then cancelled, and no longer counts against the rider).
RIDE_UNDO_TRANSITIONS: Mapping[RideStatus, frozenset[RideStatus]] = {
    _R.ARRIVED: frozenset({_R.ASSIGNED, _R.EN_ROUTE}),  # 到着 undone
    _R.ON_BOARD: frozenset({_R.ARRIVED}),  # 乗車 undone
    _R.NO_SHOW: frozenset({_R.ARRIVED}),  # 不在 undone
    _R.COMPLETED: frozenset({_R.ON_BOARD}),  # 降車 undone
}
RIDE_VOID_TRANSITIONS: Mapping[RideStatus, frozenset[RideStatus]] = {
    _R.NO_SHOW: frozenset({_R.CANCELLED}),
}

#: Ride statuses after which nothing more happens to the ride.
TERMINAL_RIDE_STATUSES = frozenset(s for s, nxt in RIDE_TRANSITIONS.items() if not nxt)

#: Ride statuses in which the rider holds a promise the plan must keep.
ACTIVE_RIDE_STATUSES = frozenset({_R.BOOKED, _R.ASSIGNED, _R.EN_ROUTE, _R.ARRIVED, _R.ON_BOARD})

_RIDE_JA = {
    _R.REQUESTED: "受付中",
    _R.OFFERED: "提案中",
    _R.BOOKED: "予約済み",
    _R.ASSIGNED: "配車済み",
    _R.EN_ROUTE: "迎車中",
    _R.ARRIVED: "到着",
    _R.ON_BOARD: "乗車中",
    _R.COMPLETED: "完了",
    _R.CANCELLED: "キャンセル",
    _R.NO_SHOW: "不在",
    _R.REJECTED: "お断り",
}

_VEHICLE_JA = {
    _V.OFF_SHIFT: "勤務外",
    _V.AVAILABLE: "待機中",
    _V.SERVING: "運行中",
    _V.ON_BREAK: "休憩中",
    _V.OUT_OF_SERVICE: "運休",
}


def can_move_ride(current: RideStatus, target: RideStatus) -> bool:
    """Return whether a ride may move from ``current`` to ``target``."""
    return target in RIDE_TRANSITIONS[current]


def ride_transition(current: RideStatus, target: RideStatus, *, ride_id: str = "") -> RideStatus:
    """Return ``target`` if a ride may move there from ``current``, else raise.

    Raises ``IllegalTransition`` with English and Japanese messages naming both
    statuses; nothing is changed by this function either way.
    """
    if target in RIDE_TRANSITIONS[current]:
        return target
    who = f"ride {ride_id}: " if ride_id else ""
    msg_en = f"{who}a ride that is {current.value} cannot become {target.value}"
    msg_ja = f"{_RIDE_JA[current]}の予約を「{_RIDE_JA[target]}」にはできません"
    raise IllegalTransition(msg_en, msg_ja)


def ride_correction(
    current: RideStatus, target: RideStatus, *, undo: bool, ride_id: str = ""
) -> RideStatus:
    """Return ``target`` if an undo (``undo``) or a staff void may move the ride there, else raise.

    Uses ``RIDE_UNDO_TRANSITIONS`` or ``RIDE_VOID_TRANSITIONS``; raises
    ``IllegalTransition`` with English and Japanese messages otherwise.
    """
    table = RIDE_UNDO_TRANSITIONS if undo else RIDE_VOID_TRANSITIONS
    if target in table.get(current, frozenset()):
        return target
    who = f"ride {ride_id}: " if ride_id else ""
    what_en, what_ja = ("undo", "取り消し") if undo else ("void", "無効化")
    raise IllegalTransition(
        f"{who}a {what_en} cannot move a ride that is {current.value} to {target.value}",
        f"{_RIDE_JA[current]}の予約は{what_ja}で「{_RIDE_JA[target]}」に戻せません",
    )


def vehicle_transition(
    current: VehicleStatus, target: VehicleStatus, *, vehicle_id: str = ""
) -> VehicleStatus:
    """Return ``target`` if a vehicle may move there from ``current``, else raise.

    Staying in the same status is refused too: a repeated event is a caller bug
    the operator should see, not something to swallow silently.
    """
    if target in VEHICLE_TRANSITIONS[current]:
        return target
    who = f"vehicle {vehicle_id}: " if vehicle_id else ""
    msg_en = f"{who}a vehicle that is {current.value} cannot become {target.value}"
    msg_ja = f"{_VEHICLE_JA[current]}の車両を「{_VEHICLE_JA[target]}」にはできません"
    raise IllegalTransition(msg_en, msg_ja)
