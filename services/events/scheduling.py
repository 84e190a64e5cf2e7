"""One-on-one meeting scheduling: the global optimisation and fast online insertion.

No I/O and no framework: an `Instance` in, a `Schedule` out. The rules:

* a request is placed at most once, in a slot both participants can attend;
* a participant has at most one meeting per slot, and at most `max_meetings` in all;
* a slot holds at most `tables` meetings (pool mode; at the booth there is no shared capacity);
* confirmed (`fixed`) meetings stay where they are and use up what they occupy.

Goals, in this order: the total weight of placed requests; then more participants with at
least one meeting and fewer idle gaps, never at the cost of any weight. `solve` picks *which*
meetings happen with an exact maximum-weight b-matching (a min-cost flow, whose value is also
the proven upper bound), places them by first fit with one-meeting moves (choosing again
without what did not fit), improves the placement with CP-SAT (weight, then back-to-back
meetings), places what is left greedily and never answers worse than the weight-first
`greedy`. Tables are interchangeable, so their numbers are given last. `OnlineSchedule` adds
one request at a time without moving anything.
"""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

Reason = Literal["no_common_slot", "max_meetings", "capacity", "conflict"]
SELECTION_SHARE = 0.3  # of the time limit, at most, to choose meetings that can all be placed
ASSIGNMENT_SHARE = 0.9  # of the time limit, until slots are given; the rest places leftovers
MAX_WEIGHT = 1_000_000  # keeps the scaled integer objectives far inside 64 bits
SAME_SESSION_GAP = dt.timedelta(minutes=30)  # a longer pause between slots is not an idle gap


