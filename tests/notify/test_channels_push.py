"""Web Push against a local push service that checks VAPID and decrypts per RFC 8291."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator

import pytest
from py_vapid import Vapid

from notify.channels.base import Message
from notify.channels.peers import PushServicePeer
from notify.channels.peers.push import PushRejected, verify_vapid
from notify.channels.push import PushChannel, PushConfig, VapidKeys, generate_vapid_keys

KEYS = generate_vapid_keys()
BODY = "車が まもなく 着きます(約5分)。白い プリウス 土浦500 あ 12-34"


def _config(keys: VapidKeys = KEYS) -> PushConfig:
    return PushConfig(
        vapid_private_key=keys.private_key,
        vapid_public_key=keys.public_key,
        subject="mailto:office@example.jp",
    )


def _message(subscription: dict, did: str = "d-p-1") -> Message:
    return Message(did, "push", json.dumps(subscription), "ja", "のりあい", BODY, "/rides/42")


@pytest.fixture
def service() -> Iterator[PushServicePeer]:
    with PushServicePeer() as peer:
        yield peer


def test_push_decrypts_to_the_sent_text_and_the_vapid_signature_verifies(
    service: PushServicePeer,
) -> None:
    """The push service verifies the ES256 token for its origin and decrypts the payload."""
    subscription = service.subscribe(application_server_key=KEYS.public_key)
    result = asyncio.run(PushChannel(_config()).send(_message(subscription), timeout_s=5))
    assert result.ok, service.rejections
    assert result.provider_ref == "/messages/1"
    [push] = service.received
    assert push.json() == {
        "title": "のりあい",
        "body": BODY,
        "url": "/rides/42",
        "tag": "d-p-1",
        "lang": "ja",
    }
    assert push.vapid_public_key == KEYS.public_key
    assert push.claims["aud"] == service.url
    assert push.claims["sub"] == "mailto:office@example.jp"
    assert time.time() < push.claims["exp"] <= time.time() + 24 * 3600
    assert (push.ttl, push.urgency) == (4 * 3600, "high")


def test_a_push_signed_by_another_key_is_refused(service: PushServicePeer) -> None:
    """A subscription made for our key refuses a sender with another VAPID key."""
    subscription = service.subscribe(application_server_key=KEYS.public_key)
    other = _config(generate_vapid_keys())
    result = asyncio.run(PushChannel(other).send(_message(subscription), timeout_s=5))
    assert (result.ok, result.error) == (False, "http_403")
    assert service.received == []
    assert "application server key" in service.rejections[0]


def _token(claims: dict) -> str:
    vapid = Vapid.from_string(KEYS.private_key)
    return str(vapid.sign(claims)["Authorization"])


def test_the_peer_refuses_bad_vapid_tokens(service: PushServicePeer) -> None:
    """A tampered signature, another audience and an expired token are each refused."""
    now = time.time()
    good = {"sub": "mailto:a@example.jp", "aud": service.url, "exp": int(now) + 600}
    claims, key = verify_vapid(_token(good), service.url, now)
    assert claims["aud"] == service.url and key == KEYS.public_key
    token = _token(good)
    t_start = token.index("t=") + 2
    jwt = token[t_start : token.index(",", t_start)]
    head, body, sig = jwt.split(".")
    tampered = token.replace(jwt, f"{head}.{body}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}")
    cases = {
        "signature": tampered,
        "aud": _token({**good, "aud": "http://127.0.0.1:1"}),
        "exp": _token({**good, "exp": int(now) + 30 * 3600}),
    }
    for what, header in cases.items():
        with pytest.raises(PushRejected, match=what):
            verify_vapid(header, service.url, now)
    with pytest.raises(PushRejected, match="exp"):
        verify_vapid(_token(good), service.url, now + 700)


@pytest.mark.parametrize("gone", ["unsubscribed", "unknown"])
def test_a_subscription_gone_is_permanent(service: PushServicePeer, gone: str) -> None:
    """410 (unsubscribed) and 404 (never known) stop the retries."""
    subscription = service.subscribe()
    if gone == "unsubscribed":
        service.unsubscribe(subscription)
    else:
        subscription = {**subscription, "endpoint": f"{service.url}/push/nobody"}
    result = asyncio.run(PushChannel(_config()).send(_message(subscription), timeout_s=5))
    expected = "http_410" if gone == "unsubscribed" else "http_404"
    assert (result.ok, result.permanent, result.error) == (False, True, expected)
    assert result.address_gone  # the worker forgets the subscription


@pytest.mark.parametrize(
    ("status", "permanent"), [(400, True), (413, True), (429, False), (500, False), (503, False)]
)
def test_error_statuses_are_classified(
    service: PushServicePeer, status: int, permanent: bool
) -> None:
    """A push service's 429 and 5xx retry; 400 and 413 do not."""
    subscription = service.subscribe()
    service.fail_next(status, retry_after=30)
    result = asyncio.run(PushChannel(_config()).send(_message(subscription), timeout_s=5))
    assert (result.ok, result.permanent, result.error) == (False, permanent, f"http_{status}")
    assert not result.address_gone


def test_timeout_and_down_are_retried_and_delivered_when_back(service: PushServicePeer) -> None:
    """A hanging service is a timeout, a closed port a connect error; both retry."""
    subscription = service.subscribe()
    channel = PushChannel(_config())
    service.hang()
    try:
        hung = asyncio.run(channel.send(_message(subscription), timeout_s=0.3))
    finally:
        service.release()
    service.down()
    refused = asyncio.run(channel.send(_message(subscription), timeout_s=5))
    service.up()
    delivered = asyncio.run(channel.send(_message(subscription), timeout_s=5))
    assert (hung.ok, hung.permanent, hung.error) == (False, False, "timeout")
    assert (refused.ok, refused.permanent, refused.error) == (False, False, "connect")
    assert delivered.ok


@pytest.mark.parametrize(
    "address",
    [
        "not json",
        json.dumps({"endpoint": "http://127.0.0.1:1/push/x"}),
        json.dumps(
            {"endpoint": "http://127.0.0.1:1/push/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}}
        ),
    ],
)
def test_an_unusable_subscription_is_permanent(address: str) -> None:
    """A subscription without keys or with keys that are no P-256 point cannot be sent to."""
    message = Message("d-p-bad", "push", address, "ja", "t", "b")
    result = asyncio.run(PushChannel(_config()).send(message, timeout_s=5))
    assert (result.ok, result.permanent, result.error) == (False, True, "bad_subscription")


def test_failures_never_log_the_subscription_or_the_text(
    service: PushServicePeer, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the delivery id and the error class are logged."""
    subscription = service.subscribe()
    service.unsubscribe(subscription)
    with caplog.at_level(logging.DEBUG, logger="notify"):
        asyncio.run(PushChannel(_config()).send(_message(subscription, "d-p-log"), timeout_s=5))
    assert "d-p-log" in caplog.text and "http_410" in caplog.text
    assert BODY not in caplog.text and subscription["keys"]["auth"] not in caplog.text
    assert subscription["endpoint"] not in caplog.text


def test_config_refuses_a_public_key_of_another_pair() -> None:
    """Mixed-up VAPID keys are caught when the settings are read, not at the first push."""
    with pytest.raises(ValueError, match="does not belong"):
        PushConfig(KEYS.private_key, generate_vapid_keys().public_key, "mailto:a@example.jp")
