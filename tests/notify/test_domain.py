"""The notifier's pure parts: the delivery state machine, channel choice, quiet hours,
templates from the catalogues, and the feed cursor's wait at an id gap."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from notify.choice import after_quiet_hours, channels_for, is_mobile
from notify.domain import (
    TRANSITIONS,
    DeliveryStatus,
    Event,
    IllegalDeliveryTransition,
    Preferences,
    Recipient,
    delivery_transition,
)
from notify.feed import LogItem, advance
from notify.templates import Catalogue

LANG = Path(__file__).resolve().parents[2] / "booking_api" / "static" / "common" / "lang"
TOKYO = ZoneInfo("Asia/Tokyo")


def test_delivered_failed_expired_are_final_and_a_dead_lease_is_claimed_again() -> None:
    final = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.EXPIRED,
             DeliveryStatus.CANCELLED)  # fmt: skip
    for status in final:
        assert TRANSITIONS[status] == frozenset()
        with pytest.raises(IllegalDeliveryTransition):
            delivery_transition(status, DeliveryStatus.QUEUED)
    assert delivery_transition(DeliveryStatus.SENDING, DeliveryStatus.SENDING)
    with pytest.raises(IllegalDeliveryTransition):
        delivery_transition(DeliveryStatus.QUEUED, DeliveryStatus.SENT)


def test_a_sent_delivery_is_settled_by_its_receipt_once() -> None:
    """sent → delivered | failed; a receipt cannot turn one outcome into the other."""
    assert TRANSITIONS[DeliveryStatus.SENT] == {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}
    for was in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT):
        assert delivery_transition(was, DeliveryStatus.DELIVERED) is DeliveryStatus.DELIVERED
    with pytest.raises(IllegalDeliveryTransition, match="from delivered to failed"):
        delivery_transition(DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)
    with pytest.raises(IllegalDeliveryTransition, match="from failed to delivered"):
        delivery_transition(DeliveryStatus.FAILED, DeliveryStatus.DELIVERED)
    with pytest.raises(IllegalDeliveryTransition):
        delivery_transition(DeliveryStatus.CANCELLED, DeliveryStatus.DELIVERED)


def test_defaults_follow_what_the_member_gave() -> None:
    assert is_mobile("090-1234-5678") and is_mobile("+81 80 1234 5678")
    assert not is_mobile("0299-90-1234")
    mobile = Recipient("m", "090-1234-5678")
    landline = Recipient("m", "0299-90-1234")
    pushed = Recipient("m", "090-1234-5678", push_subscription='{"endpoint": "x"}')
    assert channels_for(mobile) == [("sms", "+819012345678")]
    assert channels_for(landline) == [("voice", "+81299901234")]
    assert [c for c, _ in channels_for(pushed)] == ["push"]
    # a choice without an address (SMS to a landline) falls back to the defaults
    sms_only = Recipient("m", "0299-90-1234", Preferences(channels=("sms",)))
    assert channels_for(sms_only) == [("voice", "+81299901234")]
    both = Recipient("m", "090-1234-5678", Preferences(channels=("sms", "email"), email="a@b.jp"))
    assert channels_for(both) == [("sms", "+819012345678"), ("email", "a@b.jp")]


def test_quiet_hours_defer_to_their_end_across_midnight() -> None:
    start, end = time(21, 0), time(8, 0)
    late = datetime(2026, 12, 1, 22, 30, tzinfo=TOKYO)
    early = datetime(2026, 12, 2, 6, 0, tzinfo=TOKYO)
    noon = datetime(2026, 12, 2, 12, 0, tzinfo=TOKYO)
    assert after_quiet_hours(late, start, end, TOKYO) == datetime(2026, 12, 2, 8, 0, tzinfo=TOKYO)
    assert after_quiet_hours(early, start, end, TOKYO) == datetime(2026, 12, 2, 8, tzinfo=TOKYO)
    assert after_quiet_hours(noon, start, end, TOKYO) == noon


def test_every_event_has_short_texts_in_each_language() -> None:
    cat = Catalogue.load(LANG)
    params = {
        "ref": "R3f9a1c2b4d5e", "start": "2026-12-02T01:00:00+00:00",
        "end": "2026-12-02T01:15:00+00:00", "pickup": "2026-12-02T01:40:00+00:00",
        "until": "2026-12-20T00:00:00+00:00", "from": "自宅", "to": "神栖済生会病院",
        "fare": "300", "minutes": "7", "plate": "土浦 500 あ 12-34", "colour": "白",
        "number": "K000123", "office": "0299-90-1234", "reason": "台風のため",
        "text_ja": "本日は運休します", "text_en": "No service today",
    }  # fmt: skip
    for event in Event:
        for lang in ("ja", "en", "ja-x-easy"):
            assert f"notify.{event.value}.body" in cat._texts[lang], (event, lang)
            text = cat.render(event, lang, params, TOKYO)
            assert "{" not in text.body and "{" not in text.subject, (event, lang, text)
            assert "[" not in text.body and "[" not in text.spoken
            assert len(text.body) <= (160 if lang == "en" else 90), (event, lang, text.body)
    confirmed = cat.render(Event.BOOKING_CONFIRMED, "ja", params, TOKYO)
    assert "12月2日(水) 10:00〜10:15" in confirmed.body and "R3f9a1c2b4d5e" in confirmed.body
    easy = cat.render(Event.CAR_EN_ROUTE, "ja-x-easy", params, TOKYO)
    assert "車" in easy.body and "くるま" in easy.spoken and "車" not in easy.spoken


def test_the_cursor_waits_at_a_gap_until_it_settles() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    items = [LogItem(i, now, "ride.booked", None) for i in (11, 12, 14, 15)]
    assert advance(10, items, now - timedelta(seconds=30)) == 12  # 13 may still commit
    assert advance(10, items, now + timedelta(seconds=1)) == 15  # 13 was rolled back
