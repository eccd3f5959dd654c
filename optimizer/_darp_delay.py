"""Ride-time repair of a timed route for the dial-a-ride search (Cordeau and Laporte 2003).

Kept beside :mod:`optimizer._darp_routes` so that each stays small; the same
steps as :func:`optimizer.schedule._delay`, which must give the same result.
"""

from __future__ import annotations

from optimizer.schedule import INF
from optimizer.schedule import _rides_ok as rides_ok  # one check of ride limits for both

__all__ = ["delay", "rides_ok"]


def delay(dur: list[list[int]], locs: list[int], early: list[int], late: list[int],
           svc: list[int], origin: list[int], limit: list[int], base: list[int],
           b: list[int], d: list[int]) -> None:
    """Delay the start, then each pickup, by as much as shortens rides without harm.

    The same steps and result as :func:`optimizer.schedule._delay` (kept in step
    with it), on service starts ``b`` and departures ``d``: the forward time
    slack and the waits are summed in one pass, and a delay is propagated only
    until a wait absorbs it.
    """
    q = len(locs) - 1
    a = [b[0]] + [d[k - 1] + dur[locs[k - 1]][locs[k]] for k in range(1, q + 1)]
    pickups = {o for o in origin if o > 0}
    for i in range(q):
        if i > 0 and i not in pickups:
            continue
        best, waits = INF, 0
        for j in range(i, q + 1):
            if j > i:
                waits += b[j] - a[j]
            room = late[j] - b[j]
            o = origin[j]
            if o == -2 or 0 <= o < i:
                r2 = limit[j] - b[j] + (base[j] if o == -2 else d[o])
                if r2 < room:
                    room = r2
            x = waits + room if room > 0 else waits
            if x < best:
                best = x
                if best <= 0:
                    break
        if best <= 0:
            continue
        wait = waits - (b[q] - a[q])
        delay = best if best < wait else wait
        if delay <= 0:
            continue
        b[i] += delay
        d[i] = b[i] + svc[i]
        for k in range(i + 1, q + 1):
            na = d[k - 1] + dur[locs[k - 1]][locs[k]]
            nb = na if na > early[k] else early[k]
            a[k] = na
            if nb == b[k]:
                break
            b[k] = nb
            d[k] = nb + svc[k]
