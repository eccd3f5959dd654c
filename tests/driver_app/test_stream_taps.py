"""Taps over the tablet's socket under the city's tap rules (issue 10, §5).

A refused tap is answered in words (Japanese and English) with the rule's details,
never a dropped socket or a silent nothing; a position in a tap that is no number is
a bad message; the last tap is undone over the socket too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dispatch.config import TapReason, TapRules
from dispatch.store import create_all, make_engine
from tests.dispatch.helpers import at, point
from tests.dispatch.helpers import make_engine as make_dispatch
from tests.driver_app.test_stream import Server, _book, _recv

RULES = TapRules(
    arrive_radius_m=150,
    arrive_reasons=(TapReason("gps_inaccurate", "GPSの位置がずれている", "GPS is wrong"),),
    no_show_wait_s=300,
    boarded_needs_arrived=True,
    undo_s=60,
)


@pytest.fixture
def ruled(tmp_path: Path) -> Iterator[tuple[Any, Any, Server]]:
    db = make_engine(f"sqlite:///{tmp_path / 'n.sqlite'}")
    create_all(db)
    engine, clock, _ = make_dispatch(db, vehicles=1, taps=RULES)  # type: ignore[arg-type]
    with Server(engine) as server:
        yield engine, clock, server
    engine.bus.close()
    db.dispose()


def test_refused_taps_are_answered_in_words_and_undo_works(
    ruled: tuple[Any, Any, Server],
) -> None:
    engine, clock, server = ruled
    import websockets

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        ride = await loop.run_in_executor(None, _book, engine, 13)
        clock.set(at(11, 43))
        depot = point(10, 10)
        async with websockets.connect(server.url("/ws/vehicle/V1?token=veh-V1")) as ws:
            first = json.loads(await ws.recv())
            assert first["tap_rules"]["arrive_radius_m"] == 150
            assert [r["code"] for r in first["tap_rules"]["arrive_reasons"]] == ["gps_inaccurate"]

            async def tap(kind: str, tap_id: str, **extra: Any) -> dict[str, Any]:
                msg = {"type": "tap", "ride_id": ride.ride_id, "tap": kind, "tap_id": tap_id}
                await ws.send(json.dumps({**msg, **extra}))
                return await _recv(ws, "tap_result")

            far = await tap("arrived", "w1", lat=depot.lat, lon=depot.lon)
            assert not far["ok"] and far["code"] == "arrive_too_far" and far["needs_reason"]
            assert "離れています" in far["message_ja"] and "from the pickup" in far["message_en"]
            nan = await tap("arrived", "w2", lat="NaN", lon=140.6)
            assert not nan["ok"] and nan["code"] == "bad_position"
            words = await tap("arrived", "w3", lat="north", lon=140.6)
            assert not words["ok"] and words["code"] == "bad_message"
            board = await tap("boarded", "w4")
            assert not board["ok"] and board["code"] == "board_before_arrival"
            ok = await tap("arrived", "w5", lat=depot.lat, lon=depot.lon, reason="gps_inaccurate")
            assert ok["ok"] and ok["status"] == "arrived"
            early = await tap("no_show", "w6")
            assert not early["ok"] and early["code"] == "no_show_too_early"
            assert early["not_before"] and "お待ちください" in early["message_ja"]
            m = await loop.run_in_executor(None, engine.vehicle_manifest, "V1")
            assert m["undo"]["tap_id"] == "w5"  # what the tablet may still undo
            await ws.send(json.dumps({"type": "undo", "tap_id": "w5"}))
            undone = await _recv(ws, "undo_result")
            assert undone["ok"] and undone["status"] == "assigned"
            await ws.send(json.dumps({"type": "undo", "tap_id": "nope"}))
            unknown = await _recv(ws, "undo_result")
            assert not unknown["ok"] and unknown["message_ja"]

    asyncio.run(scenario())
