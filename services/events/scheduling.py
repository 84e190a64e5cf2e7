"""One-on-one meeting scheduling: the global optimisation and fast online insertion.

No I/O and no framework: an `Instance` in, a `Schedule` out. The global run is a CP-SAT model
(OR-Tools) with one Boolean per (request, slot) the two participants can both attend:

* each request is placed at most once;
* a participant has at most one meeting per slot, and at most `max_meetings` in all;
* a slot holds at most `tables` meetings (pool mode; at the booth there is no shared capacity);
* confirmed (`fixed`) meetings stay where they are and use up what they occupy.

It maximises the total weight of placed requests, starting from the weight-first greedy
answer, so it never does worse than the greedy. With the time that remains it improves the
secondary goals without giving up any weight: more participants with at least one meeting
(fairness) and meetings next to each other (fewer idle gaps). Tables are interchangeable, so
numbers are given afterwards. The upper bound is the solver's proven bound, tightened by a
combinatorial one, so `objective / upper_bound` is a guaranteed quality ratio.
"""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

Reason = Literal["no_common_slot", "max_meetings", "capacity", "conflict"]
ASSIGNMENT_SHARE = 0.9  # of the time limit, until slots are given; the rest places leftovers


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
        self._validate()

    def _validate(self) -> None:
        _unique((s.id for s in self.slots), "slots")
        _unique((p.id for p in self.participants), "participants")
        _unique((r.id for r in self.requests), "requests")
        if self.tables is not None and self.tables < 1:
            raise InvalidInstance("tables", "must be at least 1, or null for meetings at the booth")
        for index, participant in enumerate(self.participants):
            for slot_id in sorted(participant.available or ()):
                if slot_id not in self.slot_index:
                    raise InvalidInstance(
                        f"participants[{index}].available", f"unknown slot {slot_id}"
                    )
            if participant.max_meetings is not None and participant.max_meetings < 0:
                raise InvalidInstance(f"participants[{index}].max_meetings", "must not be negative")
        for index, request in enumerate(self.requests):
            for side in ("a", "b"):
                if getattr(request, side) not in self.by_id:
                    raise InvalidInstance(
                        f"requests[{index}].{side}", f"unknown participant {getattr(request, side)}"
                    )
            if request.a == request.b:
                raise InvalidInstance(
                    f"requests[{index}].b", "a participant cannot meet themselves"
                )
            if request.weight < 1:
                raise InvalidInstance(f"requests[{index}].weight", "must be a positive integer")
        self._validate_fixed()

    def _validate_fixed(self) -> None:
        busy: set[tuple[str, int]] = set()
        per_slot: dict[int, set[int | None]] = defaultdict(set)
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
            if self.tables is not None:
                if fixed.table is not None:
                    if not 1 <= fixed.table <= self.tables or fixed.table in per_slot[slot]:
                        raise InvalidInstance(f"{where}.table", "no such table, or taken")
                per_slot[slot].add(fixed.table if fixed.table is not None else -index - 1)
                if len(per_slot[slot]) > self.tables:
                    raise InvalidInstance(f"{where}.slot", "more fixed meetings than tables")

    def available(self, participant_id: str, slot: int) -> bool:
        allowed = self.by_id[participant_id].available
        return allowed is None or self.slots[slot].id in allowed

    def common_slots(self, request: Request) -> list[int]:
        return [
            s
            for s in range(len(self.slots))
            if self.available(request.a, s) and self.available(request.b, s)
        ]

    def adjacent(self, slot: int) -> list[int]:
        """The slots right before and after, when they follow without a gap of more than the
        usual break (same session)."""
        neighbours = []
        for other in (slot - 1, slot + 1):
            if 0 <= other < len(self.slots):
                first, second = sorted((slot, other))
                gap = self.slots[second].start - self.slots[first].end
                if dt.timedelta(0) <= gap <= dt.timedelta(minutes=30):
                    neighbours.append(other)
        return neighbours


