"""All four provider stand-ins at once, with channels already pointed at them.

For the notifier's fault tests and the demo: ``with LocalProviders() as local:`` starts a
push service, an SMS gateway, a voice provider and an SMTP server on free ports (or given
ones), makes a VAPID key pair, and ``local.channels()`` returns the real channels configured
for them. ``local.settings_env()`` gives the same as ``NORIAI_*`` lines, for a notifier
running in another process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Self

from notify.channels.base import Channel
from notify.channels.email import EmailChannel, EmailConfig
from notify.channels.peers.push import PushServicePeer
from notify.channels.peers.sms import SmsGatewayPeer
from notify.channels.peers.smtp import SmtpPeer
from notify.channels.peers.voice import VoiceProviderPeer
from notify.channels.push import PushChannel, PushConfig, generate_vapid_keys
from notify.channels.sms import SmsChannel, SmsConfig
from notify.channels.voice import VoiceChannel, VoiceConfig

SMS_KEY = "local-sms-key"
VOICE_KEY = "local-voice-key"
SENDER = "NORIAI"
CALLER_ID = "+81000000000"
MAIL_FROM = "Noriai <noreply@noriai.invalid>"
VAPID_SUBJECT = "mailto:office@noriai.invalid"


class LocalProviders:
    """The four peers plus a VAPID pair; ``on_record(channel, record)`` sees each arrival."""

    def __init__(
        self,
        *,
        push_port: int = 0,
        sms_port: int = 0,
        voice_port: int = 0,
        smtp_port: int = 0,
        on_record: Callable[[str, Any], None] | None = None,
    ) -> None:
        def hook(channel: str) -> Callable[[Any], None] | None:
            if on_record is None:
                return None
            return lambda record: on_record(channel, record)

        self.vapid = generate_vapid_keys()
        self.push = PushServicePeer(push_port, on_record=hook("push"))
        self.sms = SmsGatewayPeer(sms_port, api_key=SMS_KEY, on_record=hook("sms"))
        self.voice = VoiceProviderPeer(voice_port, api_key=VOICE_KEY, on_record=hook("voice"))
        self.smtp = SmtpPeer(smtp_port, on_record=hook("email"))

    def start(self) -> Self:
        """Start all four peers; returns self."""
        self.push.start()
        self.sms.start()
        self.voice.start()
        self.smtp.start()
        return self

    def stop(self) -> None:
        """Stop all four peers."""
        for peer in (self.push, self.sms, self.voice):
            peer.stop()
        self.smtp.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def push_config(self) -> PushConfig:
        """The VAPID config the push service's subscriptions accept."""
        return PushConfig(self.vapid.private_key, self.vapid.public_key, VAPID_SUBJECT)

    def subscribe(self) -> str:
        """A new push subscription bound to our VAPID key, as a ``Message.address``."""
        return json.dumps(self.push.subscribe(application_server_key=self.vapid.public_key))

    def channels(self) -> dict[str, Channel]:
        """The real channels, by name, configured for these peers."""
        return {
            "push": PushChannel(self.push_config()),
            "sms": SmsChannel(SmsConfig(self.sms.url, SMS_KEY, SENDER)),
            "voice": VoiceChannel(VoiceConfig(self.voice.url, VOICE_KEY, CALLER_ID)),
            "email": EmailChannel(
                EmailConfig(self.smtp.host, self.smtp.port, MAIL_FROM, starttls=False)
            ),
        }

    def settings_env(self) -> dict[str, str]:
        """The ``NORIAI_*`` settings that point a notifier in another process at the peers."""
        return {
            "NORIAI_VAPID_PRIVATE_KEY": self.vapid.private_key,
            "NORIAI_VAPID_PUBLIC_KEY": self.vapid.public_key,
            "NORIAI_VAPID_SUBJECT": VAPID_SUBJECT,
            "NORIAI_SMS_URL": self.sms.url,
            "NORIAI_SMS_KEY": SMS_KEY,
            "NORIAI_SMS_SENDER": SENDER,
            "NORIAI_VOICE_URL": self.voice.url,
            "NORIAI_VOICE_KEY": VOICE_KEY,
            "NORIAI_VOICE_CALLER_ID": CALLER_ID,
            "NORIAI_SMTP_HOST": self.smtp.host,
            "NORIAI_SMTP_PORT": str(self.smtp.port),
            "NORIAI_SMTP_FROM": MAIL_FROM,
            "NORIAI_SMTP_STARTTLS": "false",
        }