class InvalidInstance(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Slot:
    id: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Participant:
    id: str
    kind: str
    available: frozenset[str] | None = None  # None: every slot
    max_meetings: int | None = None  # None: no limit


@dataclass(frozen=True)
class Request:
    id: str
    a: str
    b: str
    weight: int


@dataclass(frozen=True)
class Fixed:
    request: str
    slot: str
    table: int | None = None


@dataclass(frozen=True)
class Meeting:
    request: str
    slot: str
    table: int | None


@dataclass(frozen=True)
class Unscheduled:
    request: str
    reason: Reason


@dataclass(frozen=True)
class Schedule:
    meetings: list[Meeting]
    unscheduled: list[Unscheduled]
    objective: int
    upper_bound: int
    status: Literal["optimal", "feasible"]
    seconds: float


@dataclass
class Instance:
    """The expo to schedule, checked on construction (`InvalidInstance` names the field).

    Slots are referred to internally by their position in `slots`."""

    slots: list[Slot]
    tables: int | None
    participants: list[Participant]
    requests: list[Request]
    fixed: list[Fixed] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.slot_index = {slot.id: index for index, slot in enumerate(self.slots)}
        self.by_id = {p.id: p for p in self.participants}
        self.request_by_id = {r.id: r for r in self.requests}
        self.fixed_by_request = {f.request: f for f in self.fixed}
        self._order_slots()
        _unique((p.id for p in self.participants), "participants")
        _unique((r.id for r in self.requests), "requests")
        if self.tables is not None and self.tables < 1:
            raise InvalidInstance("tables", "must be at least 1, or null for meetings at the booth")
        self._validate_participants()
        everywhere = frozenset(range(len(self.slots)))
        self.open_slots = {
            p.id: everywhere
            if p.available is None
            else frozenset(self.slot_index[s] for s in p.available)
            for p in self.participants
        }
        for index, request in enumerate(self.requests):
            check_request(self, request, f"requests[{index}]")
        self._validate_fixed()

    def _order_slots(self) -> None:
        """Check the slots and find, for each, the ones right before and after it in the same
        session (no gap longer than a break): meetings there are back to back."""
        _unique((s.id for s in self.slots), "slots")
        for index, slot in enumerate(self.slots):
            if slot.start.tzinfo is None or slot.end.tzinfo is None:
                raise InvalidInstance(f"slots[{index}].start", "needs a UTC offset")
            if slot.end <= slot.start:
                raise InvalidInstance(f"slots[{index}].end", "must be after the start")
        in_time = sorted(range(len(self.slots)), key=lambda s: self.slots[s].start)
        self.rank = [0] * len(self.slots)  # chronological position: "earliest" breaks ties
        self.next_slot: list[int | None] = [None] * len(self.slots)
        self.previous_slot: list[int | None] = [None] * len(self.slots)
        for position, index in enumerate(in_time):
            self.rank[index] = position
        for earlier, later in zip(in_time, in_time[1:], strict=False):
            gap = self.slots[later].start - self.slots[earlier].end
            if gap < dt.timedelta(0):
                raise InvalidInstance(
                    f"slots[{later}].start", f"overlaps slot {self.slots[earlier].id}"
                )
            if gap <= SAME_SESSION_GAP:
                self.next_slot[earlier], self.previous_slot[later] = later, earlier
        self.neighbours = [
            [s for s in (self.previous_slot[slot], self.next_slot[slot]) if s is not None]
            for slot in range(len(self.slots))
        ]

    def _validate_participants(self) -> None:
        for index, participant in enumerate(self.participants):
            for slot_id in sorted(participant.available or ()):
                if slot_id not in self.slot_index:
                    raise InvalidInstance(
                        f"participants[{index}].available", f"unknown slot {slot_id}"
                    )
            if participant.max_meetings is not None and participant.max_meetings < 0:
                raise InvalidInstance(f"participants[{index}].max_meetings", "must not be negative")

    def _validate_fixed(self) -> None:
        busy: set[tuple[str, int]] = set()
        in_slot: dict[int, int] = defaultdict(int)
        tables_taken: set[tuple[int, int]] = set()
        counts: dict[str, int] = defaultdict(int)
        seen: set[str] = set()
        for index, fixed in enumerate(self.fixed):
            where = f"fixed[{index}]"
            request = self.request_by_id.get(fixed.request)
            if request is None:
                raise InvalidInstance(f"{where}.request", f"unknown request {fixed.request}")
            if fixed.request in seen:
                raise InvalidInstance(f"{where}.request", "fixed twice")
            seen.add(fixed.request)
            slot = self.slot_index.get(fixed.slot)
            if slot is None:
                raise InvalidInstance(f"{where}.slot", f"unknown slot {fixed.slot}")
            for person in (request.a, request.b):
                if not self.available(person, slot):
                    raise InvalidInstance(f"{where}.slot", f"{person} is not available then")
                if (person, slot) in busy:
                    raise InvalidInstance(f"{where}.slot", f"{person} has two meetings then")
                busy.add((person, slot))
                counts[person] += 1
                limit = self.by_id[person].max_meetings
                if limit is not None and counts[person] > limit:
                    raise InvalidInstance(f"{where}.request", f"{person} exceeds max_meetings")
            if self.tables is None:
                if fixed.table is not None:
                    raise InvalidInstance(f"{where}.table", "meetings at the booth have no table")
                continue
            if fixed.table is not None:
                if not 1 <= fixed.table <= self.tables or (slot, fixed.table) in tables_taken:
                    raise InvalidInstance(f"{where}.table", "no such table, or already taken")
                tables_taken.add((slot, fixed.table))
            in_slot[slot] += 1
            if in_slot[slot] > self.tables:
                raise InvalidInstance(f"{where}.slot", "more confirmed meetings than tables")

    def available(self, participant_id: str, slot: int) -> bool:
        return slot in self.open_slots[participant_id]

    def common_slots(self, request: Request) -> frozenset[int]:
        return self.open_slots[request.a] & self.open_slots[request.b]


def check_request(instance: Instance, request: Request, where: str) -> None:
    """The rules of one request on its own (`where` names it in the error)."""
    for side in ("a", "b"):
        if getattr(request, side) not in instance.by_id:
            raise InvalidInstance(
                f"{where}.{side}", f"unknown participant {getattr(request, side)}"
            )
    if request.a == request.b:
        raise InvalidInstance(f"{where}.b", "a participant cannot meet themselves")
    if not 1 <= request.weight <= MAX_WEIGHT:
        raise InvalidInstance(f"{where}.weight", f"an integer from 1 to {MAX_WEIGHT}")


def _unique(ids: Iterable[str], field_name: str) -> None:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident in seen:
            raise InvalidInstance(f"{field_name}[{index}].id", f"duplicate id {ident}")
        seen.add(ident)


# -- booking state: shared by greedy, online insertion and the reasons ------------------------
class Booking:
    """Who meets when, and how many meetings each slot and each participant has: enough to
    place one more meeting in O(slots)."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.at: dict[tuple[str, int], str] = {}  # (participant, slot): the request met there
        self.in_slot: dict[int, set[str]] = defaultdict(set)
        self.tables_used: dict[int, set[int]] = defaultdict(set)
        self.count: dict[str, int] = defaultdict(int)
        self.meetings: dict[str, Meeting] = {}
        self.requests: dict[str, Request] = {}  # of the meetings

    def copy(self) -> Booking:
        twin = Booking(self.instance)
        twin.at = dict(self.at)
        twin.in_slot = defaultdict(set, {s: set(r) for s, r in self.in_slot.items()})
        twin.tables_used = defaultdict(set, {s: set(t) for s, t in self.tables_used.items()})
        twin.count = defaultdict(int, self.count)
        twin.meetings = dict(self.meetings)
        twin.requests = dict(self.requests)
        return twin

    def book(self, request: Request, slot: int, table: int | None) -> Meeting:
        for person in (request.a, request.b):
            self.at[person, slot] = request.id
            self.count[person] += 1
        self.in_slot[slot].add(request.id)
        if table is not None:
            self.tables_used[slot].add(table)
        meeting = Meeting(request.id, self.instance.slots[slot].id, table)
        self.meetings[request.id] = meeting
        self.requests[request.id] = request
        return meeting

    def unbook(self, request_id: str) -> None:
        meeting, request = self.meetings.pop(request_id), self.requests.pop(request_id)
        slot = self.instance.slot_index[meeting.slot]
        for person in (request.a, request.b):
            del self.at[person, slot]
            self.count[person] -= 1
        self.in_slot[slot].discard(request_id)
        if meeting.table is not None:
            self.tables_used[slot].discard(meeting.table)

    def place(self, request: Request) -> Meeting | None:
        """Book the request in its best free slot at the lowest free table, if it fits."""
        slot = self.best_slot(request) if self.under_limits(request) else None
        return None if slot is None else self.book(request, slot, self.free_table(slot))

    def place_moving_one(self, request: Request) -> Meeting | None:
        """Book the request by moving one unconfirmed meeting to another free slot: one that
        keeps a participant busy in a common slot, or, in a full slot where both are free, one
        that holds a table there. Earliest common slot first."""
        if not self.under_limits(request):
            return None
        for slot in sorted(self.instance.common_slots(request), key=self.instance.rank.__getitem__):
            blockers = {self.at[p, slot] for p in (request.a, request.b) if (p, slot) in self.at}
            if not blockers and self.has_room(slot):
                return self.book(request, slot, self.free_table(slot))
            if len(blockers) > 1:
                continue  # both are busy: two meetings would have to move
            for other_id in sorted(blockers or self.in_slot[slot]):
                if other_id in self.instance.fixed_by_request:
                    continue
                other = self.requests[other_id]
                target = self.best_slot(other)
                if target is not None:
                    self.unbook(other_id)
                    self.book(other, target, self.free_table(target))
                    return self.book(request, slot, self.free_table(slot))
        return None

    def remaining(self, person: str) -> int | None:
        """Meetings the participant may still have (None: no limit)."""
        limit = self.instance.by_id[person].max_meetings
        return None if limit is None else limit - self.count[person]

    def under_limits(self, request: Request) -> bool:
        return all(
            (remaining := self.remaining(person)) is None or remaining > 0
            for person in (request.a, request.b)
        )

    def both_free(self, request: Request, slot: int) -> bool:
        return (request.a, slot) not in self.at and (request.b, slot) not in self.at

    def has_room(self, slot: int) -> bool:
        return self.instance.tables is None or len(self.in_slot[slot]) < self.instance.tables

    def free_table(self, slot: int) -> int | None:
        """The lowest free table number (None at the booth); the slot must have room."""
        if self.instance.tables is None:
            return None
        used = self.tables_used[slot]
        return next(n for n in range(1, self.instance.tables + 1) if n not in used)

    def best_slot(self, request: Request) -> int | None:
        """The free common slot next to most of the two participants' meetings (closing idle
        gaps rather than opening them), earliest first. Meeting limits are the caller's."""
        at, neighbours, rank = self.at, self.instance.neighbours, self.instance.rank
        a, b = request.a, request.b
        best: tuple[int, int] | None = None
        chosen = None
        for slot in self.instance.common_slots(request):
            if (a, slot) in at or (b, slot) in at or not self.has_room(slot):
                continue
            touching = sum(((a, n) in at) + ((b, n) in at) for n in neighbours[slot])
            key = (-touching, rank[slot])
            if best is None or key < best:
                best, chosen = key, slot
        return chosen

    def reason(self, request: Request) -> Reason:
        """Why the request is not placed, for a booking where it does not fit."""
        common = self.instance.common_slots(request)
        if not common:
            return "no_common_slot"
        if not self.under_limits(request):
            return "max_meetings"
        if any(self.both_free(request, s) for s in common):
            return "capacity"
        return "conflict"


