"""FastAPI dependencies as ``Annotated`` aliases: state, DB session, current account, roles.

Routes declare what they need (``Db``, ``Staff``, ``Resident`` ...) and get a
clear 401/403/503 otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from booking_api.db import AccountRow
from booking_api.errors import ApiError
from booking_api.security import account_for_token
from booking_api.state import AppState
from dispatch.ports import BookingEngine

# The dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` one in
# the thread pool, a hand-off to a thread and back per dependency and request, each
# waiting for the GIL behind the engine's work under load.


async def get_state(request: Request) -> AppState:
    """Return the service state built at start-up."""
    state: AppState = request.app.state.noriai
    return state


State = Annotated[AppState, Depends(get_state)]


def get_db(request: Request, state: State) -> Iterator[Session]:
    """Yield a database session for one request (rolled back unless the route commits).

    Requests that may write take SQLite's write lock at their first statement,
    so read-then-write never fails on a stale snapshot under concurrency.
    """
    factory = state.sessions if request.method in {"GET", "HEAD"} else state.write_sessions
    with factory() as session:
        yield session


Db = Annotated[Session, Depends(get_db)]


def bearer_token(request: Request) -> str | None:
    """Return the bearer token of the request, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def current_account(request: Request, db: Db, state: State) -> AccountRow:
    """Return the logged-in account or answer 401."""
    token = bearer_token(request)
    if token is None:
        raise ApiError(401, "not_authenticated", "Please log in.", "ログインしてください。")
    account = account_for_token(db, token, state.now())
    if account is None:
        raise ApiError(
            401,
            "invalid_token",
            "Your session has expired; please log in again.",
            "ログインの有効期限が切れました。もう一度ログインしてください。",
        )
    return account


Account = Annotated[AccountRow, Depends(current_account)]


def _role(*roles: str) -> Callable[[AccountRow], Coroutine[Any, Any, AccountRow]]:
    async def check(account: Account) -> AccountRow:
        if account.role not in roles:
            raise ApiError(
                403, "forbidden", "You may not do this.", "この操作を行う権限がありません。"
            )
        return account

    return check


Resident = Annotated[AccountRow, Depends(_role("resident"))]
Staff = Annotated[AccountRow, Depends(_role("operator", "admin"))]
Admin = Annotated[AccountRow, Depends(_role("admin"))]
Driver = Annotated[AccountRow, Depends(_role("driver"))]
Booker = Annotated[AccountRow, Depends(_role("resident", "operator", "admin"))]


async def get_engine(state: State) -> BookingEngine:
    """Return the dispatch engine or answer 503 while it is not running."""
    if state.engine is None:
        raise ApiError(
            503,
            "unavailable",
            "Booking is not available right now; please try again shortly.",
            "ただいま予約を受け付けられません。しばらくしてからお試しください。",
        )
    return state.engine


Engine = Annotated[BookingEngine, Depends(get_engine)]


async def get_map(state: State) -> Any:
    """Return the city map or answer 503 while it is not loaded."""
    if state.city_map is None:
        raise ApiError(
            503,
            "unavailable",
            "The map is not available right now; please try again shortly.",
            "地図を利用できません。しばらくしてからお試しください。",
        )
    return state.city_map


CityMap = Annotated[Any, Depends(get_map)]
