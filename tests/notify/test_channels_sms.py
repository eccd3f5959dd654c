"""The SMS channel against a local gateway stand-in: delivery, idempotency, error classes."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator

import pytest

from notify.channels._http import shared_client
from notify.channels.base import Message
from notify.channels.peers import SmsGatewayPeer
from notify.channels.sms import SmsChannel, SmsConfig

PHONE = "+819012345678"
TEXT = "明日 9:30〜9:45 に お迎えに 行きます。予約番号 R-1234"


def _message(delivery_id: str = "d-sms-1", address: str = PHONE) -> Message:
    return Message(delivery_id, "sms", address, "ja", "", TEXT)


@pytest.fixture
def gateway() -> Iterator[SmsGatewayPeer]:
    with SmsGatewayPeer(api_key="k-123") as peer:
        yield peer


def _channel(url: str, key: str = "k-123") -> SmsChannel:
    return SmsChannel(SmsConfig(url=url, api_key=key, sender="KAMISU-DRT"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sms_reaches_the_gateway(gateway: SmsGatewayPeer) -> None:
    """The gateway receives to, from and the Japanese text, keyed by the delivery id."""
    result = asyncio.run(_channel(gateway.url).send(_message(), timeout_s=5))
    assert result.ok and result.provider_ref == "sms-1"
    [sms] = gateway.received
    assert (sms.to, sms.sender, sms.text, sms.idempotency_key) == (
        PHONE,
        "KAMISU-DRT",
        TEXT,
        "d-sms-1",
    )


def test_a_retry_with_the_same_delivery_id_is_not_a_second_sms(gateway: SmsGatewayPeer) -> None:
    """Sending the same delivery twice (a lost answer, a restarted worker) sends one SMS."""
    channel = _channel(gateway.url)

    async def twice() -> tuple[str | None, str | None]:
        first = await channel.send(_message(), timeout_s=5)
        second = await channel.send(_message(), timeout_s=5)
        return first.provider_ref, second.provider_ref

    refs = asyncio.run(twice())
    assert refs == ("sms-1", "sms-1")
    assert len(gateway.received) == 1
    assert gateway.requests_seen == 2


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(400, True), (404, True), (410, True), (429, False), (500, False), (503, False)],
)
def test_error_statuses_are_classified(
    gateway: SmsGatewayPeer, status: int, permanent: bool
) -> None:
    """4xx about the message is permanent; 429 and 5xx are worth a retry."""
    gateway.fail_next(status)
    result = asyncio.run(_channel(gateway.url).send(_message(), timeout_s=5))
    assert not result.ok
    assert (result.permanent, result.error) == (permanent, f"http_{status}")
    assert gateway.received == []


def test_a_malformed_number_is_refused_for_good(gateway: SmsGatewayPeer) -> None:
    """The gateway's own 400 for a number it cannot text is permanent."""
    result = asyncio.run(_channel(gateway.url).send(_message(address="090-x"), timeout_s=5))
    assert (result.ok, result.permanent, result.error) == (False, True, "http_400")


def test_a_wrong_key_is_retried_not_dropped(gateway: SmsGatewayPeer) -> None:
    """401 means our settings are wrong, not the rider's number: the message waits."""
    result = asyncio.run(_channel(gateway.url, key="wrong").send(_message(), timeout_s=5))
    assert (result.ok, result.permanent, result.error) == (False, False, "http_401")


def test_a_hanging_gateway_is_a_timeout_to_retry(gateway: SmsGatewayPeer) -> None:
    """A gateway that does not answer within the timeout gives a retry, then works again."""
    gateway.hang()
    try:
        result = asyncio.run(_channel(gateway.url).send(_message(), timeout_s=0.3))
    finally:
        gateway.release()
    assert (result.ok, result.permanent, result.error) == (False, False, "timeout")


def test_a_gateway_that_is_down_is_retried_and_reached_when_back(
    gateway: SmsGatewayPeer,
) -> None:
    """Connection refused is a retry; once the gateway is back the same message goes out."""
    channel = _channel(gateway.url)
    gateway.down()
    result = asyncio.run(channel.send(_message(), timeout_s=5))
    assert (result.ok, result.permanent, result.error) == (False, False, "connect")
    gateway.up()
    assert asyncio.run(channel.send(_message(), timeout_s=5)).ok
    assert len(gateway.received) == 1


def test_nothing_listening_is_a_retry() -> None:
    """A closed port (no gateway at all) is a connection error, retried."""
    result = asyncio.run(
        _channel(f"http://127.0.0.1:{_closed_port()}").send(_message(), timeout_s=5)
    )
    assert (result.ok, result.permanent, result.error) == (False, False, "connect")


def test_failures_log_the_delivery_and_class_but_no_personal_data(
    gateway: SmsGatewayPeer, caplog: pytest.LogCaptureFixture
) -> None:
    """The log names the delivery id and the error class, never the number or the text."""
    gateway.fail_next(503)
    with caplog.at_level(logging.DEBUG):
        asyncio.run(_channel(gateway.url).send(_message("d-log-1"), timeout_s=5))
    assert "d-log-1" in caplog.text and "http_503" in caplog.text
    assert PHONE not in caplog.text and TEXT not in caplog.text and "9012345678" not in caplog.text


def test_config_refuses_a_url_without_scheme() -> None:
    """A gateway URL that is not http(s) is refused when the config is built."""
    with pytest.raises(ValueError, match="http"):
        SmsConfig(url="sms.example.jp", api_key="k", sender="S")


def test_a_shared_client_reuses_its_connections(gateway: SmsGatewayPeer) -> None:
    """The worker loop's one client sends 40 SMS over at most its pool, not 40 connections;
    each send keeps its own time-out (a hanging gateway is still a timeout to retry)."""

    async def many() -> list[bool]:
        async with shared_client(concurrency=4) as client:
            channel = SmsChannel(SmsConfig(gateway.url, "k-123", "KAMISU-DRT"), client)
            gate = asyncio.Semaphore(4)

            async def one(i: int) -> bool:
                async with gate:
                    return (await channel.send(_message(f"d-s-{i}"), timeout_s=5)).ok

            oks = list(await asyncio.gather(*(one(i) for i in range(40))))
            gateway.hang()
            try:
                hung = await channel.send(_message("d-s-hang"), timeout_s=0.3)
            finally:
                gateway.release()
            assert (hung.ok, hung.error) == (False, "timeout")
            return oks

    assert all(asyncio.run(many()))
    assert {f"d-s-{i}" for i in range(40)} <= {m.idempotency_key for m in gateway.received}
    assert gateway.connections <= 5  # 4 in flight, +1 for the one the time-out dropped
