"""Automated voice calls (オートコール) through a voice-call provider's HTTP API.

``POST <url>/calls`` with the number, the caller id, the text to read, the language of the
voice (``ja-JP`` or ``en-US``; easy Japanese is read by the Japanese voice) and how many
times to read it; ``GET <url>/calls/<id>`` tells how the call ended. Elderly members with
only a landline are called instead of texted, so the message is read more than once and the
caller id is set (many such phones refuse calls that hide their number).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import httpx

from notify.channels.base import Message, SendResult
from notify.channels.sms import post_json

VOICES = {"ja": "ja-JP", "ja-x-easy": "ja-JP", "en": "en-US"}


class CallStatus(enum.Enum):
    """How a placed call stands at the provider."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"  # answered and read out
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"
    UNKNOWN = "unknown"  # not known now (time-out, provider error): ask again later

    @property
    def final(self) -> bool:
        """True when the call has ended, one way or the other."""
        return self in {
            CallStatus.COMPLETED,
            CallStatus.NO_ANSWER,
            CallStatus.BUSY,
            CallStatus.FAILED,
        }


@dataclass(frozen=True)
class VoiceConfig:
    """The voice provider (from ``NORIAI_VOICE_*``)."""

    url: str
    api_key: str
    caller_id: str = ""  # the number the member's phone shows
    repeat: int = 2  # times the message is read in one call

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("voice provider URL must start with http:// or https://")
        if not 1 <= self.repeat <= 5:
            raise ValueError("voice repeat must be between 1 and 5")


def voice_for(language: str) -> str:
    """The provider's voice for a catalogue language (unknown ones fall back to ja-JP)."""
    return VOICES.get(language, "ja-JP")


class VoiceChannel:
    """Places one call per :meth:`send`; the provider's call id is the provider ref.

    ``client`` is the worker loop's shared HTTP client, as for :class:`SmsChannel`.
    """

    name = "voice"

    def __init__(self, config: VoiceConfig, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._client = client

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.api_key}"}

    async def send(self, message: Message, *, timeout_s: float) -> SendResult:
        """Ask the provider to place the call; the answer says it is queued, not answered.

        Whether the member picked up is :meth:`call_status`'s business: a call lasts
        minutes, longer than one attempt may wait.
        """
        request: dict[str, object] = {
            "to": message.address,
            "from": self.config.caller_id,
            "text": message.body,
            "language": voice_for(message.language),
            "repeat": self.config.repeat,
        }
        headers = {**self._headers(), "Idempotency-Key": message.delivery_id}
        return await post_json(
            self._client,
            f"{self.config.url.rstrip('/')}/calls",
            request,
            headers,
            message,
            timeout_s,
        )

    async def call_status(self, provider_ref: str, *, timeout_s: float) -> CallStatus:
        """How the call ``provider_ref`` stands; UNKNOWN when the provider cannot say now."""
        url = f"{self.config.url.rstrip('/')}/calls/{provider_ref}"
        try:
            if self._client is None:
                async with httpx.AsyncClient() as own:
                    response = await own.get(url, headers=self._headers(), timeout=timeout_s)
            else:
                response = await self._client.get(url, headers=self._headers(), timeout=timeout_s)
            status = str(response.json().get("status")) if response.is_success else ""
        except (httpx.HTTPError, ValueError):
            return CallStatus.UNKNOWN
        try:
            return CallStatus(status)
        except ValueError:
            return CallStatus.UNKNOWN