def _unique(ids: Iterable[str], field_name: str) -> None:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident in seen:
            raise InvalidInstance(f"{field_name}[{index}].id", f"duplicate id {ident}")
        seen.add(ident)


# -- booking state: shared by greedy, online insertion and the reasons ------------------------
class Booking:
    """Who is busy when, how many tables each slot uses and how many meetings each participant
    has: enough to place one more meeting in O(slots)."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.busy: dict[str, set[int]] = defaultdict(set)
        self.tables_used: dict[int, set[int]] = defaultdict(set)
        self.placed_in_slot: dict[int, int] = defaultdict(int)
        self.count: dict[str, int] = defaultdict(int)
        self.meetings: dict[str, Meeting] = {}

    def book(self, request: Request, slot: int, table: int | None) -> Meeting:
        for person in (request.a, request.b):
            self.busy[person].add(slot)
            self.count[person] += 1
        self.placed_in_slot[slot] += 1
        if table is not None:
            self.tables_used[slot].add(table)
        meeting = Meeting(request.id, self.instance.slots[slot].id, table)
        self.meetings[request.id] = meeting
        return meeting

    def under_limit(self, person: str) -> bool:
        limit = self.instance.by_id[person].max_meetings
        return limit is None or self.count[person] < limit

    def both_free(self, request: Request, slot: int) -> bool:
        return slot not in self.busy[request.a] and slot not in self.busy[request.b]

    def free_table(self, slot: int) -> int | None | Literal[False]:
        """A free table number, None at the booth, False when the slot is full."""
        tables = self.instance.tables
        if tables is None:
            return None
        if self.placed_in_slot[slot] >= tables:
            return False
        used = self.tables_used[slot]
        return next(n for n in range(1, tables + 1) if n not in used)

    def best_slot(self, request: Request, slots: Iterable[int]) -> tuple[int, int | None] | None:
        """The feasible slot that touches most of the two participants' meetings (closing idle
        gaps rather than opening them), earliest first."""
        best: tuple[tuple[int, int], int, int | None] | None = None
        for slot in slots:
            if not self.both_free(request, slot):
                continue
            table = self.free_table(slot)
            if table is False:
                continue
            touching = sum(
                other in self.busy[person]
                for person in (request.a, request.b)
                for other in self.instance.adjacent(slot)
            )
            rank = (-touching, slot)
            if best is None or rank < best[0]:
                best = (rank, slot, table)
        return None if best is None else (best[1], best[2])

    def reason(self, request: Request) -> Reason:
        common = self.instance.common_slots(request)
        if not common:
            return "no_common_slot"
        if not (self.under_limit(request.a) and self.under_limit(request.b)):
            return "max_meetings"
        if any(self.both_free(request, s) for s in common):
            return "capacity"
        return "conflict"


def _start_from_fixed(instance: Instance) -> Booking:
    booking = Booking(instance)
    for fixed in sorted(instance.fixed, key=lambda f: f.table is None):
        slot = instance.slot_index[fixed.slot]
        table = fixed.table
        if instance.tables is not None and table is None:
            table = booking.free_table(slot) or None
        booking.book(instance.request_by_id[fixed.request], slot, table)
    return booking


def _by_weight(instance: Instance) -> list[Request]:
    return sorted(
        (r for r in instance.requests if r.id not in instance.fixed_by_request),
        key=lambda r: (-r.weight, r.id),
    )


def _finish(
    instance: Instance,
    booking: Booking,
    upper_bound: int,
    started: float,
    proven: bool = False,
) -> Schedule:
    meetings = sorted(booking.meetings.values(), key=lambda m: m.request)
    objective = sum(instance.request_by_id[m.request].weight for m in meetings)
    bound = max(objective, upper_bound)
    unscheduled = [
        Unscheduled(r.id, booking.reason(r))
        for r in sorted(instance.requests, key=lambda r: r.id)
        if r.id not in booking.meetings
    ]
    return Schedule(
        meetings=meetings,
        unscheduled=unscheduled,
        objective=objective,
        upper_bound=bound,
        status="optimal" if proven or objective == bound else "feasible",
        seconds=time.perf_counter() - started,
    )


def greedy(instance: Instance) -> Schedule:
    """Weight first: each request, heaviest first, in its best free slot. The baseline."""
    started = time.perf_counter()
    booking = _start_from_fixed(instance)
    for request in _by_weight(instance):
        if booking.under_limit(request.a) and booking.under_limit(request.b):
            choice = booking.best_slot(request, instance.common_slots(request))
            if choice is not None:
                booking.book(request, *choice)
    return _finish(instance, booking, combinatorial_bound(instance), started)


def combinatorial_bound(instance: Instance) -> int:
    """A proven upper bound without a solver: each participant holds at most min(max_meetings,
    slots it can attend) meetings, so the weight through one side of every request is at most
    the sum of each participant's heaviest that many requests; the same per slot capacity."""
    bounds = []
    for side in ("a", "b"):
        weights: dict[str, list[int]] = defaultdict(list)
        for request in instance.requests:
            if instance.common_slots(request):
                weights[getattr(request, side)].append(request.weight)
        total = 0
        for person, own in weights.items():
            participant = instance.by_id[person]
            reachable = sum(instance.available(person, s) for s in range(len(instance.slots)))
            room = min(
                participant.max_meetings if participant.max_meetings is not None else reachable,
                reachable,
            )
            total += sum(heapq.nlargest(room, own))
        bounds.append(total)
    if instance.tables is not None:
        heaviest = sorted((r.weight for r in instance.requests), reverse=True)
        bounds.append(sum(heaviest[: instance.tables * len(instance.slots)]))
    return min(bounds)