def _start_from_fixed(instance: Instance) -> Booking:
    booking = Booking(instance)
    # Those with a table first, so the others cannot take it.
    for fixed in sorted(instance.fixed, key=lambda f: f.table is None):
        slot = instance.slot_index[fixed.slot]
        table = fixed.table if fixed.table is not None else booking.free_table(slot)
        booking.book(instance.request_by_id[fixed.request], slot, table)
    return booking


def _by_weight(instance: Instance) -> list[Request]:
    return sorted(
        (r for r in instance.requests if r.id not in instance.fixed_by_request),
        key=lambda r: (-r.weight, r.id),
    )


def _weight(instance: Instance, booking: Booking) -> int:
    return sum(instance.request_by_id[r].weight for r in booking.meetings)


def _finish(instance: Instance, booking: Booking, upper_bound: int, started: float) -> Schedule:
    objective = _weight(instance, booking)
    return Schedule(
        meetings=sorted(booking.meetings.values(), key=lambda m: m.request),
        unscheduled=[
            Unscheduled(r.id, booking.reason(r))
            for r in sorted(instance.requests, key=lambda r: r.id)
            if r.id not in booking.meetings
        ],
        objective=objective,
        upper_bound=upper_bound,
        status="optimal" if objective == upper_bound else "feasible",
        seconds=time.perf_counter() - started,
    )


