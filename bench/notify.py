"""``noriai bench notify``: delivery latency through the outbox and the notifier.

1,000 messages are queued at once (a broadcast's worth, each in the outbox like a real
event's), then one worker sends them: through the stand-in provider (which writes each
to its table, as in the demo) and through the SMS gateway stand-in over HTTP. Latency is
provider receipt minus the row's creation (event → provider), p50/p99, on SQLite or the
PostgreSQL given by ``--database-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ALL_DEFAULT_ARGS: list[str] = []


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``noriai bench notify`` options."""
    parser.add_argument("--messages", type=int, default=1000, help="messages queued at once")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--concurrency", type=int, default=8, help="sends in flight")
    parser.add_argument("--batch", type=int, default=50, help="rows claimed per batch")


def _now() -> datetime:
    return datetime.now(UTC)


def _queue(db: Any, n: int, catalogue: Any, config: Any, tag: str) -> None:
    from dispatch.store.repo import change_session
    from notify.domain import Event, Notice, Preferences, Recipient
    from notify.outbox import enqueue

    with change_session(db) as s:
        for i in range(n):
            r = Recipient(f"m{i}", f"090{i:08d}", Preferences(channels=("sms",)))
            params = {"text_ja": "本日は台風のため運休します", "text_en": "No service today"}
            notice = Notice(f"bench:{tag}", Event.BROADCAST, r.member_id, _now(), params)
            enqueue(s, notice, r, catalogue, config, _now())


def _figures(label: str, latencies: list[float], wall_s: float) -> str:
    q = statistics.quantiles(latencies, n=100)
    return (f"{label:<28} {len(latencies):>5} msgs  p50 {q[49] * 1000:8.1f} ms  "
            f"p99 {q[98] * 1000:8.1f} ms  {len(latencies) / wall_s:7.0f} msg/s")  # fmt: skip


def run(args: argparse.Namespace, settings: Any) -> int:
    """Queue, drain and print p50/p99 latency and throughput for each provider."""
    from sqlalchemy import select, text

    from booking_api.notifications import notify_config
    from dispatch.store.base import Base, make_engine
    from notify.channels.peers.sms import SmsGatewayPeer
    from notify.channels.sms import SmsChannel, SmsConfig
    from notify.channels.standin import StandIn
    from notify.store import DeliveryRow, StandInMessageRow
    from notify.templates import Catalogue
    from notify.worker import Notifier

    if args.messages < 100 or args.concurrency < 1 or args.batch < 1:
        print("noriai: --messages must be at least 100, --concurrency and --batch positive")
        return 2
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.sqlite'}"
    db = make_engine(url)
    import booking_api.db  # noqa: F401  (registers every table)

    Base.metadata.create_all(db)
    with db.begin() as c:
        for t in ("notify_deliveries", "notify_standin_outbox"):
            c.execute(text(f"DELETE FROM {t}"))
    base = notify_config(settings)
    config = type(base)(**{**base.__dict__, "quiet_start": None, "quiet_end": None,
                           "concurrency": args.concurrency, "batch_size": args.batch})  # fmt: skip
    catalogue = Catalogue.load(config.catalogue_dir)
    print(f"noriai bench notify: {args.messages} messages queued at once, "
          f"{db.dialect.name}, batch {args.batch}, {args.concurrency} in flight")  # fmt: skip

    def drain(worker: Notifier) -> float:
        t0 = time.perf_counter()

        async def go() -> None:
            while await worker.run_once():
                pass

        asyncio.run(go())
        return time.perf_counter() - t0

    def created(s: Any) -> dict[str, datetime]:
        return dict(s.execute(select(DeliveryRow.id, DeliveryRow.created_at)).all())

    # 1. the stand-in provider (the demo's): it writes each message to its table
    _queue(db, args.messages, catalogue, config, "standin")
    worker = Notifier(db, {"sms": StandIn("sms", db, _now)}, config, _now, None, "bench")
    wall = drain(worker)
    from sqlalchemy.orm import Session

    with Session(db) as s:
        made = created(s)
        got = s.execute(select(StandInMessageRow.delivery_id, StandInMessageRow.at)).all()
        lat = [(at - made[d]).total_seconds() for d, at in got]
    print(_figures("stand-in (table)", lat, wall))
    # 2. the SMS gateway stand-in over HTTP (JSON POST, idempotency key): without a client
    # (a new one per message, what a one-off send does), then with the worker loop's one
    # shared client, as `noriai notifier` runs it
    from notify.channels._http import shared_client

    for label, shared in (("SMS gateway, client per send", False),
                          ("SMS gateway, shared client", True)):  # fmt: skip
        received: dict[str, datetime] = {}

        def keep(r: Any, into: dict[str, datetime] = received) -> None:
            into[r.idempotency_key] = _now()

        with SmsGatewayPeer(on_record=keep) as peer:
            _queue(db, args.messages, catalogue, config, label)
            cfg = SmsConfig(peer.url, peer.api_key, "BENCH")
            worker = Notifier(db, {"sms": SmsChannel(cfg)}, config, _now, None, "bench-sms")
            t0 = time.perf_counter()

            async def go(w: Notifier = worker, c: Any = cfg, share: bool = shared) -> None:
                async with shared_client(config.concurrency) as client:
                    if share:
                        w.channels["sms"] = SmsChannel(c, client)
                    while await w.run_once():
                        pass

            asyncio.run(go())
            wall = time.perf_counter() - t0
        with Session(db) as s:
            made = created(s)
        lat = [(at - made[d]).total_seconds() for d, at in received.items()]
        print(_figures(label, lat, wall))
    db.dispose()
    tmp.cleanup()
    return 0
