"""``noriai notifier``: the worker that sends riders their messages (see ``notify.worker``).

It reads the service's event and audit logs into the outbox and sends what is due over
the channels the settings configure, or over stand-ins that write each message to
``/dev/outbox`` (``--standin``, the demo's way). Several may run against PostgreSQL;
against SQLite run one.

``noriai bounces`` is the SMTP listener for email bounce reports (``notify.bounces``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
from typing import Any

from booking_api.settings import Settings


def _fail(message: str) -> int:
    print(f"noriai: {message}", file=sys.stderr)
    return 2


def _notifier(args: argparse.Namespace, settings: Settings) -> int:
    from booking_api.migrate import upgrade
    from booking_api.notifications import make_feed, notify_config, provider_channels
    from dispatch.clock import system_clock
    from dispatch.store.base import make_engine
    from notify.channels._http import shared_client
    from notify.channels.standin import standins
    from notify.worker import Notifier

    url = settings.resolved_database_url()
    try:
        upgrade(url)
    except Exception as exc:
        return _fail(f"cannot prepare the database: {exc}")
    db = make_engine(url, statement_timeout_s=settings.db_statement_timeout_s)
    clock = system_clock(settings.clock_offset_s)
    config = notify_config(settings)
    if not args.standin and not provider_channels(settings):
        return _fail(
            "no channel is configured (NORIAI_SMS_*, NORIAI_VOICE_*, NORIAI_SMTP_*, "
            "NORIAI_VAPID_*); use --standin to record messages on /dev/outbox instead"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        # One HTTP client for the loop's life: SMS and voice reuse its connections.
        async with shared_client(config.concurrency) as client:
            channels: dict[str, Any] = (
                standins(db, clock.now) if args.standin else provider_channels(settings, client)
            )
            worker = Notifier(db, channels, config, clock.now, make_feed(settings), args.worker_id)
            print(
                f"noriai notifier {worker.worker_id}: channels {', '.join(sorted(channels))}",
                file=sys.stderr,
            )
            if args.once:
                while await worker.run_once():
                    pass
                return
            await worker.run(stop)

    asyncio.run(main())
    db.dispose()
    return 0


def _bounces(args: argparse.Namespace, settings: Settings) -> int:
    from booking_api.migrate import upgrade
    from dispatch.clock import system_clock
    from dispatch.store.base import make_engine
    from notify.bounces import BounceListener

    config = settings.bounce_config()
    if config is None:
        return _fail("no bounce domain is set (NORIAI_BOUNCE_DOMAIN); bounces are off")
    url = settings.resolved_database_url()
    try:
        upgrade(url)
    except Exception as exc:
        return _fail(f"cannot prepare the database: {exc}")
    db = make_engine(url, statement_timeout_s=settings.db_statement_timeout_s)
    clock = system_clock(settings.clock_offset_s)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    # aiosmtpd logs each command with its addresses at INFO; ours says what each report did.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        listener = BounceListener(db, config, clock.now).start()
    except OSError as exc:
        db.dispose()
        return _fail(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}")
    print(
        f"noriai bounces: reports for bounce+<delivery>@{config.bounce_domain} "
        f"on {config.host}:{config.port}",
        file=sys.stderr,
    )
    stop.wait()
    listener.stop()
    print(f"noriai bounces: stopped, reports taken: {len(listener.outcomes)}", file=sys.stderr)
    db.dispose()
    return 0


def add_commands(subparsers: Any) -> None:
    """Register ``noriai notifier`` and ``noriai bounces``."""
    p = subparsers.add_parser("notifier", help="send riders their messages (the outbox worker)")
    p.add_argument(
        "--standin", action="store_true", help="record messages on /dev/outbox, send nothing"
    )
    p.add_argument("--once", action="store_true", help="send what is due now, then stop")
    p.add_argument("--worker-id", default=None, help="name in logs and leases (default random)")
    p.set_defaults(handler=_notifier)
    p = subparsers.add_parser(
        "bounces", help="take email bounce reports (DSNs) in over SMTP (NORIAI_BOUNCE_*)"
    )
    p.set_defaults(handler=_bounces)
