"""All four channels against LocalProviders, in this process and in another one."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import httpx
import pytest

from booking_api.settings import Settings
from notify.channels.base import Channel, Message, SendResult
from notify.channels.email import EmailChannel
from notify.channels.peers import LocalProviders
from notify.channels.push import PushChannel
from notify.channels.sms import SmsChannel
from notify.channels.voice import VoiceChannel

TEXT = "台風のため、明日の運行を休止します。"


def _messages(local: LocalProviders) -> list[Message]:
    return [
        Message("d-l-push", "push", local.subscribe(), "ja", "運休", TEXT, "/"),
        Message("d-l-sms", "sms", "+819011112222", "ja", "", TEXT),
        Message("d-l-voice", "voice", "+81299112233", "ja-x-easy", "", TEXT),
        Message("d-l-email", "email", "taro@example.jp", "ja", "運休のお知らせ", TEXT),
    ]


def _send_all(channels: dict[str, Channel], messages: list[Message]) -> list[SendResult]:
    async def go() -> list[SendResult]:
        return [await channels[m.channel].send(m, timeout_s=5) for m in messages]

    return asyncio.run(go())


def test_each_channel_reaches_its_local_provider() -> None:
    """One message per channel arrives, and ``on_record`` sees each one with its channel."""
    seen: list[tuple[str, Any]] = []
    with LocalProviders(on_record=lambda channel, record: seen.append((channel, record))) as local:
        results = _send_all(local.channels(), _messages(local))
        assert all(r.ok for r in results), results
        assert local.push.received[0].json()["body"] == TEXT
        assert local.sms.received[0].text == TEXT
        assert (local.voice.received[0].text, local.voice.received[0].language) == (TEXT, "ja-JP")
        assert local.smtp.received[0].text.strip() == TEXT
    assert [channel for channel, _ in seen] == ["push", "sms", "voice", "email"]


def test_the_runner_serves_a_notifier_configured_from_its_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``python -m notify.channels.peers`` prints NORIAI_* settings; channels built from
    them by ``Settings`` deliver, and each arrival is printed as a JSON line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "notify.channels.peers"],
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert proc.stdout is not None
        env: dict[str, str] = {}
        push_service = ""
        for line in proc.stdout:
            if line.strip() == "ready":
                break
            if line.startswith("# push service "):
                push_service = line.split()[-1]
                continue
            key, value = line.rstrip("\n").split("=", 1)
            env[key] = value
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = Settings()
        channels: dict[str, Channel] = {
            "push": PushChannel(settings.push_config()),
            "sms": SmsChannel(settings.sms_config()),
            "voice": VoiceChannel(settings.voice_config()),
            "email": EmailChannel(settings.email_config()),
        }
        # The push subscription comes from the runner's push service, as a browser's would.
        made = httpx.post(
            f"{push_service}/subscriptions",
            json={"applicationServerKey": settings.vapid_public_key},
        )
        assert made.status_code == 201
        subscription = json.dumps(made.json())
        messages = [
            Message("d-r-sms", "sms", "+819011112222", "ja", "", TEXT),
            Message("d-r-voice", "voice", "+81299112233", "en", "", "Service stops tomorrow."),
            Message("d-r-email", "email", "taro@example.jp", "ja", "運休", TEXT),
            Message("d-r-push", "push", subscription, "ja", "運休", TEXT),
        ]
        results = _send_all(channels, messages)
        assert all(r.ok for r in results), results
        printed = [json.loads(proc.stdout.readline()) for _ in range(4)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert [p["channel"] for p in printed] == ["sms", "voice", "email", "push"]
    assert printed[0]["text"] == TEXT and printed[0]["idempotency_key"] == "d-r-sms"
    assert printed[1]["language"] == "en-US"
    assert (
        printed[2]["subject"] == "運休" and printed[2]["message_id"] == "<d-r-email@noriai.invalid>"
    )
