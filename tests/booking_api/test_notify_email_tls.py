"""A relay whose certificate does not verify loses no message (issue 12 §2): the member's
approval notice stays queued with the reason ``tls`` and is delivered once, encrypted,
when the office points the notifier at the right CA file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from booking_api.notifications import make_feed, notify_config
from booking_api.settings import Settings
from dispatch.store.repo import read_session
from notify.channels.email import EmailChannel
from notify.channels.peers import SmtpPeer
from notify.channels.standin import standins
from notify.store import DeliveryRow
from notify.worker import Notifier
from tests.booking_api.conftest import Api
from tests.booking_api.fakes import FixedClock
from tests.notify.test_channels_email_tls import make_pki

MAIL = "kanda.tls@example.jp"


def _drain(db: Engine, settings: Settings, clock: FixedClock) -> None:
    channels: dict[str, Any] = dict(standins(None))
    channels["email"] = EmailChannel(settings.email_config())
    worker = Notifier(db, channels, notify_config(settings), clock.now, make_feed(settings), "w")

    async def go() -> None:
        while await worker.run_once():
            pass

    asyncio.run(go())


def _emails(db: Engine) -> list[tuple[str, int, str]]:
    with read_session(db) as s:
        rows = s.scalars(select(DeliveryRow).where(DeliveryRow.channel == "email"))
        return [(r.status, r.attempts, r.error) for r in rows]


def test_a_wrong_certificate_keeps_the_message_queued_until_the_ca_is_fixed(
    api: Api, db: Engine, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    """Refused over implicit TLS with another CA: queued; with the relay's CA: sent once."""
    relay, other = make_pki(tmp_path, "relay"), make_pki(tmp_path, "other")
    with SmtpPeer(tls="implicit", cert_file=relay.cert_file, key_file=relay.key_file) as peer:
        settings.smtp_host, settings.smtp_port = peer.host, peer.port
        settings.smtp_from = "のりあい <noreply@noriai.example.jp>"
        settings.smtp_tls, settings.smtp_ca_file = True, other.ca_file
        _drain(db, settings, clock)  # the feed starts here
        api.member(phone="090-7777-0001", notify_channels=["email"], email=MAIL)
        _drain(db, settings, clock)
        assert _emails(db) == [("queued", 1, "tls")] and peer.received == []
        settings.smtp_ca_file = relay.ca_file  # the office fixes the setting
        clock.advance(settings.notify_backoff_max_s + 1)
        _drain(db, settings, clock)
        _drain(db, settings, clock)
        assert _emails(db) == [("sent", 2, "")]
        [mail] = peer.received
        assert mail.tls and mail.rcpt_tos == (MAIL,)
