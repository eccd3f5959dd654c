"""Where and when a live vehicle can be planned from, given its plan and its last report.

A position report is a snapshot: the vehicle was at ``P`` at ``seen_s``. Between
reports (and between taps) a vehicle on its way keeps driving, so planning it
from ``P`` *now* would delay every remaining stop by the time since the report
and push a pickup planned near its window's end past it (issue 5).

A vehicle that must already have left ``P`` to start its next stop ``T`` at the
planned time is committed to ``T``: it is planned from ``T`` at that planned
start, or later when the report shows it running behind by more than the
report's noise. Committing is never optimistic: wherever the new plan sends the
vehicle, it can get there by way of ``T``, and a driver who left just in time
reaches ``T`` at the planned start. A vehicle that need not have left yet (its
stop at ``T`` starts later than it could get there) is planned from where it was
seen, so a plan made early in the morning does not send it out hours ahead; its
next pickup is not locked either, so it may take another ride first.

A new plan for a vehicle on its way keeps the time it set off for ``T``
(:func:`set_off_s`): the latest time to leave the point it was last seen at is
later than that whenever the report was made on the road, and a stop's
``leave_s`` that moved later with each re-plan would say the car left after it
did (the simulator's drivers then report positions behind where they are, and
the engine believes them: issue 14).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Whereabouts:
    """What is known of a live vehicle: last report, next planned stop, earliest start.

    ``ready_s`` is the earliest time the vehicle can do anything (now, the shift's
    start, the end of a break, a reported delay). ``seen_s`` is when it was last
    at ``location`` (``None``: unknown). ``target`` and ``target_start_s`` are the
    location and planned start of service of the first stop of its persisted plan
    (``None`` when it has none or is not driving its plan); ``target_leave_s`` is
    that stop's persisted ``leave_s`` (when the plan had it set off for it).
    """

    location: int
    ready_s: int
    seen_s: int | None = None
    target: int | None = None
    target_start_s: int | None = None
    target_leave_s: int | None = None


def _must_leave_s(w: Whereabouts, drive_s: int) -> int | None:
    """The latest time to leave for the next stop, when seen somewhere else (else ``None``)."""
    if w.target is None or w.target_start_s is None or w.seen_s is None:
        return None
    return None if w.target == w.location else w.target_start_s - drive_s


def on_its_way(w: Whereabouts, drive_s: int) -> bool:
    """Whether the vehicle must already have left to start its next stop on time.

    ``drive_s`` is the travel time from ``w.location`` to ``w.target``.
    """
    leave_s = _must_leave_s(w, drive_s)
    return leave_s is not None and leave_s <= w.ready_s


def waiting(w: Whereabouts, drive_s: int) -> bool:
    """Whether the vehicle was seen away from its next stop and need not have left yet.

    Its next pickup is then not locked: it may still take another ride first.
    """
    leave_s = _must_leave_s(w, drive_s)
    return leave_s is not None and leave_s > w.ready_s


def planning_start(w: Whereabouts, drive_s: int, *, noise_s: int) -> tuple[int, int]:
    """Return ``(location, time)`` to plan the vehicle's remaining route from.

    ``drive_s`` is the travel time from ``w.location`` to ``w.target``. A vehicle
    with no next stop, already there, or that need not have left yet is planned
    from where it was seen, at ``w.ready_s``; one on its way from the target, at
    the planned start there (or the report's estimate, when that is more than
    ``noise_s`` later, or ``ready_s`` when that is later still).
    """
    if not on_its_way(w, drive_s):
        return w.location, w.ready_s  # no next stop, there already, or free to wait
    assert w.target is not None and w.target_start_s is not None and w.seen_s is not None
    eta_s = max(w.ready_s, w.target_start_s)
    reported_s = w.seen_s + drive_s
    if reported_s > w.target_start_s + noise_s:
        eta_s = max(eta_s, reported_s)  # the report shows it running behind
    return w.target, eta_s


def set_off_s(w: Whereabouts, drive_s: int) -> int | None:
    """When a vehicle on its way (:func:`on_its_way`) set off for its next stop, else ``None``.

    ``drive_s`` is the travel time from ``w.location`` to ``w.target``. It is the
    latest time to leave where it was seen, or the persisted plan's leave time
    when that is earlier: seen on the road, the car left its previous stop before
    it passed the point of the report, and once set off it does not set off again.
    """
    if not on_its_way(w, drive_s):
        return None
    left = _must_leave_s(w, drive_s)
    assert left is not None
    if w.target_leave_s is not None and w.target_leave_s < left:
        left = w.target_leave_s
    return left
