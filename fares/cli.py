"""``noriai pay-standin``: the local payment provider's stand-in, for the demo.

Registered by ``booking_api.cli`` like every package's commands; ``settings`` is
the booking API's settings object (typed ``Any`` here: fares does not import the
web layer).
"""

from __future__ import annotations

import sys
import threading
from typing import Any
from urllib.parse import urlsplit

from fares.standin import serve


def _run(args: Any, settings: Any) -> int:
    if not settings.payment_webhook_secret:
        print("noriai pay-standin: NORIAI_PAYMENT_WEBHOOK_SECRET is not set", file=sys.stderr)
        return 2
    port = args.port or urlsplit(settings.payment_page_url).port or 0
    try:
        standin = serve(settings.payment_webhook_secret, args.server, port)
    except OSError as exc:
        print(f"noriai pay-standin: cannot listen on 127.0.0.1:{port}: {exc}", file=sys.stderr)
        return 1
    print(f"noriai pay-standin: checkout page on {standin.url}/pay", file=sys.stderr)
    try:
        threading.Event().wait()
    finally:
        standin.close()
    return 0


def add_commands(subparsers: Any) -> None:
    """Register ``noriai pay-standin`` (the demo's local payment provider)."""
    p = subparsers.add_parser(
        "pay-standin", help="serve the local payment provider's stand-in (demo and tests)"
    )
    p.add_argument("--server", default="http://127.0.0.1:8000", help="Noriai's base URL")
    p.add_argument(
        "--port", type=int, default=0, help="port (default: NORIAI_PAYMENT_PAGE_URL's port)"
    )
    p.set_defaults(handler=_run)