# -- the global optimisation -----------------------------------------------------------------
def solve(instance: Instance, time_limit: float, workers: int = 2) -> Schedule:
    """Choose the meetings by a maximum-weight degree-constrained matching (exact, as a min-cost
    flow; its value is a proven bound), give them slots with CP-SAT, then place what is left
    in any free slot. Never worse than the greedy."""
    started = time.perf_counter()
    baseline = greedy(instance)
    booking = _start_from_fixed(instance)
    selected, flow_bound = _select_by_flow(instance, booking)
    deadline = started + time_limit * ASSIGNMENT_SHARE
    _assign_slots(instance, booking, list(range(len(instance.slots))), selected, deadline, workers)
    for request in _by_weight(instance):  # what could not get a slot, or was not selected
        if request.id in booking.meetings:
            continue
        if booking.under_limit(request.a) and booking.under_limit(request.b):
            choice = booking.best_slot(request, instance.common_slots(request))
            if choice is not None:
                booking.book(request, *choice)
    bound = min(combinatorial_bound(instance), flow_bound)
    result = _finish(instance, booking, bound, started)
    if result.objective < baseline.objective:
        return _finish(instance, _rebook(instance, baseline), bound, started)
    return result


def _rebook(instance: Instance, schedule: Schedule) -> Booking:
    booking = Booking(instance)
    for meeting in schedule.meetings:
        request = instance.request_by_id[meeting.request]
        booking.book(request, instance.slot_index[meeting.slot], meeting.table)
    return booking


