"""The tablets' and board's websocket router (``driver_app.stream``) with our token auth.

``driver_app`` does not import ``booking_api``; we hand it callables: how to
reach the engine, and how a token proves a vehicle's driver, a staff member or
the resident whose ride it is. An unknown, expired or wrong-role token is refused.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from booking_api.fareops import FareGuardedEngine
from booking_api.security import account_for_token
from booking_api.state import AppState
from dispatch.domain import DispatchError


class StreamAuthError(Exception):
    """The token does not grant this stream."""


def _state(app: FastAPI) -> AppState:
    state: AppState = app.state.noriai
    return state


def _account(app: FastAPI, token: str, roles: set[str]) -> Any:
    state = _state(app)
    with state.sessions() as db:
        account = account_for_token(db, token, state.now()) if token else None
    if account is None or account.role not in roles:
        msg = "unknown, expired or unauthorised token"
        raise StreamAuthError(msg)
    return account


def stream_router(app: FastAPI) -> APIRouter:
    """Return ``driver_app.stream``'s router wired to this app's engine and tokens."""
    from driver_app.stream import create_router

    def authenticate_vehicle(token: str) -> str:
        account = _account(app, token, {"driver"})
        if not account.vehicle_id:
            msg = "driver account without a vehicle"
            raise StreamAuthError(msg)
        return str(account.vehicle_id)

    def authenticate_board(token: str) -> str:
        return str(_account(app, token, {"operator", "admin"}).id)

    def authenticate_ride(token: str, ride_id: str) -> str:
        # A resident watches only their own rides; staff may watch any.
        account = _account(app, token, {"resident", "operator", "admin"})
        if account.role != "resident":
            return str(account.id)
        engine = _state(app).engine
        if engine is None:
            msg = "no engine"
            raise StreamAuthError(msg)
        try:
            ride = engine.get_ride(ride_id)
        except DispatchError as exc:
            raise LookupError(ride_id) from exc
        if ride.request.member_id != account.member_id:
            raise PermissionError(ride_id)
        return str(account.member_id)

    return create_router(
        # 降車 over the socket needs the fare's record too (booking_api.fareops)
        get_engine=lambda: FareGuardedEngine(_state(app)) if _state(app).engine else None,
        authenticate_vehicle=authenticate_vehicle,
        authenticate_board=authenticate_board,
        authenticate_ride=authenticate_ride,
    )
