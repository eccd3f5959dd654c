"""The websocket stream: a vehicle's tablet and the operators' board (docs/stream.md).

``create_router`` is mounted by the booking API, which injects how to find the
running engine and how to authenticate a token (so this package never imports
booking_api). A tablet gets its full manifest at once, then numbered updates;
on reconnect with ``since`` it gets exactly what it missed. Taps come back
over the same socket and are idempotent by ``tap_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from dispatch.domain import DispatchError, DriverTap
from driver_app.ridestatus import RideWatch, ride_status

CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN = 4404


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Call an injected callable: async ones directly, sync ones (DB lookups) in a thread."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    out = await run_in_threadpool(fn, *args)
    if inspect.isawaitable(out):
        out = await out
    return out


async def _pump(ws: WebSocket, sub: Any) -> None:
    """Forward bus messages to the socket until it closes."""
    while True:
        msg = await sub.get(timeout_s=None)
        if msg is not None:
            await ws.send_json(msg.as_json())


async def _handle_tablet(ws: WebSocket, engine: Any, vehicle_id: str, data: Any) -> None:
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "ping":
        await ws.send_json({"type": "pong"})
    elif kind == "tap":
        tap_id = str(data.get("tap_id") or "")
        try:
            tap = DriverTap(data.get("tap"))
            if not tap_id:
                msg = "tap_id is required"
                raise ValueError(msg)
            ride = await run_in_threadpool(
                partial(engine.driver_tap, vehicle_id, str(data.get("ride_id")), tap,
                        tap_id=tap_id, **_tap_extras(data))
            )  # fmt: skip
        except DispatchError as exc:
            await ws.send_json(
                {
                    "type": "tap_result",
                    "tap_id": tap_id,
                    "ok": False,
                    "code": exc.code,
                    "message_en": exc.message_en,
                    "message_ja": exc.message_ja,
                    **getattr(exc, "details", {}),
                }
            )
            return
        except ValueError as exc:
            await ws.send_json(
                {
                    "type": "tap_result",
                    "tap_id": tap_id,
                    "ok": False,
                    "code": "bad_message",
                    "message_en": f"Bad tap: {exc}",
                    "message_ja": "タップの内容が正しくありません。",
                }
            )
            return
        await ws.send_json(
            {
                "type": "tap_result",
                "tap_id": tap_id,
                "ok": True,
                "ride_id": ride.ride_id,
                "status": ride.status.value,
            }
        )
    elif kind == "undo":
        await _handle_undo(ws, engine, vehicle_id, str(data.get("tap_id") or ""))
    elif kind == "break":
        action = data.get("action")
        fn = {"start": engine.start_break, "end": engine.end_break}.get(action)
        if fn is None:
            await ws.send_json(_error("bad_message", "break action must be start or end"))
            return
        try:
            info = await run_in_threadpool(fn, vehicle_id)
        except DispatchError as exc:
            await ws.send_json(
                {"type": "break_result", "ok": False, "code": exc.code,
                 "message_en": exc.message_en, "message_ja": exc.message_ja}
            )
            return
        await ws.send_json({"type": "break_result", "ok": True, "status": info.status.value})
    elif kind == "position":
        try:
            # NaN, infinity or a point far outside the city: refused (dispatch.gps)
            await run_in_threadpool(engine.report_position, vehicle_id, data.get("lat"),
                                    data.get("lon"))
        except DispatchError as exc:
            await ws.send_json({"type": "error", "code": exc.code,
                                "message_en": exc.message_en, "message_ja": exc.message_ja})
    else:
        await ws.send_json(_error("bad_message", f"unknown message type {kind!r}"))


def _tap_extras(data: dict[str, Any]) -> dict[str, Any]:
    """The reason and GPS fix a tap may carry (``ValueError`` for a position that is no number)."""
    reason = data.get("reason")
    out: dict[str, Any] = {"reason": str(reason)[:40] if reason else None}
    if data.get("lat") is not None and data.get("lon") is not None:
        out["lat"], out["lon"] = float(data["lat"]), float(data["lon"])
    return out


async def _handle_undo(ws: WebSocket, engine: Any, vehicle_id: str, tap_id: str) -> None:
    """Undo the vehicle's last tap (「取り消す」) and answer ``undo_result``."""
    try:
        ride = await run_in_threadpool(engine.undo_tap, vehicle_id, tap_id)
    except DispatchError as exc:
        await ws.send_json({"type": "undo_result", "tap_id": tap_id, "ok": False,
                            "code": exc.code, "message_en": exc.message_en,
                            "message_ja": exc.message_ja})  # fmt: skip
        return
    await ws.send_json({"type": "undo_result", "tap_id": tap_id, "ok": True,
                        "ride_id": ride.ride_id, "status": ride.status.value})  # fmt: skip


def _error(code: str, message_en: str) -> dict[str, Any]:
    return {
        "type": "error",
        "code": code,
        "message_en": message_en,
        "message_ja": "メッセージの内容が正しくありません。",
    }


async def _serve(
    ws: WebSocket,
    engine: Any,
    topic: str,
    since: int | None,
    full_state: Callable[[], dict[str, Any]],
    on_message: Callable[[Any], Any] | None,
) -> None:
    sub = engine.bus.subscribe(topic, since)
    pump: asyncio.Task[None] | None = None
    try:
        if since is None or sub.gap:
            state = await run_in_threadpool(full_state)
            await ws.send_json({**state, "seq": sub.start_seq})
        pump = asyncio.create_task(_pump(ws, sub))
        while True:
            receive = asyncio.create_task(ws.receive_json())
            done, _ = await asyncio.wait({receive, pump}, return_when=asyncio.FIRST_COMPLETED)
            if pump in done:
                receive.cancel()
                if pump.exception() is not None:
                    # the bus lost messages (e.g. Redis restarted): make the client resync
                    await ws.close(code=1012, reason="stream restarted; reconnect with since")
                return
            try:
                data = receive.result()
            except (ValueError, KeyError):
                await ws.send_json(_error("bad_message", "messages must be JSON objects"))
                continue
            if on_message is not None:
                await on_message(data)
    except WebSocketDisconnect:
        return
    finally:
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
        sub.close()