def _select_by_flow(instance: Instance, fixed: Booking) -> tuple[list[Request], int]:
    """The heaviest set of requests such that nobody has more meetings than their limit or the
    free slots they can attend, and no more meetings than free tables in all: a bipartite
    b-matching, solved exactly as a min-cost flow. Every schedule obeys these limits, so its
    weight is a proven upper bound (it ignores only which slots the two share). Among the
    heaviest sets it takes one that gives the most participants at least one meeting."""
    flow = min_cost_flow.SimpleMinCostFlow()
    nodes: dict[tuple[str, str], int] = {}

    def node(kind: str, name: str) -> int:
        return nodes.setdefault((kind, name), len(nodes))

    source, hub, sink = node("", "source"), node("", "hub"), node("", "sink")
    # Weight first, then fairness: each participant's first meeting earns a bonus of 1, and
    # weights are scaled past the sum of all bonuses, so no bonus can cost any weight.
    scale = len(instance.participants) + 1
    candidates = [
        r
        for r in _by_weight(instance)
        if fixed.under_limit(r.a)
        and fixed.under_limit(r.b)
        and any(
            fixed.both_free(r, s) and fixed.free_table(s) is not False
            for s in instance.common_slots(r)
        )
    ]
    arcs = [
        (
            flow.add_arc_with_capacity_and_unit_cost(
                node("a", r.a), node("b", r.b), 1, -scale * r.weight
            ),
            r,
        )
        for r in candidates
    ]

    def room(person: str) -> int:
        free = sum(
            instance.available(person, s) and s not in fixed.busy[person]
            for s in range(len(instance.slots))
        )
        limit = instance.by_id[person].max_meetings
        return free if limit is None else max(0, min(free, limit - fixed.count[person]))

    first = {r.a for r in candidates}
    for person in sorted(first):
        _capacity_arcs(flow, hub, node("a", person), room(person))
    for person in sorted({r.b for r in candidates}):
        _capacity_arcs(flow, node("b", person), sink, room(person))
    supply = sum(room(person) for person in first)
    if instance.tables is not None:
        supply = min(
            supply,
            sum(instance.tables - fixed.placed_in_slot[s] for s in range(len(instance.slots))),
        )
    flow.add_arc_with_capacity_and_unit_cost(source, hub, supply, 0)
    flow.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)  # flow that meets nobody
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    fixed_weight = sum(instance.request_by_id[f.request].weight for f in instance.fixed)
    if flow.solve() != flow.OPTIMAL:
        return candidates, combinatorial_bound(instance)
    selected = [r for arc, r in arcs if flow.flow(arc) > 0]
    return selected, fixed_weight + (-flow.optimal_cost()) // scale


def _capacity_arcs(flow: min_cost_flow.SimpleMinCostFlow, tail: int, head: int, room: int) -> None:
    """A participant's capacity as two arcs: the first meeting with a bonus, then the rest."""
    if room > 0:
        flow.add_arc_with_capacity_and_unit_cost(tail, head, 1, -1)
    if room > 1:
        flow.add_arc_with_capacity_and_unit_cost(tail, head, room - 1, 0)


def _assign_slots(
    instance: Instance,
    booking: Booking,
    run: list[int],
    requests: list[Request],
    deadline: float,
    workers: int,
) -> None:
    """Give the chosen meetings their slots: nobody twice in a slot, no more meetings
    than free tables; as much weight as possible, then as many back-to-back meetings as
    possible (fewer idle gaps). Books what it places."""
    model = cp_model.CpModel()
    variables: dict[tuple[str, int], cp_model.IntVar] = {}
    per_person_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    per_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for request in requests:
        options = []
        for slot in run:
            if not (
                instance.available(request.a, slot)
                and instance.available(request.b, slot)
                and booking.both_free(request, slot)
                and booking.free_table(slot) is not False
            ):
                continue
            variable = model.new_bool_var("")
            variables[request.id, slot] = variable
            options.append(variable)
            per_person_slot[request.a, slot].append(variable)
            per_person_slot[request.b, slot].append(variable)
            per_slot[slot].append(variable)
        if len(options) > 1:
            model.add_at_most_one(options)
    if not variables:
        return
    for group in per_person_slot.values():
        if len(group) > 1:
            model.add_at_most_one(group)
    if instance.tables is not None:
        for slot, group in per_slot.items():
            free = instance.tables - booking.placed_in_slot[slot]
            if len(group) > free:
                model.add(sum(group) <= free)
    together = []
    for (person, slot), group in per_person_slot.items():
        following = slot + 1
        if following in instance.adjacent(slot) and (person, following) in per_person_slot:
            both = model.new_bool_var("")
            model.add(sum(group) >= 1).only_enforce_if(both)
            model.add(sum(per_person_slot[person, following]) >= 1).only_enforce_if(both)
            together.append(both)
    # Weight first: one unit of weight is worth more than every back-to-back pair together.
    scale = len(together) + 1
    weight = {r.id: r.weight for r in requests}
    model.maximize(
        scale * sum(weight[rid] * v for (rid, _), v in variables.items()) + sum(together)
    )
    _hint_first_fit(model, variables, requests, run, instance, booking)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    # The model took time to build: the solver gets what is left until the deadline.
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.05)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    for (request_id, slot), variable in sorted(variables.items(), key=lambda item: item[0][1]):
        if solver.boolean_value(variable):
            booking.book(instance.request_by_id[request_id], slot, booking.free_table(slot) or None)