def greedy(instance: Instance) -> Schedule:
    """Weight first: each request, heaviest first, in its best free slot. The baseline."""
    started = time.perf_counter()
    booking = _start_from_fixed(instance)
    for request in _by_weight(instance):
        booking.place(request)
    return _finish(instance, booking, combinatorial_bound(instance), started)


def combinatorial_bound(instance: Instance) -> int:
    """A proven upper bound without a solver: a participant holds at most min(max_meetings,
    slots they attend) meetings, so the placed weight is at most, for either side of the
    requests, the sum over its participants of their heaviest that many requests; and at most
    the heaviest `tables × slots` requests."""
    reachable = [r for r in instance.requests if instance.common_slots(r)]
    bounds = []
    for side in ("a", "b"):
        weights: dict[str, list[int]] = defaultdict(list)
        for request in reachable:
            weights[getattr(request, side)].append(request.weight)
        total = 0
        for person, own in weights.items():
            room = len(instance.open_slots[person])
            limit = instance.by_id[person].max_meetings
            total += sum(heapq.nlargest(room if limit is None else min(room, limit), own))
        bounds.append(total)
    if instance.tables is not None:
        heaviest = heapq.nlargest(
            instance.tables * len(instance.slots), (r.weight for r in reachable)
        )
        bounds.append(sum(heaviest))
    return min(bounds)


# -- the global optimisation -----------------------------------------------------------------
def solve(instance: Instance, time_limit: float, workers: int = 2) -> Schedule:
    """Choose the meetings by a maximum-weight b-matching (exact, as a min-cost flow; its value
    is a proven bound), place them (first fit, moves, then CP-SAT), then place what is left
    in any free slot. Never worse than the greedy; returns within about `time_limit` seconds."""
    started = time.perf_counter()
    baseline = greedy(instance)
    fixed = _start_from_fixed(instance)
    selected, placed, flow_bound = _choose_meetings(
        instance, fixed, started + time_limit * SELECTION_SHARE
    )
    booking = _assign_slots(
        instance, fixed, selected, placed, started + time_limit * ASSIGNMENT_SHARE, workers
    )
    placed_some = True
    while placed_some:  # what did not get a slot, or was not selected; a move may make room
        placed_some = False
        for request in _by_weight(instance):
            if request.id not in booking.meetings and (
                booking.place(request) or booking.place_moving_one(request)
            ):
                placed_some = True
    if _weight(instance, booking) < baseline.objective:
        booking = _rebook(instance, baseline)
    return _finish(instance, booking, min(baseline.upper_bound, flow_bound), started)


