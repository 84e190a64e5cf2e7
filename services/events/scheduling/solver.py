"""The global optimisation: which meetings happen (an exact maximum-weight b-matching as a
min-cost flow, whose value is the proven upper bound), where (first fit, then CP-SAT for weight
and the fewest breaks, with a MaxSAT search racing it for the breaks), and the weight-first
`greedy` baseline it never does worse than."""

from __future__ import annotations

import heapq
import math
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from services.events.scheduling.booking import Booking, placed_weight, rebook, start_from_fixed
from services.events.scheduling.breaks import Breaks, add_breaks, maxsat_problem
from services.events.scheduling.instance import Instance, Request, Schedule, Unscheduled
from services.events.scheduling.maxsat import POLL, Search, breaks_of

SELECTION_SHARE = 0.3  # of the time limit, at most, to choose meetings that can all be placed
ASSIGNMENT_SHARE = 0.9  # of the time limit, until slots are given; the rest places leftovers
# CP-SAT's full workers for minimising breaks, in the order more threads add them.
# Placement models up to this many Booleans first try to place every chosen meeting with the
# fewest breaks at once: on the paper's instances (7,000 at most) that finds what the weight
# alone misses; on L (about 150,000) building it takes the time the weight needs.
WHOLE_ATTEMPT_MOST = 50_000
# Placement models up to this many Booleans also run the MaxSAT search for the fewest breaks
# in a process of its own (maxsat.py), when every chosen meeting is placed and there are two
# workers or more: the paper's instances (7,000 at most) and S (7,557). On M (27,000) RC2
# did not finish in 9 s and only took CPU from CP-SAT.
MAXSAT_MOST = 10_000
PROVING_SUBSOLVERS = ["core", "no_lp", "quick_restart_no_lp", "default_lp", "max_lp", "fixed"]
# Hears the phase (selecting, placing, closing_gaps), the best weight placed so far and the
# proven bound, from the thread the solver runs in.
Progress = Callable[[str, int, int], None]


def _by_weight(instance: Instance) -> list[Request]:
    return sorted(
        (r for r in instance.requests if r.id not in instance.fixed_by_request),
        key=lambda r: (-r.weight, r.id),
    )


def _finish(
    instance: Instance, booking: Booking, upper_bound: int, started: float, breaks_bound: int = 0
) -> Schedule:
    objective = placed_weight(instance, booking)
    breaks = instance.breaks(booking.meetings.values()).values()
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
        breaks=sum(breaks),
        max_breaks=max(breaks, default=0),
        min_breaks=min(breaks, default=0),
        breaks_bound=breaks_bound,
    )


