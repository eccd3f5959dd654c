"""From an OR-Tools assignment to a ``Plan``: stops, times, loads, breaks and unserved requests.

Service starts are the assignment's time cumuls (they satisfy every window and
ride-time limit). OR-Tools may schedule a break in the middle of a drive, while
a plan takes its breaks where the vehicle stands, so each break is placed after
the stop where it fits without moving any service start, nearest first.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp

from optimizer._routing import REASON_UNSERVED, RoutingData, _onboard_load
from optimizer.model import Plan, Route, ScheduledStop, StopKind, Unassigned, Vehicle


@dataclass(frozen=True)
class _Break:
    duration_s: int
    earliest_s: int
    latest_s: int
    planned_s: int  # when OR-Tools started it


def to_plan(data: RoutingData, assignment: pywrapcp.Assignment) -> Plan:
    """Turn an OR-Tools assignment into a ``Plan`` with full schedules."""
    problem, routing, manager, time = data.problem, data.routing, data.manager, data.time
    states = {s.vehicle_id: s for s in problem.states}
    routes: list[Route] = []
    served: set[int] = set()
    for vi, v in enumerate(problem.vehicles):
        idx = routing.Start(vi)
        t_start = assignment.Value(time.CumulVar(idx)) + data.t0
        t_min = time.CumulVar(idx).Min() + data.t0
        loc = data.node_loc[manager.IndexToNode(idx)]
        visits: list[tuple[int, int]] = []  # (node, service start)
        idx = assignment.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            visits.append(
                (manager.IndexToNode(idx), assignment.Value(time.CumulVar(idx)) + data.t0)
            )
            idx = assignment.Value(routing.NextVar(idx))
        breaks = sorted(
            # StartMin, not StartValue: a solution may leave a break's start unbound
            # (seen from the iterated local search), and StartValue then aborts the process
            (_Break(d, lo, hi, assignment.StartMin(iv) + data.t0)
             for iv, d, lo, hi in data.breaks.get(vi, []) if assignment.PerformedValue(iv)),
            key=lambda b: b.planned_s,
        )
        state = states.get(v.id)
        if not visits and not breaks and not (state and state.onboard):
            continue
        served.update(ref[0] for node, _ in visits if (ref := data.node_ref[node]))
        sched = _Schedule(data, v, loc, visits,
                          _onboard_load(problem, state, "seats"),
                          _onboard_load(problem, state, "wheelchairs"))
        routes.append(Route(v.id, tuple(sched.place(breaks, t_start, t_min))))
    unassigned = list(data.pre_unassigned)
    unassigned += [Unassigned(problem.requests[ri].id, REASON_UNSERVED)
                   for ri in data.modelled if ri not in served]
    return Plan(tuple(routes), tuple(unassigned))


class _Schedule:
    """One vehicle's fixed sequence of visits with fixed service starts."""

    def __init__(self, data: RoutingData, vehicle: Vehicle, loc: int,
                 visits: list[tuple[int, int]], seats: int, wheel: int) -> None:
        self.data = data
        self.vehicle = vehicle
        self.loc = loc
        self.visits = visits
        self.seats = seats
        self.wheel = wheel

    def place(self, breaks: list[_Break], t_start: int, t_min: int) -> list[ScheduledStop]:
        """Return the stops with every break placed (OR-Tools' gap as the last resort)."""
        gaps: list[int] = []
        for k, br in enumerate(breaks):
            planned = sum(1 for _, s in self.visits if s <= br.planned_s)
            lo = gaps[-1] if gaps else 0
            options = sorted(range(lo, len(self.visits) + 1), key=lambda g: abs(g - planned))
            chosen = max(planned, lo)
            for g in options:
                if self.build(breaks[: k + 1], [*gaps, g], t_start, t_min) is not None:
                    chosen = g
                    break
            gaps.append(chosen)
        stops = self.build(breaks, gaps, t_start, t_min)
        if stops is None:
            # OR-Tools' own times leave no place to stop: report them; the checker will say.
            stops = self._build(breaks, gaps, t_start, True)
        assert stops is not None
        return stops

    def build(self, breaks: list[_Break], gaps: list[int], t_start: int, t_min: int,
              force: bool = False) -> list[ScheduledStop] | None:
        """Return the stops with break ``k`` after visit ``gaps[k]``, or ``None`` if late."""
        for t_first in dict.fromkeys((t_start, t_min) if breaks else (t_start,)):
            stops = self._build(breaks, gaps, t_first, force)
            if stops is not None:
                return stops
        return None

    def _build(self, breaks: list[_Break], gaps: list[int], t_first: int,
               force: bool) -> list[ScheduledStop] | None:
        data, dur = self.data, self.data.problem.durations_s
        seats, wheel, loc, t = self.seats, self.wheel, self.loc, t_first
        stops = [ScheduledStop(StopKind.START, loc, t, t, t, None, seats, wheel)]
        pending = list(zip(gaps, breaks, strict=True))
        for g in range(len(self.visits) + 1):
            while pending and pending[0][0] == g:
                br = pending.pop(0)[1]
                b = max(t, br.earliest_s)
                if b > br.latest_s and not force:
                    return None
                stops.append(ScheduledStop(StopKind.BREAK, loc, t, b, b + br.duration_s,
                                           None, seats, wheel))
                t = b + br.duration_s
            if g == len(self.visits):
                break
            node, start = self.visits[g]
            to = data.node_loc[node]
            arrival = t + int(dur[loc, to])
            if arrival > start and not force:
                return None
            ref = data.node_ref[node]
            assert ref is not None
            seats += data.node_seats[node]
            wheel += data.node_wheel[node]
            start = max(start, arrival)
            t = start + data.node_service[node]
            stops.append(ScheduledStop(ref[1], to, arrival, start, t,
                                       data.problem.requests[ref[0]].id, seats, wheel))
            loc = to
        v = self.vehicle
        arrival = t + int(dur[loc, v.end])
        too_long = v.max_duration_s is not None and arrival - t_first > v.max_duration_s
        if (arrival > v.shift.latest_s or too_long) and not force:
            return None
        stops.append(ScheduledStop(StopKind.END, v.end, arrival, arrival, arrival,
                                   None, seats, wheel))
        return stops