def _rebook(instance: Instance, schedule: Schedule) -> Booking:
    booking = Booking(instance)
    for meeting in schedule.meetings:
        request = instance.request_by_id[meeting.request]
        booking.book(request, instance.slot_index[meeting.slot], meeting.table)
    return booking


def _choose_meetings(
    instance: Instance, fixed: Booking, deadline: float
) -> tuple[list[Request], Booking, int]:
    """The meetings to hold, a placement of them, and the proven upper bound.

    A heaviest selection may have no placement: two of its meetings may need the same
    participant, or the last table, in the only slots they share. The meetings the placement
    misses are then left out and the flow chooses again (as heavy or a little lighter, and
    often placeable), while time lasts and a new choice could beat the best placement."""
    selected, bound = _select_by_flow(instance, fixed, set())
    placed = _first_fit(fixed, selected)
    best_selected, best = selected, placed
    banned: set[str] = set()
    while time.perf_counter() < deadline:
        missing = {r.id for r in selected if r.id not in placed.meetings}
        if not missing:
            break
        banned |= missing
        selected, reachable = _select_by_flow(instance, fixed, banned)
        if reachable <= _weight(instance, best):
            break
        placed = _first_fit(fixed, selected)
        if _weight(instance, placed) > _weight(instance, best):
            best_selected, best = selected, placed
    return best_selected, best, bound


def _first_fit(fixed: Booking, requests: list[Request]) -> Booking:
    """Place the requests one by one, the most constrained first (a request that fits in few
    slots takes them before others), then those left over by moving one meeting each."""
    trial = fixed.copy()
    options = {
        r.id: sum(
            fixed.both_free(r, s) and fixed.has_room(s) for s in fixed.instance.common_slots(r)
        )
        for r in requests
    }
    for request in sorted(requests, key=lambda r: (options[r.id], -r.weight, r.id)):
        trial.place(request)
    for request in requests:
        if request.id not in trial.meetings:
            trial.place_moving_one(request)
    return trial


def _select_by_flow(
    instance: Instance, fixed: Booking, banned: set[str]
) -> tuple[list[Request], int]:
    """The heaviest set of requests such that nobody has more meetings than their limit or the
    free slots they attend, and no more meetings than free tables in all: a bipartite
    b-matching (side a to side b), solved exactly as a min-cost flow. Every schedule obeys
    these limits, so the fixed weight plus its weight is a proven upper bound (it ignores only
    which slots the two share; without `banned` requests, it bounds only schedules without them).
    Among the heaviest sets it takes one that leaves the fewest participants without any
    meeting."""
    candidates = [
        r
        for r in _by_weight(instance)
        if r.id not in banned
        and fixed.under_limits(r)
        and any(fixed.both_free(r, s) and fixed.has_room(s) for s in instance.common_slots(r))
    ]

    def room(person: str) -> int:
        free = len(instance.open_slots[person]) - fixed.count[person]  # fixed: all attended
        remaining = fixed.remaining(person)
        return free if remaining is None else min(free, remaining)

    sides = {
        "a": {person: room(person) for person in sorted({r.a for r in candidates})},
        "b": {person: room(person) for person in sorted({r.b for r in candidates})},
    }
    # Weight first, then fairness: the first meeting of a participant who has none earns a
    # bonus of 1, and weights are scaled past the sum of all bonuses, so no bonus can cost any
    # weight and the weight is read back exactly by integer division.
    bonus = {
        (side, person)
        for side, rooms in sides.items()
        for person, free in rooms.items()
        if free > 0 and fixed.count[person] == 0
    }
    scale = len(bonus) + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    nodes: dict[tuple[str, str], int] = {}

    def node(side: str, name: str) -> int:
        return nodes.setdefault((side, name), len(nodes))

    source, hub, sink = node("", "source"), node("", "hub"), node("", "sink")
    arcs = [
        (
            flow.add_arc_with_capacity_and_unit_cost(
                node("a", r.a), node("b", r.b), 1, -scale * r.weight
            ),
            r,
        )
        for r in candidates
    ]
    for side, rooms in sides.items():
        for person, free in rooms.items():
            tail, head = (hub, node("a", person)) if side == "a" else (node("b", person), sink)
            first = 1 if (side, person) in bonus else 0
            if first:
                flow.add_arc_with_capacity_and_unit_cost(tail, head, 1, -1)
            if free > first:
                flow.add_arc_with_capacity_and_unit_cost(tail, head, free - first, 0)
    supply = sum(sides["a"].values())
    if instance.tables is not None:
        supply = min(
            supply, sum(instance.tables - len(fixed.in_slot[s]) for s in range(len(instance.slots)))
        )
    flow.add_arc_with_capacity_and_unit_cost(source, hub, supply, 0)
    flow.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)  # flow that meets nobody
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    if flow.solve() != flow.OPTIMAL:
        return candidates, combinatorial_bound(instance)
    fixed_weight = sum(instance.request_by_id[f.request].weight for f in instance.fixed)
    selected = [r for arc, r in arcs if flow.flow(arc) > 0]
    return selected, fixed_weight + (-flow.optimal_cost()) // scale