def greedy(instance: Instance) -> Schedule:
    """Weight first: each request, heaviest first, in its best free slot. The baseline."""
    started = time.perf_counter()
    booking = start_from_fixed(instance)
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
def solve(
    instance: Instance, time_limit: float, workers: int = 2, progress: Progress | None = None
) -> Schedule:
    """Choose the meetings by a maximum-weight b-matching (exact, as a min-cost flow; its value
    is a proven bound), place them (first fit, moves, then CP-SAT), then place what is left
    in any free slot. Never worse than the greedy; returns within about `time_limit` seconds.
    `progress` hears each phase with the best weight placed so far and the bound."""
    report = progress or _unheard
    started = time.perf_counter()
    baseline = greedy(instance)
    report("selecting", baseline.objective, baseline.upper_bound)
    fixed = start_from_fixed(instance)
    selected, placed, flow_bound = _choose_meetings(
        instance, fixed, started + time_limit * SELECTION_SHARE
    )
    bound = min(baseline.upper_bound, flow_bound)
    best_so_far = max(baseline.objective, placed_weight(instance, placed))
    report("placing", best_so_far, bound)
    booking, breaks_bound = _assign_slots(
        instance,
        fixed,
        selected,
        placed,
        started + time_limit * ASSIGNMENT_SHARE,
        workers,
        lambda phase, weight: report(phase, max(best_so_far, weight), bound),
    )
    modelled = set(booking.meetings)
    placed_some = True
    while placed_some:  # what did not get a slot, or was not selected; a move may make room
        placed_some = False
        for request in _by_weight(instance):
            if request.id not in booking.meetings and (
                booking.place(request) or booking.place_moving_one(request)
            ):
                placed_some = True
    if placed_weight(instance, booking) < baseline.objective:
        booking = rebook(instance, baseline)
    if set(booking.meetings) != modelled:
        breaks_bound = 0  # proven for the meetings CP-SAT placed, not for these
    return _finish(instance, booking, bound, started, breaks_bound)


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
        if reachable <= placed_weight(instance, best):
            break
        placed = _first_fit(fixed, selected)
        if placed_weight(instance, placed) > placed_weight(instance, best):
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
    # One function: the network's nodes, arcs and their costs are numbered together, and the
    # selection is read back from those same arc numbers.
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
    progress: Callable[[str, int], None],
) -> tuple[Booking, int]:
    """Improve the placement of the chosen meetings with CP-SAT and return the best found with
    a proven lower bound on its breaks: first more weight, if the placement misses some; then,
    keeping that weight, the fewest breaks; then, keeping those, the smallest spread of breaks
    between participants. `progress` hears the phase and each better weight (the fixed
    meetings' included)."""
    fixed_weight = placed_weight(instance, fixed)
    placement = _PlacementModel(instance, fixed, requests)
    model, variables = placement.model, placement.variables
    weight = {r.id: r.weight for r in requests}
    weight_placed = sum(weight[rid] * v for (rid, _), v in variables.items())
    chosen = {
        (rid, instance.slot_index[m.slot])
        for rid, m in placed.meetings.items()
        if rid not in instance.fixed_by_request
    }
    best = sum(weight[rid] for rid, _ in chosen)
    everything = sum(weight.values())
    found = None
    if best < everything and len(variables) <= WHOLE_ATTEMPT_MOST:
        # Every chosen meeting may still fit: try that first, fewest breaks and all, and look
        # for more weight only if it finds nothing in half the time.
        now = time.perf_counter()
        found = _fewest_breaks(
            instance, fixed, requests, placement, model.clone(), chosen,
            now + (deadline - now) / 2, workers, all_placed=True,
        )  # fmt: skip
    if found is not None and found[2]:
        progress("closing_gaps", fixed_weight + everything)
        return _booked(instance, fixed, found[0]), found[1]
    if found is not None:  # all placed, the breaks not proven: go on for the time left
        chosen, best = found[0], everything
    elif best < everything:
        model.maximize(weight_placed)
        _hint(model, variables, chosen)
        now = time.perf_counter()
        solver = _solver(workers, now + (deadline - now) / 2)
        heard = _Heard(lambda value: progress("placing", fixed_weight + round(value)))
        solved = solver.solve(model, heard) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if solved and round(solver.objective_value) > best:
            chosen = {key for key, v in variables.items() if solver.boolean_value(v)}
            best = round(solver.objective_value)
    progress("closing_gaps", fixed_weight + best)
    all_placed = best == everything
    if not all_placed:
        model.add(weight_placed >= best)
    found = _fewest_breaks(
        instance, fixed, requests, placement, model, chosen, deadline, workers, all_placed
    )
    if found is None:
        return _booked(instance, fixed, chosen), 0
    return _booked(instance, fixed, found[0]), found[1]


def _booked(instance: Instance, fixed: Booking, chosen: set[tuple[str, int]]) -> Booking:
    booking = fixed.copy()
    for request_id, slot in sorted(chosen, key=lambda key: (key[1], key[0])):
        booking.book(instance.request_by_id[request_id], slot, booking.free_table(slot))
    return booking