def _hint_first_fit(
    model: cp_model.CpModel,
    variables: Mapping[tuple[str, int], cp_model.IntVar],
    requests: list[Request],
    run: list[int],
    instance: Instance,
    booking: Booking,
) -> None:
    trial = Booking(instance)
    trial.busy = defaultdict(set, {p: set(s) for p, s in booking.busy.items()})
    trial.placed_in_slot = defaultdict(int, booking.placed_in_slot)
    trial.tables_used = defaultdict(set, {s: set(t) for s, t in booking.tables_used.items()})
    placed: set[tuple[str, int]] = set()
    options = {r.id: [s for s in run if (r.id, s) in variables] for r in requests}
    # The most constrained first: a request that fits in few slots takes them before others.
    for request in sorted(requests, key=lambda r: (len(options[r.id]), -r.weight, r.id)):
        choice = trial.best_slot(request, options[request.id])
        if choice is not None:
            trial.book(request, *choice)
            placed.add((request.id, choice[0]))
    for key, variable in variables.items():
        model.add_hint(variable, key in placed)


# -- online insertion ------------------------------------------------------------------------
class OnlineSchedule:
    """A schedule that takes one request at a time and never moves a placed meeting."""

    def __init__(self, instance: Instance, schedule: Schedule) -> None:
        self.instance = instance
        self.booking = Booking(instance)
        for meeting in schedule.meetings:
            request = instance.request_by_id[meeting.request]
            self.booking.book(request, instance.slot_index[meeting.slot], meeting.table)

    def insert(self, request: Request) -> Meeting | Unscheduled:
        for person in (request.a, request.b):
            if person not in self.instance.by_id:
                raise InvalidInstance("request", f"unknown participant {person}")
        self.instance.request_by_id[request.id] = request
        if not (self.booking.under_limit(request.a) and self.booking.under_limit(request.b)):
            return Unscheduled(request.id, "max_meetings")
        choice = self.booking.best_slot(request, self.instance.common_slots(request))
        if choice is None:
            return Unscheduled(request.id, self.booking.reason(request))
        return self.booking.book(request, *choice)


