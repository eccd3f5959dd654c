"""Run the four provider stand-ins until interrupted: ``python -m notify.channels.peers``.

It prints the ``NORIAI_*`` settings that point a notifier at them (``KEY=value`` lines, a
comment ``# push service <url>`` whose ``POST /subscriptions`` makes push subscriptions,
then a line ``ready``), and then one JSON line per message received, so a newcomer can watch the
SMS, the call script, the push and the email a notifier in another process sends.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
from collections.abc import Sequence
from typing import Any

from notify.channels.peers.local import LocalProviders
from notify.channels.peers.push import PushRecord
from notify.channels.peers.smtp import EmailRecord


def record_json(channel: str, record: Any) -> dict[str, Any]:
    """A received message as plain JSON (the push decrypted, the email decoded)."""
    if isinstance(record, PushRecord):
        return {"channel": channel, "subscription": record.subscription_id, **record.json()}
    if isinstance(record, EmailRecord):
        return {
            "channel": channel,
            "to": list(record.rcpt_tos),
            "message_id": str(record.message["Message-ID"]),
            "subject": record.subject,
            "text": record.text,
        }
    return {"channel": channel, **dataclasses.asdict(record)}


def main(argv: Sequence[str] | None = None) -> int:
    """Start the peers on the given ports (0: free ones) and print what arrives."""
    parser = argparse.ArgumentParser(prog="python -m notify.channels.peers")
    for name in ("push", "sms", "voice", "smtp"):
        parser.add_argument(f"--{name}-port", type=int, default=0)
    args = parser.parse_args(argv)
    lock = threading.Lock()

    def show(channel: str, record: Any) -> None:
        with lock:
            print(json.dumps(record_json(channel, record), ensure_ascii=False), flush=True)

    local = LocalProviders(
        push_port=args.push_port,
        sms_port=args.sms_port,
        voice_port=args.voice_port,
        smtp_port=args.smtp_port,
        on_record=show,
    )
    with local:
        with lock:
            for key, value in local.settings_env().items():
                print(f"{key}={value}")
            # Not a setting: the browser's push service. POST /subscriptions gives one.
            print(f"# push service {local.push.url}")
            print("ready", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