def _fewest_breaks(
    instance: Instance,
    fixed: Booking,
    requests: list[Request],
    placement: _PlacementModel,
    model: cp_model.CpModel,
    chosen: set[tuple[str, int]],
    deadline: float,
    workers: int,
    all_placed: bool,
) -> tuple[set[tuple[str, int]], int, bool] | None:
    """In `model` (the placement's, or a copy), the placement with the fewest breaks, then the
    smallest spread, a proven lower bound on the breaks of any placement it allows (0 when
    there was no time to prove more) and whether that bound is reached; None if it finds none
    in time. `all_placed`: every request is placed (else the model keeps a weight itself). The
    optional hard bound on the spread (`instance.max_break_spread`) holds only when all are
    placed: then each participant's meetings are known."""
    variables = placement.variables
    if time.perf_counter() >= deadline:
        return None
    if all_placed:
        for options in placement.options.values():
            model.add_exactly_one(options)
    breaks = add_breaks(model, instance, fixed, placement.per_person_slot, requests, all_placed)
    total = breaks.total()
    spread = _spread(model, instance, breaks) if all_placed else None
    if spread is not None and instance.max_break_spread is not None:
        model.add(spread[0] - spread[1] <= instance.max_break_spread)

    def hint(chosen: set[tuple[str, int]]) -> None:
        _hint(model, variables, chosen)
        busy = set(fixed.at)
        for request_id, slot in chosen:
            request = instance.request_by_id[request_id]
            busy |= {(request.a, slot), (request.b, slot)}
        counts = breaks.hint(model, busy)
        if spread is not None:
            model.add_hint(spread[0], max(counts.values(), default=0))
            model.add_hint(spread[1], min(counts.values(), default=0))

    model.minimize(total)
    hint(chosen)
    solver = _solver(workers, deadline, proving=True)
    search = None
    if all_placed and workers > 1 and len(variables) <= MAXSAT_MOST:
        problem = maxsat_problem(instance, fixed, variables, requests)
        search = Search(problem, deadline - time.perf_counter())
    try:
        status, answer = _race(solver, model, search, deadline, instance.max_break_spread)
    finally:
        if search is not None:
            search.close()
    if answer is not None and answer.fair:  # proven optimal, and within the spread bound
        chosen, fewest = set(answer.placement), answer.breaks
    elif status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {key for key, v in variables.items() if solver.boolean_value(v)}
        fewest = round(solver.objective_value)
        bound = max(
            math.ceil(solver.best_objective_bound - 1e-6), answer.breaks if answer else 0, 0
        )
        if status != cp_model.OPTIMAL and bound < fewest:
            return chosen, bound, False
    else:
        return None
    if spread is not None and time.perf_counter() < deadline:
        # Lexicographic: keep the fewest breaks, then share them out as evenly as possible.
        model.add(total <= fewest)
        # The fewest breaks are proven, so there are exactly that many: unless they share out
        # evenly, someone has one more than someone else. Stated, this lets CP-SAT prove a
        # spread of 1 at once instead of proving the fewest breaks again.
        members = max(len(breaks.members), 1)
        model.add(spread[0] - spread[1] >= (1 if fewest % members else 0))
        model.minimize(spread[0] - spread[1])
        hint(chosen)
        solver = _solver(workers, deadline, proving=True)
        if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = {key for key, v in variables.items() if solver.boolean_value(v)}
    return chosen, fewest, True


@dataclass(frozen=True)
class _Found:
    """The MaxSAT search's answer (its breaks are optimal) and whether its spread of breaks
    is within the instance's bound, if any (else it only bounds CP-SAT's from below)."""

    placement: frozenset[tuple[str, int]]
    breaks: int
    fair: bool


def _race(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    search: Search | None,
    deadline: float,
    max_spread: int | None,
) -> tuple[Any, _Found | None]:
    """CP-SAT on `model` while the MaxSAT `search` runs in its own process: whichever proves
    the fewest breaks first ends the other. An answer outside the spread bound only tells
    CP-SAT when its own schedule is optimal."""
    if search is None:
        return solver.solve(model), None
    stopper = _StopAt()
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(solver.solve, model, stopper)
        answer = search.wait(deadline, running.done)
        found = None
        if answer is not None:
            spread = breaks_of(search.problem, answer.placement).values()
            fair = (
                max_spread is None or max(spread, default=0) - min(spread, default=0) <= max_spread
            )
            found = _Found(answer.placement, answer.breaks, fair)
            if fair:
                while not running.done():  # the solve may not have begun to listen yet
                    solver.stop_search()
                    time.sleep(POLL)
            else:
                stopper.floor = answer.breaks
        return running.result(), found