def create_router(
    *,
    get_engine: Callable[[], Any],
    authenticate_vehicle: Callable[[str], Any],
    authenticate_board: Callable[[str], Any],
    authenticate_ride: Callable[[str, str], Any] | None = None,
) -> APIRouter:
    """Return the router with the tablet, board and ride sockets (docs/stream.md).

    ``authenticate_vehicle(token)`` returns the vehicle id the token belongs to
    and ``authenticate_board(token)`` an operator id; either raises to refuse
    (sync or async callables both work). ``authenticate_ride(token, ride_id)``
    returns the member (or staff) id allowed to watch the ride; it raises
    ``PermissionError`` for someone else's ride, ``LookupError`` for an unknown
    one and anything else for a bad token (without it the ride socket refuses
    everyone). ``get_engine()`` returns the running ``DispatchEngine``.
    """
    router = APIRouter()

    @router.websocket("/ws/vehicle/{vehicle_id}")
    async def vehicle_stream(
        ws: WebSocket, vehicle_id: str, token: str = "", since: int | None = None
    ) -> None:
        await ws.accept()
        try:
            who = await _call(authenticate_vehicle, token)
        except Exception:
            await ws.close(code=CLOSE_UNAUTHORISED, reason="unknown or expired token")
            return
        if str(who) != vehicle_id:
            await ws.close(code=CLOSE_FORBIDDEN, reason="token is for another vehicle")
            return
        engine = get_engine()
        try:
            await run_in_threadpool(engine.get_vehicle, vehicle_id)
        except DispatchError:
            await ws.close(code=CLOSE_UNKNOWN, reason="unknown vehicle")
            return

        async def on_message(data: Any) -> None:
            await _handle_tablet(ws, engine, vehicle_id, data)

        await _serve(
            ws,
            engine,
            f"vehicle.{vehicle_id}",
            since,
            lambda: engine.vehicle_manifest(vehicle_id),
            on_message,
        )

    @router.websocket("/ws/board")
    async def board_stream(ws: WebSocket, token: str = "", since: int | None = None) -> None:
        await ws.accept()
        try:
            await _call(authenticate_board, token)
        except Exception:
            await ws.close(code=CLOSE_UNAUTHORISED, reason="unknown or expired token")
            return
        engine = get_engine()

        async def on_message(data: Any) -> None:
            if isinstance(data, dict) and data.get("type") == "ping":
                await ws.send_json({"type": "pong"})

        await _serve(ws, engine, "board", since, engine.board_snapshot, on_message)

    @router.websocket("/ws/ride/{ride_id}")
    async def ride_stream(ws: WebSocket, ride_id: str, token: str = "") -> None:
        await ws.accept()
        try:
            if authenticate_ride is None:
                msg = "ride stream not enabled"
                raise RuntimeError(msg)
            await _call(authenticate_ride, token, ride_id)
        except PermissionError:
            await ws.close(code=CLOSE_FORBIDDEN, reason="not your ride")
            return
        except LookupError:
            await ws.close(code=CLOSE_UNKNOWN, reason="unknown ride")
            return
        except Exception:
            await ws.close(code=CLOSE_UNAUTHORISED, reason="unknown or expired token")
            return
        await _serve_ride(ws, get_engine(), ride_id)

    return router


async def _ride_pump(ws: WebSocket, engine: Any, sub: Any, watch: RideWatch) -> None:
    """Send a new ``ride_status`` whenever a board message changes this ride's view."""
    while True:
        msg = await sub.get(timeout_s=None)
        if msg is None:
            continue
        what = watch.apply(msg.data)
        if what == "reload":
            watch.state = await run_in_threadpool(ride_status, engine, watch.state["ride_id"])
        if what is not None:
            await ws.send_json(watch.message(engine.now()))


async def _serve_ride(ws: WebSocket, engine: Any, ride_id: str) -> None:
    """Serve one resident's ride socket: its status at once, then every change."""
    # Subscribe before reading the state so no change between the two is missed.
    sub = engine.bus.subscribe("board", None)
    pump: asyncio.Task[None] | None = None
    try:
        try:
            state = await run_in_threadpool(ride_status, engine, ride_id)
        except DispatchError:
            await ws.close(code=CLOSE_UNKNOWN, reason="unknown ride")
            return
        watch = RideWatch(state)
        await ws.send_json(watch.message(engine.now()))
        pump = asyncio.create_task(_ride_pump(ws, engine, sub, watch))
        while True:
            receive = asyncio.create_task(ws.receive_json())
            done, _ = await asyncio.wait({receive, pump}, return_when=asyncio.FIRST_COMPLETED)
            if pump in done:
                receive.cancel()
                if pump.exception() is not None:
                    await ws.close(code=1012, reason="stream restarted; reconnect")
                return
            try:
                data = receive.result()
            except (ValueError, KeyError):
                continue
            if isinstance(data, dict) and data.get("type") == "ping":
                await ws.send_json({"type": "pong"})
    except WebSocketDisconnect:
        return
    finally:
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
        sub.close()