def _assign_slots(
    instance: Instance,
    fixed: Booking,
    requests: list[Request],
    placed: Booking,
    deadline: float,
    workers: int,
) -> Booking:
    """Improve the placement of the chosen meetings with CP-SAT and return the best found:
    first more weight, if the placement misses some; then, keeping that weight, as many
    back-to-back meetings as possible (fewer idle gaps)."""
    model = cp_model.CpModel()
    variables: dict[tuple[str, int], cp_model.IntVar] = {}
    per_person_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    per_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    per_person: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    requests_of: dict[str, int] = defaultdict(int)
    for request in requests:
        options = []
        for slot in sorted(instance.common_slots(request)):
            if fixed.both_free(request, slot) and fixed.has_room(slot):
                variable = model.new_bool_var("")
                variables[request.id, slot] = variable
                options.append(variable)
                per_slot[slot].append(variable)
                for person in (request.a, request.b):
                    per_person_slot[person, slot].append(variable)
                    per_person[person].append(variable)
        if len(options) > 1:
            model.add_at_most_one(options)
        for person in (request.a, request.b):
            requests_of[person] += 1
    for group in per_person_slot.values():
        if len(group) > 1:
            model.add_at_most_one(group)
    for person, group in per_person.items():
        remaining = fixed.remaining(person)
        if remaining is not None and requests_of[person] > remaining:
            model.add(sum(group) <= remaining)
    if instance.tables is not None:
        for slot, group in per_slot.items():
            free = instance.tables - len(fixed.in_slot[slot])
            if len(group) > free:
                model.add(sum(group) <= free)
    weight = {r.id: r.weight for r in requests}
    placed_weight = sum(weight[rid] * v for (rid, _), v in variables.items())
    chosen = {
        (rid, instance.slot_index[m.slot])
        for rid, m in placed.meetings.items()
        if rid not in instance.fixed_by_request
    }
    best = sum(weight[rid] for rid, _ in chosen)
    if best < sum(weight.values()):
        model.maximize(placed_weight)
        _hint(model, variables, chosen)
        now = time.perf_counter()
        solver = _solver(workers, now + (deadline - now) / 2)
        if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if round(solver.objective_value) > best:
                chosen = {key for key, v in variables.items() if solver.boolean_value(v)}
                best = round(solver.objective_value)
    together = _back_to_back(instance, fixed, model, per_person_slot)
    if together and time.perf_counter() < deadline:
        # Lexicographic: keep the weight, then close idle gaps in the time left.
        model.add(placed_weight >= best)
        model.maximize(sum(together))
        _hint(model, variables, chosen)
        for pair in together:
            model.add_hint(pair, False)
        solver = _solver(workers, deadline)
        if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = {key for key, v in variables.items() if solver.boolean_value(v)}
    booking = fixed.copy()
    for request_id, slot in sorted(chosen, key=lambda key: (key[1], key[0])):
        booking.book(instance.request_by_id[request_id], slot, booking.free_table(slot))
    return booking


