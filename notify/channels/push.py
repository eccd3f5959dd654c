"""Web Push to the installed resident app, with ``pywebpush`` (VAPID, ``aes128gcm``).

The message's ``address`` is the browser's subscription JSON (``endpoint`` and the
``p256dh``/``auth`` keys). The payload the service worker receives is JSON:
``{"title", "body", "url", "tag", "lang"}`` — ``tag`` is the delivery id, so a repeated
push replaces the notification on the phone instead of stacking a second one.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_ece import ECEException
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from notify.channels._http import failed, status_result
from notify.channels.base import Message, SendResult

# A VAPID token's life (RFC 8292 caps it at 24 h); it is signed afresh for each message.
TOKEN_LIFE_S = 12 * 3600
URGENCIES = frozenset({"very-low", "low", "normal", "high"})


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    """A VAPID key pair as the settings and the browser take it (base64url, no padding).

    ``private_key`` is the raw 32-byte P-256 scalar; ``public_key`` the 65-byte uncompressed
    point, which the resident app passes to ``pushManager.subscribe`` as
    ``applicationServerKey``.
    """

    private_key: str
    public_key: str


def generate_vapid_keys() -> VapidKeys:
    """Make a new VAPID key pair (what ``noriai vapid-keys`` prints for the operator)."""
    private = ec.generate_private_key(ec.SECP256R1())
    return VapidKeys(
        private_key=_b64url(private.private_numbers().private_value.to_bytes(32, "big")),
        public_key=public_key_of(private),
    )


def public_key_of(private: ec.EllipticCurvePrivateKey) -> str:
    """The base64url uncompressed public point of ``private``."""
    raw = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(raw)


@dataclass(frozen=True)
class PushConfig:
    """The sender's VAPID identity and how long a push may wait for an offline phone."""

    vapid_private_key: str  # base64url raw P-256 private key (NORIAI_VAPID_PRIVATE_KEY)
    vapid_public_key: str  # base64url uncompressed public key (NORIAI_VAPID_PUBLIC_KEY)
    subject: str  # mailto: or https: contact for the push services (NORIAI_VAPID_SUBJECT)
    ttl_s: int = 4 * 3600  # a ride notice is useless after a few hours
    urgency: str = "high"  # wake the phone: the car may be at the door

    def __post_init__(self) -> None:
        if not self.subject.startswith(("mailto:", "https:")):
            raise ValueError("VAPID subject must be a mailto: or https: contact")
        if self.urgency not in URGENCIES:
            raise ValueError(f"push urgency must be one of {sorted(URGENCIES)}")
        try:
            scalar = int.from_bytes(_b64url_decode(self.vapid_private_key), "big")
            private = ec.derive_private_key(scalar, ec.SECP256R1())
        except ValueError as exc:
            raise ValueError("VAPID private key is not a base64url P-256 key") from exc
        if public_key_of(private) != self.vapid_public_key.rstrip("="):
            raise ValueError("VAPID public key does not belong to the private key")


def parse_subscription(address: str) -> dict[str, Any]:
    """Read a subscription JSON; raise ValueError unless it has an endpoint and both keys."""
    sub = json.loads(address)
    if not isinstance(sub, dict):
        raise ValueError("subscription is not an object")
    keys = sub.get("keys")
    endpoint = sub.get("endpoint")
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in {"http", "https"}:
        raise ValueError("subscription has no http(s) endpoint")
    if not isinstance(keys, dict) or not keys.get("p256dh") or not keys.get("auth"):
        raise ValueError("subscription lacks the p256dh and auth keys")
    return {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}


def payload_of(message: Message) -> str:
    """The JSON the service worker shows as a notification."""
    return json.dumps(
        {
            "title": message.subject,
            "body": message.body,
            "url": message.url,
            "tag": message.delivery_id,
            "lang": message.language,
        },
        ensure_ascii=False,
    )


class PushChannel:
    """Sends one encrypted, VAPID-signed push per :meth:`send`."""

    name = "push"

    def __init__(self, config: PushConfig) -> None:
        self.config = config
        self._vapid = Vapid.from_string(config.vapid_private_key)

    async def send(self, message: Message, *, timeout_s: float) -> SendResult:
        """Encrypt and POST the push; 404/410 mean the subscription is gone (permanent)."""
        try:
            subscription = parse_subscription(message.address)
        except ValueError:
            return failed(message, "bad_subscription", permanent=True)
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(subscription["endpoint"]))
        claims: dict[str, str | int] = {
            "sub": self.config.subject,
            "aud": origin,
            "exp": int(time.time()) + TOKEN_LIFE_S,
        }
        try:
            async with asyncio.timeout(timeout_s):
                response = await webpush_async(
                    subscription,
                    data=payload_of(message),
                    vapid_private_key=self._vapid,
                    vapid_claims=claims,
                    content_encoding="aes128gcm",
                    timeout=timeout_s,
                    ttl=self.config.ttl_s,
                    headers={"Urgency": self.config.urgency},
                )
        except TimeoutError:
            return failed(message, "timeout", permanent=False)
        except WebPushException as exc:
            status = exc.status_code
            if status is None:
                return failed(message, "bad_subscription", permanent=True)
            result = status_result(message, status)
            # 404/410 (RFC 8030 §7.3): the subscription expired or was revoked; the
            # worker forgets it, so the member's next messages take their other channels.
            return replace(result, address_gone=True) if status in (404, 410) else result
        except aiohttp.ClientError:
            return failed(message, "connect", permanent=False)
        except (ECEException, ValueError, TypeError):
            # A p256dh that is no P-256 point or an auth of the wrong size: the browser's
            # subscription is unusable, no retry will change that.
            return failed(message, "bad_subscription", permanent=True)
        location = response.headers.get("Location") if not isinstance(response, str) else None
        return SendResult(ok=True, provider_ref=location)
