"""The ledger: checked entries, corrections as new rows, every total the sum of rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fares.errors import FareError
from fares.ledger import (
    Channel,
    Entry,
    Kind,
    Method,
    balance_rides,
    check,
    correction,
    total_yen,
    totals_by,
)

AT = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


def _sale(yen: int, rides: int, i: int, **kw: object) -> Entry:
    base: dict[str, object] = {
        "at": AT,
        "kind": Kind.SALE,
        "actor": "op1",
        "channel": Channel.COUNTER,
        "method": Method.CASH,
        "holding_id": "h1",
        "yen_in": yen,
        "rides_in": rides,
        "id": i,
    }
    base.update(kw)
    return Entry(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        {"yen_in": -1},
        {"yen_in": 5, "yen_out": 5},
        {"rides_in": 1, "rides_out": 1},
        {"actor": ""},
        {"kind": Kind.CORRECTION, "corrects_id": 1, "reason": " "},
        {"kind": Kind.CORRECTION, "reason": "typo"},
    ],
)
def test_a_bad_entry_is_refused(bad: dict[str, object]) -> None:
    """Negative amounts, both ways at once, no actor, a correction without reason or target."""
    with pytest.raises(FareError):
        check(_sale(100, 0, 1, **bad))


def test_a_correction_is_the_opposite_row_with_who_and_why() -> None:
    """The correction moves money and rides back, names the row and the staff member."""
    c = correction(_sale(3000, 11, 7), actor="admin", reason="wrong product", at=AT)
    assert (c.kind, c.yen_out, c.rides_out, c.corrects_id, c.actor) == (
        Kind.CORRECTION,
        3000,
        11,
        7,
        "admin",
    )
    assert c.id is None and c.reason == "wrong product"


_kinds = st.sampled_from(["sale", "use", "refund", "correct"])
_ops = st.lists(
    st.tuples(
        _kinds,
        st.integers(0, 5000),
        st.integers(0, 12),
        st.sampled_from(["cash", "ic", "qr", "ticket"]),
    ),
    max_size=40,
)


@given(_ops)
def test_totals_are_always_the_sum_of_the_rows(ops: list[tuple[str, int, int, str]]) -> None:
    """Whatever sales, uses, refunds and corrections happen, the balance and the totals
    (overall, by method, by kind) equal the sums of the rows, and correcting every row
    leaves nothing."""
    rows: list[Entry] = []
    for i, (kind, yen, rides, method) in enumerate(ops):
        if kind == "correct" and rows:
            target = rows[yen % len(rows)]
            fixed = correction(target, actor="admin", reason="fix", at=AT)
            rows.append(replace(fixed, id=i))
            continue
        m = Method(method)
        if kind == "sale":
            rows.append(_sale(yen, rides, i, method=m))
        elif kind == "use":
            rows.append(_sale(0, 0, i, kind=Kind.USE, yen_in=yen, rides_out=rides, method=m))
        else:
            rows.append(_sale(0, 0, i, kind=Kind.REFUND, yen_out=yen, rides_out=rides, method=m))
    assert all(check(r) for r in rows)
    assert total_yen(rows) == sum(r.yen_in for r in rows) - sum(r.yen_out for r in rows)
    assert balance_rides(rows, "h1") == sum(r.rides_in - r.rides_out for r in rows)
    assert sum(totals_by(rows, lambda e: e.method.value).values()) == total_yen(rows)
    assert sum(totals_by(rows, lambda e: e.kind.value).values()) == total_yen(rows)
    undone = [correction(r, actor="admin", reason="all", at=AT) for r in rows]
    assert total_yen(rows + undone) == 0
    assert balance_rides(rows + undone, "h1") == 0
