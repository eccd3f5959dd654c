"""``noriai serve``, ``demo``, ``db upgrade``, ``admin create`` and ``vapid-keys``."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from booking_api.settings import Settings


def _fail(message: str) -> int:
    print(f"noriai: {message}", file=sys.stderr)
    return 2


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from booking_api.migrate import upgrade

    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    settings.require_secret_key()  # a SettingsError: one line on stderr, exit 2
    try:
        upgrade(settings.resolved_database_url())
    except Exception as exc:
        return _fail(f"cannot prepare the database: {exc}")
    if workers > 1 and not settings.redis_url:
        print(
            "noriai: warning: several workers without REDIS_URL share no event bus; "
            "set REDIS_URL so every tablet sees every change",
            file=sys.stderr,
        )
    if workers > 1:
        _warm_map_cache(settings)
    # proxy_headers=False: uvicorn would believe X-Forwarded-For from 127.0.0.1; we decide
    # which proxies to trust ourselves (NORIAI_TRUSTED_PROXIES, booking_api.clientaddr).
    uvicorn.run(
        "booking_api.asgi:make_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
    )
    return 0


def _warm_map_cache(settings: Settings) -> None:
    """Build the derived map cache once before the workers start.

    Left to the workers, each builds it at once on first start (minutes of CPU
    on a fresh machine, racing on the same files) and the supervisor, seeing no
    heartbeat meanwhile, kills and restarts them.
    """
    from maps import load_map

    print("noriai: preparing the map cache (once per map version)...", file=sys.stderr)
    try:
        load_map(settings.maps_config())
    except Exception as exc:  # the workers report the map as unavailable on /health
        print(f"noriai: warning: the map could not be loaded: {exc}", file=sys.stderr)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from booking_api.demo import run_demo

    try:
        return run_demo(settings, args.host, args.port)
    except OSError as exc:
        return _fail(f"cannot start the demo: {exc}")


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from booking_api.migrate import upgrade

    url = settings.resolved_database_url()
    try:
        upgrade(url)
    except Exception as exc:
        return _fail(f"database upgrade failed: {exc}")
    print(f"noriai: database at the latest revision ({url.split('@')[-1]})", file=sys.stderr)
    return 0


def _admin_create(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from booking_api.db import AccountRow
    from booking_api.migrate import upgrade
    from booking_api.pins import weakness
    from booking_api.security import hash_password
    from dispatch.store.base import make_engine
    from dispatch.store.repo import change_session

    password = args.password or getpass.getpass("password: ")
    if len(password) < 8:
        return _fail("the password needs at least 8 characters")
    weak = weakness(password)
    if weak is not None:
        return _fail(weak.message_en)
    if args.role == "driver" and not args.vehicle:
        return _fail("a driver account needs --vehicle")
    url = settings.resolved_database_url()
    upgrade(url)
    engine = make_engine(url)
    try:
        with change_session(engine) as db:
            if db.scalar(select(AccountRow.id).where(AccountRow.username == args.username)):
                return _fail(f"the username {args.username!r} is taken")
            db.add(
                AccountRow(
                    username=args.username,
                    role=args.role,
                    password_hash=hash_password(password),
                    display_name=args.name or args.username,
                    vehicle_id=args.vehicle,
                )
            )
    finally:
        engine.dispose()
    print(f"noriai: {args.role} account {args.username!r} created", file=sys.stderr)
    return 0


def _vapid_keys(args: argparse.Namespace, settings: Settings) -> int:
    from notify.channels.push import generate_vapid_keys

    keys = generate_vapid_keys()
    # Lines for the environment file; the public key is also the resident app's
    # applicationServerKey. A new pair orphans every existing push subscription.
    print(f"NORIAI_VAPID_PRIVATE_KEY={keys.private_key}")
    print(f"NORIAI_VAPID_PUBLIC_KEY={keys.public_key}")
    return 0


def add_commands(subparsers: Any) -> None:
    """Register the service's sub-commands on the ``noriai`` parser."""
    serve = subparsers.add_parser("serve", help="run the API (configuration from the environment)")
    serve.add_argument("--host", default=None, help="address to listen on (NORIAI_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (NORIAI_PORT)")
    serve.add_argument(
        "--workers", type=int, default=None, help="worker processes (NORIAI_WORKERS)"
    )
    serve.set_defaults(handler=_serve)

    demo = subparsers.add_parser("demo", help="run the whole system locally with a simulated fleet")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(handler=_demo)

    db = subparsers.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="migrate the database to the latest revision").set_defaults(
        handler=_db_upgrade
    )

    admin = subparsers.add_parser("admin", help="staff accounts")
    admin_sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    create = admin_sub.add_parser("create", help="create an admin, operator or driver account")
    create.add_argument("username")
    create.add_argument("--role", choices=["admin", "operator", "driver"], default="admin")
    create.add_argument("--password", default=None, help="(asked for when omitted)")
    create.add_argument("--name", default=None, help="display name")
    create.add_argument("--vehicle", default=None, help="vehicle id (drivers)")
    create.set_defaults(handler=_admin_create)

    vapid = subparsers.add_parser(
        "vapid-keys", help="print a new VAPID key pair for Web Push (NORIAI_VAPID_*)"
    )
    vapid.set_defaults(handler=_vapid_keys)
