"""Phone numbers come to one stored form and are classified by the Japanese numbering plan."""

from __future__ import annotations

import pytest

from notify.phone import BadPhone, LineKind, parse_phone


@pytest.mark.parametrize(
    ("typed", "national", "written", "kind"),
    [
        ("０９０ー１２３４ー５６７８", "09012345678", "090-1234-5678", LineKind.MOBILE),
        ("+81 90 1234 5678", "09012345678", "090-1234-5678", LineKind.MOBILE),
        ("008170-1234-5678", "07012345678", "070-1234-5678", LineKind.MOBILE),
        ("08012345678", "08012345678", "080-1234-5678", LineKind.MOBILE),
        ("+81 (0)299-44-5566", "0299445566", "0299-44-5566", LineKind.LANDLINE),
        ("029-123-4567", "0291234567", "029-123-4567", LineKind.LANDLINE),
        ("0312345678", "0312345678", "03-1234-5678", LineKind.LANDLINE),
        ("+81-50-1234-5678", "05012345678", "050-1234-5678", LineKind.IP),
        ("0800-123-4567", "08001234567", "0800-123-4567", LineKind.LANDLINE),
    ],
)
def test_every_way_of_typing_gives_one_form(
    typed: str, national: str, written: str, kind: LineKind
) -> None:
    n = parse_phone(typed)
    assert (n.national, n.written, n.kind) == (national, written, kind)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("090-1234-567", "11桁"),  # a mobile needs 11 digits
        ("0299-44-55666", "10桁"),  # a landline 10
        ("299-44-5566", "0から"),
        ("+1 555 123 4567", "日本"),
        ("090-1234-5678 内線", "数字とハイフン"),
    ],
)
def test_a_bad_number_says_why_in_both_languages(typed: str, words: str) -> None:
    with pytest.raises(BadPhone) as err:
        parse_phone(typed)
    assert words in err.value.message_ja
    assert err.value.message_en and err.value.code == "bad_phone"