def check_feasible(instance: Instance, schedule: Schedule) -> list[str]:
    """Every rule a schedule breaks, in words (empty when it is feasible)."""
    problems: list[str] = []
    busy: set[tuple[str, str]] = set()
    tables: dict[str, set[int | None]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    placed: dict[str, Meeting] = {}
    for meeting in schedule.meetings:
        request = instance.request_by_id.get(meeting.request)
        if request is None or meeting.slot not in instance.slot_index:
            problems.append(f"{meeting.request}: unknown request or slot")
            continue
        if meeting.request in placed:
            problems.append(f"{meeting.request}: placed twice")
        placed[meeting.request] = meeting
        slot = instance.slot_index[meeting.slot]
        for person in (request.a, request.b):
            if not instance.available(person, slot):
                problems.append(f"{meeting.request}: {person} not available in {meeting.slot}")
            if (person, meeting.slot) in busy:
                problems.append(f"{meeting.request}: {person} double-booked in {meeting.slot}")
            busy.add((person, meeting.slot))
            counts[person] += 1
        if instance.tables is None:
            if meeting.table is not None:
                problems.append(f"{meeting.request}: a table at the booth")
        else:
            if meeting.table is None or not 1 <= meeting.table <= instance.tables:
                problems.append(f"{meeting.request}: table {meeting.table} does not exist")
            elif meeting.table in tables[meeting.slot]:
                problems.append(f"{meeting.request}: table {meeting.table} double-booked")
            tables[meeting.slot].add(meeting.table)
    for person, count in counts.items():
        limit = instance.by_id[person].max_meetings
        if limit is not None and count > limit:
            problems.append(f"{person}: {count} meetings, more than {limit}")
    for fixed in instance.fixed:
        kept = placed.get(fixed.request)
        if kept is None or kept.slot != fixed.slot or (fixed.table and kept.table != fixed.table):
            problems.append(f"{fixed.request}: a fixed meeting moved")
    weight = sum(instance.request_by_id[r].weight for r in placed if r in instance.request_by_id)
    if weight != schedule.objective:
        problems.append(f"objective {schedule.objective} is not the placed weight {weight}")
    if schedule.objective > schedule.upper_bound:
        problems.append("objective above the upper bound")
    return problems


# -- the file format -------------------------------------------------------------------------
def instance_from_json(document: Any) -> Instance:
    """An `Instance` from the documented JSON shape; `InvalidInstance` names what is wrong."""
    if not isinstance(document, dict):
        raise InvalidInstance("$", "an instance is a JSON object")
    slots = [
        Slot(
            _string(item, "id", f"slots[{i}]"),
            _time(item, "start", f"slots[{i}]"),
            _time(item, "end", f"slots[{i}]"),
        )
        for i, item in enumerate(_list(document, "slots", "$"))
    ]
    tables = document.get("tables")
    if tables is not None and (not isinstance(tables, int) or isinstance(tables, bool)):
        raise InvalidInstance("tables", "an integer, or null for meetings at the booth")
    participants = []
    for i, item in enumerate(_list(document, "participants", "$")):
        where = f"participants[{i}]"
        available = item.get("available")
        if available is not None and (
            not isinstance(available, list) or not all(isinstance(s, str) for s in available)
        ):
            raise InvalidInstance(f"{where}.available", "a list of slot ids")
        participants.append(
            Participant(
                _string(item, "id", where),
                str(item.get("kind", "participant")),
                frozenset(available) if available is not None else None,
                _optional_int(item, "max_meetings", where),
            )
        )
    requests = [
        Request(
            _string(item, "id", f"requests[{i}]"),
            _string(item, "a", f"requests[{i}]"),
            _string(item, "b", f"requests[{i}]"),
            _int(item, "weight", f"requests[{i}]"),
        )
        for i, item in enumerate(_list(document, "requests", "$"))
    ]
    fixed = [
        Fixed(
            _string(item, "request", f"fixed[{i}]"),
            _string(item, "slot", f"fixed[{i}]"),
            _optional_int(item, "table", f"fixed[{i}]"),
        )
        for i, item in enumerate(document.get("fixed") or [])
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


def _list(document: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = document.get(key)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidInstance(key if where == "$" else f"{where}.{key}", "a list of objects")
    return value


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
    try:
        moment = dt.datetime.fromisoformat(_string(item, key, where))
    except ValueError as wrong:
        raise InvalidInstance(f"{where}.{key}", "an ISO 8601 date-time with offset") from wrong
    if moment.tzinfo is None:
        raise InvalidInstance(f"{where}.{key}", "needs a UTC offset")
    return moment
