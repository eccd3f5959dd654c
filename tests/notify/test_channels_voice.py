"""The voice-call channel against a local provider stand-in: script, voice, call status."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from notify.channels.base import Message
from notify.channels.peers import VoiceProviderPeer
from notify.channels.voice import CallStatus, VoiceChannel, VoiceConfig

LANDLINE = "+81299001122"
SCRIPT_JA = "のりあい です。あした 9じ30ぷん に おむかえ に いきます。"


def _message(language: str = "ja-x-easy", body: str = SCRIPT_JA, did: str = "d-v-1") -> Message:
    return Message(did, "voice", LANDLINE, language, "", body)


@pytest.fixture
def provider() -> Iterator[VoiceProviderPeer]:
    with VoiceProviderPeer(api_key="v-key") as peer:
        yield peer


def _channel(url: str) -> VoiceChannel:
    return VoiceChannel(VoiceConfig(url=url, api_key="v-key", caller_id="+81299000000"))


@pytest.mark.parametrize(
    ("language", "voice"), [("ja", "ja-JP"), ("ja-x-easy", "ja-JP"), ("en", "en-US")]
)
def test_the_call_reads_the_text_in_the_members_language(
    provider: VoiceProviderPeer, language: str, voice: str
) -> None:
    """The provider gets the script, the voice for the language, the caller id and repeats."""
    result = asyncio.run(_channel(provider.url).send(_message(language), timeout_s=5))
    assert result.ok and result.provider_ref == "call-1"
    [call] = provider.received
    assert (call.to, call.text, call.language) == (LANDLINE, SCRIPT_JA, voice)
    assert (call.caller_id, call.repeat, call.idempotency_key) == ("+81299000000", 2, "d-v-1")


def test_call_status_tells_how_the_call_ended(provider: VoiceProviderPeer) -> None:
    """A call answered reads COMPLETED; one nobody picked up reads NO_ANSWER."""
    provider.next_outcomes("no-answer")
    channel = _channel(provider.url)

    async def two_calls() -> list[CallStatus]:
        statuses = []
        for did in ("d-v-a", "d-v-b"):
            sent = await channel.send(_message(did=did), timeout_s=5)
            assert sent.ok and sent.provider_ref is not None
            statuses.append(await channel.call_status(sent.provider_ref, timeout_s=5))
        return statuses

    assert asyncio.run(two_calls()) == [CallStatus.NO_ANSWER, CallStatus.COMPLETED]
    assert CallStatus.NO_ANSWER.final and not CallStatus.QUEUED.final


def test_call_status_of_an_unreachable_provider_is_unknown(provider: VoiceProviderPeer) -> None:
    """When the provider cannot be asked, the status is UNKNOWN (ask again later)."""
    channel = _channel(provider.url)
    provider.down()
    assert asyncio.run(channel.call_status("call-1", timeout_s=5)) is CallStatus.UNKNOWN


def test_the_same_delivery_is_one_call(provider: VoiceProviderPeer) -> None:
    """A retried delivery never rings the member twice."""
    channel = _channel(provider.url)

    async def twice() -> None:
        await channel.send(_message(), timeout_s=5)
        await channel.send(_message(), timeout_s=5)

    asyncio.run(twice())
    assert len(provider.received) == 1


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(400, True), (404, True), (410, True), (429, False), (500, False), (502, False)],
)
def test_error_statuses_are_classified(
    provider: VoiceProviderPeer, status: int, permanent: bool
) -> None:
    """4xx about the call is permanent; 429 and 5xx retry."""
    provider.fail_next(status)
    result = asyncio.run(_channel(provider.url).send(_message(), timeout_s=5))
    assert (result.ok, result.permanent, result.error) == (False, permanent, f"http_{status}")


def test_timeout_and_refused_connection_are_retried(provider: VoiceProviderPeer) -> None:
    """A hanging provider and a closed port are both retries, and nothing was placed."""
    channel = _channel(provider.url)
    provider.hang()
    try:
        hung = asyncio.run(channel.send(_message(), timeout_s=0.3))
    finally:
        provider.release()
    provider.down()
    refused = asyncio.run(channel.send(_message(did="d-v-2"), timeout_s=5))
    assert (hung.ok, hung.permanent, hung.error) == (False, False, "timeout")
    assert (refused.ok, refused.permanent, refused.error) == (False, False, "connect")


def test_failures_never_log_the_number_or_script(
    provider: VoiceProviderPeer, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the delivery id and the error class reach the log."""
    provider.fail_next(500)
    with caplog.at_level(logging.DEBUG):
        asyncio.run(_channel(provider.url).send(_message(did="d-v-log"), timeout_s=5))
    assert "d-v-log" in caplog.text and "http_500" in caplog.text
    assert LANDLINE not in caplog.text and SCRIPT_JA not in caplog.text


def test_config_bounds_the_repeats() -> None:
    """A message read zero times or ten times is a configuration mistake."""
    with pytest.raises(ValueError, match="repeat"):
        VoiceConfig(url="http://127.0.0.1:1", api_key="k", repeat=0)