class _StopAt(cp_model.CpSolverSolutionCallback):
    """Stops CP-SAT at a solution with no more breaks than `floor`, the proven optimum."""

    def __init__(self) -> None:
        super().__init__()
        self.floor = -1

    def on_solution_callback(self) -> None:
        if self.objective_value <= self.floor:
            self.stop_search()


def _spread(
    model: cp_model.CpModel, instance: Instance, breaks: Breaks
) -> tuple[cp_model.IntVar, cp_model.IntVar]:
    """The most breaks of one participant and the fewest, over those with a meeting."""
    ceiling = len(instance.slots)
    most, fewest = model.new_int_var(0, ceiling, ""), model.new_int_var(0, ceiling, "")
    for person in breaks.members:
        own = breaks.of(person)
        model.add(most >= own)
        model.add(fewest <= own)
    return most, fewest


def _unheard(_phase: str, _weight: int, _bound: int) -> None:
    """Nobody listens to this run's progress."""


class _Heard(cp_model.CpSolverSolutionCallback):
    """Passes each better objective CP-SAT finds on, as it finds it."""

    def __init__(self, hear: Callable[[float], None]) -> None:
        super().__init__()
        self._hear = hear

    def on_solution_callback(self) -> None:
        self._hear(self.objective_value)


class _PlacementModel:
    """The CP-SAT model of placing `requests` around the `fixed` booking: a Boolean per
    request and free common slot, with the hard rules as constraints."""

    def __init__(self, instance: Instance, fixed: Booking, requests: list[Request]) -> None:
        self.model = cp_model.CpModel()
        self.variables: dict[tuple[str, int], cp_model.IntVar] = {}
        self.per_person_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        self.per_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        self.per_person: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        self.options: dict[str, list[cp_model.IntVar]] = {}  # per request
        requests_of: dict[str, int] = defaultdict(int)
        for request in requests:
            self._add_options(instance, fixed, request)
            for person in (request.a, request.b):
                requests_of[person] += 1
        for group in self.per_person_slot.values():
            if len(group) > 1:
                self.model.add_at_most_one(group)
        for person, group in self.per_person.items():
            remaining = fixed.remaining(person)
            if remaining is not None and requests_of[person] > remaining:
                self.model.add(sum(group) <= remaining)
        if instance.tables is not None:
            for slot, group in self.per_slot.items():
                free = instance.tables - len(fixed.in_slot[slot])
                if len(group) > free:
                    self.model.add(sum(group) <= free)

    def _add_options(self, instance: Instance, fixed: Booking, request: Request) -> None:
        """The request's free common slots, at most one of them taken."""
        options = []
        for slot in sorted(instance.common_slots(request)):
            if fixed.both_free(request, slot) and fixed.has_room(slot):
                variable = self.model.new_bool_var("")
                self.variables[request.id, slot] = variable
                options.append(variable)
                self.per_slot[slot].append(variable)
                for person in (request.a, request.b):
                    self.per_person_slot[person, slot].append(variable)
                    self.per_person[person].append(variable)
        self.options[request.id] = options
        if len(options) > 1:
            self.model.add_at_most_one(options)


def _hint(
    model: cp_model.CpModel,
    variables: dict[tuple[str, int], cp_model.IntVar],
    chosen: set[tuple[str, int]],
) -> None:
    model.proto.clear_solution_hint()
    for key, variable in variables.items():
        model.add_hint(variable, key in chosen)


def _solver(workers: int, deadline: float, proving: bool = False) -> cp_model.CpSolver:
    """`proving`: for minimising breaks. CP-SAT's default full worker (with the LP) finds
    neither few breaks nor a bound; core-guided search raises the bound from below and stops
    at the optimum, while the other thread runs CP-SAT's neighbourhood searches, which find the
    schedules (docs/decisions.md)."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    # The model took time to build: the solver gets what is left until the deadline.
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.05)
    if proving:
        if workers == 1:
            solver.parameters.optimize_with_core = True
            solver.parameters.linearization_level = 0
        else:  # one thread is kept for the neighbourhood searches
            solver.parameters.subsolvers.extend(PROVING_SUBSOLVERS[: workers - 1])
    return solver