def _hint(
    model: cp_model.CpModel,
    variables: dict[tuple[str, int], cp_model.IntVar],
    chosen: set[tuple[str, int]],
) -> None:
    model.proto.clear_solution_hint()
    for key, variable in variables.items():
        model.add_hint(variable, key in chosen)


def _solver(workers: int, deadline: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    # The model took time to build: the solver gets what is left until the deadline.
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.05)
    return solver


def _back_to_back(
    instance: Instance,
    booking: Booking,
    model: cp_model.CpModel,
    per_person_slot: dict[tuple[str, int], list[cp_model.IntVar]],
) -> list[cp_model.IntVar]:
    """One Boolean per participant and pair of consecutive slots that may both hold one of
    their meetings (a placed one, or a choice of the model): true only if both do."""
    pairs: set[tuple[str, int, int]] = set()
    for person, slot in per_person_slot:
        for first in (instance.previous_slot[slot], slot):
            second = None if first is None else instance.next_slot[first]
            if first is not None and second is not None:
                pairs.add((person, first, second))
    together = []
    for person, first, second in sorted(pairs):
        sides: list[list[cp_model.IntVar]] = []
        for slot in (first, second):
            if (person, slot) in per_person_slot:
                sides.append(per_person_slot[person, slot])
            elif (person, slot) not in booking.at:
                break  # never busy there: the pair cannot happen
        else:
            both = model.new_bool_var("")
            for group in sides:
                model.add(sum(group) >= 1).only_enforce_if(both)
            together.append(both)
    return together


# -- online insertion ------------------------------------------------------------------------
class OnlineSchedule:
    """A finished schedule that takes one new request at a time, in O(slots), and never moves
    a placed meeting: the new one goes to the free common slot next to most of the two
    participants' meetings, earliest first."""

    def __init__(self, instance: Instance, schedule: Schedule) -> None:
        self.instance = instance
        self.booking = _rebook(instance, schedule)

    def insert(self, request: Request) -> Meeting | Unscheduled:
        check_request(self.instance, request, "request")
        if request.id in self.booking.meetings:
            raise InvalidInstance("request.id", f"{request.id} is already scheduled")
        meeting = self.booking.place(request)
        if meeting is None:
            return Unscheduled(request.id, self.booking.reason(request))
        return meeting


def check_feasible(instance: Instance, schedule: Schedule) -> list[str]:
    """Every rule a schedule breaks, in words (empty when there is none): the hard rules, the
    confirmed meetings, the objective and its bound, and that every request left out is listed
    once with the true reason it does not fit."""
    problems: list[str] = []
    booking = Booking(instance)
    tables: dict[str, set[int | None]] = defaultdict(set)
    for meeting in schedule.meetings:
        request = instance.request_by_id.get(meeting.request)
        slot = instance.slot_index.get(meeting.slot)
        if request is None or slot is None:
            problems.append(f"{meeting.request}: unknown request or slot")
            continue
        if meeting.request in booking.meetings:
            problems.append(f"{meeting.request}: placed twice")
        for person in (request.a, request.b):
            if not instance.available(person, slot):
                problems.append(f"{meeting.request}: {person} not available in {meeting.slot}")
            if (person, slot) in booking.at:
                problems.append(f"{meeting.request}: {person} double-booked in {meeting.slot}")
        if instance.tables is None:
            if meeting.table is not None:
                problems.append(f"{meeting.request}: a table at the booth")
        elif meeting.table is None or not 1 <= meeting.table <= instance.tables:
            problems.append(f"{meeting.request}: table {meeting.table} does not exist")
        elif meeting.table in tables[meeting.slot]:
            problems.append(f"{meeting.request}: table {meeting.table} double-booked")
        tables[meeting.slot].add(meeting.table)
        booking.book(request, slot, meeting.table)
    for person, count in booking.count.items():
        limit = instance.by_id[person].max_meetings
        if limit is not None and count > limit:
            problems.append(f"{person}: {count} meetings, more than {limit}")
    for fixed in instance.fixed:
        kept = booking.meetings.get(fixed.request)
        if (
            kept is None
            or kept.slot != fixed.slot
            or (fixed.table is not None and kept.table != fixed.table)
        ):
            problems.append(f"{fixed.request}: a confirmed meeting moved")
    weight = _weight(instance, booking)
    if weight != schedule.objective:
        problems.append(f"objective {schedule.objective} is not the placed weight {weight}")
    if schedule.objective > schedule.upper_bound:
        problems.append("objective above the upper bound")
    left_out = sorted(u.request for u in schedule.unscheduled)
    if left_out != sorted(set(instance.request_by_id) - set(booking.meetings)):
        problems.append("the unscheduled list is not exactly the requests left out")
    for unscheduled in schedule.unscheduled:
        request = instance.request_by_id.get(unscheduled.request)
        if request is None or request.id in booking.meetings:
            continue
        if booking.under_limits(request) and booking.best_slot(request) is not None:
            problems.append(f"{request.id}: left out, but it fits")
        elif unscheduled.reason != booking.reason(request):
            problems.append(
                f"{request.id}: reason {unscheduled.reason}, but it is {booking.reason(request)}"
            )
    return problems


