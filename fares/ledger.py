"""The money ledger: append-only entries of yen and rides, and every total as their sum.

An ``Entry`` is one movement: a sale (money in, rides onto a holding), a use
(rides off a holding, or fare money taken on board), a refund (money out,
rides off) or a correction (the opposite of an entry it names, with a reason).
Amounts are whole yen and whole rides, each in two non-negative columns
(``*_in``, ``*_out``, at most one of a pair set): there is no signed amount
whose sign a reader must guess. Nothing is ever edited: a mistake is undone
by a correction, so the history shows both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from fares.errors import FareError


class Kind(StrEnum):
    """Why money or rides moved."""

    SALE = "sale"
    USE = "use"
    REFUND = "refund"
    CORRECTION = "correction"


class Channel(StrEnum):
    """Where it happened."""

    COUNTER = "counter"
    ONLINE = "online"
    ON_BOARD = "on_board"
    OFFICE = "office"


class Method(StrEnum):
    """How it was paid."""

    CASH = "cash"
    IC = "ic"
    QR = "qr"
    CARD = "card"
    TICKET = "ticket"
    PASS = "pass"
    EXEMPT = "exempt"
    FREE = "free"


@dataclass(frozen=True)
class Entry:
    """One ledger row (``id`` is None until stored)."""

    at: datetime
    kind: Kind
    actor: str
    channel: Channel
    method: Method
    member_id: str | None = None
    holding_id: str | None = None
    product_id: str = ""
    ride_id: str | None = None
    vehicle_id: str | None = None
    yen_in: int = 0
    yen_out: int = 0
    rides_in: int = 0
    rides_out: int = 0
    reason: str = ""
    corrects_id: int | None = None
    ref: str | None = None
    id: int | None = None

    @property
    def yen(self) -> int:
        """Return the entry's net yen (in minus out), for sums."""
        return self.yen_in - self.yen_out

    @property
    def rides(self) -> int:
        """Return the entry's net rides onto its holding (in minus out)."""
        return self.rides_in - self.rides_out


def check(entry: Entry) -> Entry:
    """Return ``entry`` if it is well formed, else raise ``FareError``.

    Whole non-negative amounts, at most one of each in/out pair, an actor, and a
    reason plus the corrected row for a correction.
    """
    amounts = (entry.yen_in, entry.yen_out, entry.rides_in, entry.rides_out)
    if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in amounts):
        raise FareError("bad_amount", "Amounts are whole yen or rides, 0 or more.",
                        "金額と回数は0以上の整数です。")  # fmt: skip
    if (entry.yen_in and entry.yen_out) or (entry.rides_in and entry.rides_out):
        raise FareError("bad_amount", "An entry moves money or rides one way only.",
                        "1件の記録で入金と出金を同時に行うことはできません。")  # fmt: skip
    if not entry.actor:
        raise FareError("no_actor", "Every entry names who made it.",
                        "記録には担当者が必要です。")  # fmt: skip
    if entry.kind is Kind.CORRECTION and (entry.corrects_id is None or not entry.reason.strip()):
        raise FareError("reason_required", "A correction names the entry it corrects and why.",
                        "訂正には対象の記録と理由が必要です。")  # fmt: skip
    return entry


def correction(original: Entry, *, actor: str, reason: str, at: datetime) -> Entry:
    """Return the entry that cancels ``original`` (money and rides moved back), by ``actor``."""
    if original.id is None:
        msg = "only a stored entry can be corrected"
        raise ValueError(msg)
    return check(
        replace(
            original,
            id=None,
            at=at,
            kind=Kind.CORRECTION,
            actor=actor,
            channel=Channel.OFFICE,
            yen_in=original.yen_out,
            yen_out=original.yen_in,
            rides_in=original.rides_out,
            rides_out=original.rides_in,
            reason=reason.strip(),
            corrects_id=original.id,
            ref=None,
        )
    )


def corrected_ids(entries: Iterable[Entry]) -> set[int]:
    """Return the ids of the entries some correction already cancels."""
    return {e.corrects_id for e in entries if e.corrects_id is not None}


def balance_rides(entries: Iterable[Entry], holding_id: str) -> int:
    """Return the rides left on a holding: the sum of its entries' rides."""
    return sum(e.rides for e in entries if e.holding_id == holding_id)


def total_yen(entries: Iterable[Entry], where: Callable[[Entry], bool] = lambda e: True) -> int:
    """Return the net yen of the entries ``where`` picks (all by default)."""
    return sum(e.yen for e in entries if where(e))


def totals_by(entries: Iterable[Entry], key: Callable[[Entry], str]) -> dict[str, int]:
    """Return the net yen per ``key`` (product, channel, method, day ...); they sum to the total."""
    out: dict[str, int] = {}
    for e in entries:
        out[key(e)] = out.get(key(e), 0) + e.yen
    return out