# -- the file format -------------------------------------------------------------------------
def instance_from_json(document: Any) -> Instance:
    """An `Instance` from the documented JSON shape; `InvalidInstance` names what is wrong."""
    if not isinstance(document, dict):
        raise InvalidInstance("$", "an instance is a JSON object")
    slots = [
        Slot(_string(item, "id", where), _time(item, "start", where), _time(item, "end", where))
        for where, item in _objects(document, "slots")
    ]
    tables = document.get("tables")
    if tables is not None and (not isinstance(tables, int) or isinstance(tables, bool)):
        raise InvalidInstance("tables", "an integer, or null for meetings at the booth")
    participants = []
    for where, item in _objects(document, "participants"):
        available = item.get("available")
        if available is not None and (
            not isinstance(available, list) or not all(isinstance(s, str) for s in available)
        ):
            raise InvalidInstance(f"{where}.available", "a list of slot ids")
        kind = item.get("kind", "participant")
        if not isinstance(kind, str):
            raise InvalidInstance(f"{where}.kind", "a string")
        participants.append(
            Participant(
                _string(item, "id", where),
                kind,
                frozenset(available) if available is not None else None,
                _optional_int(item, "max_meetings", where),
            )
        )
    requests = [
        Request(
            _string(item, "id", where),
            _string(item, "a", where),
            _string(item, "b", where),
            _int(item, "weight", where),
        )
        for where, item in _objects(document, "requests")
    ]
    fixed = [
        Fixed(
            _string(item, "request", where),
            _string(item, "slot", where),
            _optional_int(item, "table", where),
        )
        for where, item in _objects(document, "fixed", optional=True)
    ]
    return Instance(slots, tables, participants, requests, fixed)


def schedule_to_json(schedule: Schedule) -> dict[str, Any]:
    return {
        "meetings": [
            {"request": m.request, "slot": m.slot, "table": m.table} for m in schedule.meetings
        ],
        "unscheduled": [{"request": u.request, "reason": u.reason} for u in schedule.unscheduled],
        "objective": schedule.objective,
        "upper_bound": schedule.upper_bound,
        "status": schedule.status,
        "seconds": round(schedule.seconds, 3),
    }


def _objects(
    document: dict[str, Any], key: str, optional: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    """The list under `key`, each object with its path for error messages."""
    value = document.get(key)
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise InvalidInstance(key, "a list of objects")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidInstance(f"{key}[{index}]", "an object")
    return [(f"{key}[{index}]", item) for index, item in enumerate(value)]


def _string(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInstance(f"{where}.{key}", "a non-empty string")
    return value


def _int(item: dict[str, Any], key: str, where: str) -> int:
    value = item.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInstance(f"{where}.{key}", "an integer")
    return value


def _optional_int(item: dict[str, Any], key: str, where: str) -> int | None:
    return None if item.get(key) is None else _int(item, key, where)


def _time(item: dict[str, Any], key: str, where: str) -> dt.datetime:
    text = _string(item, key, where)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as wrong:
        raise InvalidInstance(f"{where}.{key}", "an ISO 8601 date-time with offset") from wrong
    if moment.tzinfo is None:
        raise InvalidInstance(f"{where}.{key}", "needs a UTC offset")
    return moment
