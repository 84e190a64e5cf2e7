"""Breaks in the CP-SAT placement model: a participant's runs of idle slots between two of their
meetings in one session (Bofill et al. 2022, Definition 2.3), counted exactly, with the implied
constraints that let the solver prove a small number of breaks optimal."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import Literal as Term

from services.events.scheduling.booking import Booking
from services.events.scheduling.instance import Instance, Request
from services.events.scheduling.maxsat import Count, Problem

# A literal of the model, or a truth already known (a confirmed meeting; a slot never used).
Literal = Term | bool
# Who meets when, in a placement: (participant, slot).
Busy = set[tuple[str, int]]


@dataclass
class Breaks:
    """Per participant with a meeting (or a possible one): the literals of their breaks, and the
    breaks they have whatever the model decides (between two confirmed meetings)."""

    literals: dict[str, list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    known: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Each Boolean the counting adds, with its value in a given placement: a hint must name
    # them all, or CP-SAT does not take the placement as its first solution.
    derived: dict[int, tuple[cp_model.IntVar, Callable[[Busy], bool]]] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)  # everyone who meets, or may, in the model

    def of(self, person: str) -> cp_model.LinearExprT:
        return sum(self.literals.get(person, [])) + self.known.get(person, 0)

    def total(self) -> cp_model.LinearExprT:
        return sum(sum(group) for group in self.literals.values()) + sum(self.known.values())

    def new(self, model: cp_model.CpModel, value: Callable[[Busy], bool]) -> cp_model.IntVar:
        variable = model.new_bool_var("")
        self.derived[variable.index] = (variable, value)
        return variable

    def hint(self, model: cp_model.CpModel, busy: Busy) -> dict[str, int]:
        """Hint the counting's Booleans for the placement `busy`; its breaks per participant."""
        for variable, value in self.derived.values():
            model.add_hint(variable, value(busy))
        return {
            person: self.known.get(person, 0)
            + sum(self.derived[v.index][1](busy) for v in self.literals.get(person, []))
            for person in self.members
        }


def add_breaks(
    model: cp_model.CpModel,
    instance: Instance,
    fixed: Booking,
    per_person_slot: dict[tuple[str, int], list[cp_model.IntVar]],
    requests: list[Request],
    all_placed: bool,
) -> Breaks:
    """Count every participant's breaks in `model`, whose Booleans `per_person_slot` place
    `requests` around the `fixed` booking. With `all_placed`, every one of them is placed, so each
    participant's number of meetings is known, which the implied constraints use."""
    breaks = Breaks()
    used = _busy(model, breaks, fixed, per_person_slot)
    by_person = days(instance, used)
    breaks.members = set(by_person)
    for person, sessions in sorted(by_person.items()):
        for ordered in sessions:
            _count_session(model, instance, breaks, person, ordered, used)
    _implied(model, instance, fixed, used, requests, all_placed)
    return breaks


def days(instance: Instance, keys: Iterable[tuple[str, int]]) -> dict[str, list[list[int]]]:
    """Per participant, per session, in time order: the slots among `keys` (where they meet or
    may) of that participant."""
    by_person: dict[str, list[int]] = defaultdict(list)
    for person, slot in keys:
        by_person[person].append(slot)
    found: dict[str, list[list[int]]] = {}
    for person, slots in by_person.items():
        runs: dict[int, list[int]] = defaultdict(list)
        for slot in sorted(slots, key=instance.rank.__getitem__):
            runs[instance.session_of[slot]].append(slot)
        found[person] = list(runs.values())
    return found


def maxsat_problem(
    instance: Instance,
    fixed: Booking,
    options: Iterable[tuple[str, int]],
    requests: list[Request],
) -> Problem:
    """Placing every one of `requests` in one of its `options` (request, slot) around the
    `fixed` booking with the fewest breaks, for the MaxSAT search (maxsat.py), with the same
    implied counts as the CP-SAT model."""
    pairs = {r.id: (r.a, r.b) for r in requests}
    by_request: dict[str, list[int]] = {r.id: [] for r in requests}
    open_keys: set[tuple[str, int]] = set()
    for request_id, slot in options:
        by_request[request_id].append(slot)
        open_keys |= {(person, slot) for person in pairs[request_id]}
    room = (
        {}
        if instance.tables is None
        else {
            slot: instance.tables - len(fixed.in_slot[slot]) for slot in range(len(instance.slots))
        }
    )
    confirmed = frozenset(fixed.at)
    return Problem(
        options={rid: tuple(slots) for rid, slots in by_request.items()},
        pairs=pairs,
        confirmed=confirmed,
        room=room,
        days={
            person: tuple(
                tuple(
                    (slot, position > 0 and instance.previous_slot[slot] == ordered[position - 1])
                    for position, slot in enumerate(ordered)
                )
                for ordered in sessions
            )
            for person, sessions in days(instance, confirmed | open_keys).items()
        },
        counts=tuple(day_counts(instance, open_keys - confirmed, requests)),
    )


def day_counts(
    instance: Instance, open_keys: Iterable[tuple[str, int]], requests: list[Request]
) -> list[Count]:
    """With every one of `requests` placed, over the (participant, slot) pairs still open: each
    participant is busy in as many as they have requests; and for each window among their
    requests (a morning, say), in at least as many of its slots as they have meetings that must
    be in it, and in at most as many as they have meetings that may be."""
    requests_of: dict[str, list[Request]] = defaultdict(list)
    for request in requests:
        requests_of[request.a].append(request)
        requests_of[request.b].append(request)
    slots_of: dict[str, list[int]] = defaultdict(list)
    for person, slot in open_keys:
        slots_of[person].append(slot)
    counts = []
    for person, slots in sorted(slots_of.items()):
        own = requests_of[person]
        keys = tuple((person, slot) for slot in sorted(slots))
        counts.append(Count(keys, len(own), len(own)))
        windows = {instance.windows[r.id] for r in own if r.id in instance.windows}
        if not windows:
            continue
        may = [instance.common_slots(r) for r in own]
        for window in sorted(windows, key=sorted):
            inside = tuple(key for key in keys if key[1] in window)
            must = sum(1 for slots_may in may if slots_may <= window)
            can = sum(1 for slots_may in may if slots_may & window)
            counts.append(Count(inside, must or None, can if can < len(inside) else None))
    return counts


def _busy(
    model: cp_model.CpModel,
    breaks: Breaks,
    fixed: Booking,
    per_person_slot: dict[tuple[str, int], list[cp_model.IntVar]],
) -> dict[tuple[str, int], Literal]:
    """Whether each participant meets in each slot where they may: True for a confirmed
    meeting, else a Boolean equal to the sum of their options there (at most one holds)."""
    used: dict[tuple[str, int], Literal] = dict.fromkeys(fixed.at, True)
    for key, group in per_person_slot.items():
        if len(group) == 1:
            used[key] = group[0]
        else:
            busy = breaks.new(model, _holds(key))
            model.add(sum(group) == busy)
            used[key] = busy
    return used


def _count_session(
    model: cp_model.CpModel,
    instance: Instance,
    breaks: Breaks,
    person: str,
    ordered: list[int],
    used: dict[tuple[str, int], Literal],
) -> None:
    """A break ends at slot t when the participant meets at t, not in the slot right before it,
    and somewhere earlier in the session (`held`)."""
    held: Literal = used[person, ordered[0]]
    for position, (earlier, slot) in enumerate(itertools.pairwise(ordered), 1):
        meets = used[person, slot]
        adjacent = instance.previous_slot[slot] == earlier
        before = ordered[:position]

        def ends_here(
            placed: Busy,
            slot: int = slot,
            earlier: int = earlier,
            adjacent: bool = adjacent,
            before: list[int] = before,
        ) -> bool:
            return (
                (person, slot) in placed
                and any((person, s) in placed for s in before)
                and not (adjacent and (person, earlier) in placed)
            )  # fmt: skip

        condition = [meets, held]
        if adjacent:  # else the slot before is never used
            condition.append(_negate(used[person, earlier]))
        unknown = [c for c in condition if not isinstance(c, bool)]
        if any(c is False for c in condition):
            pass  # no break can end here
        elif not unknown:
            breaks.known[person] += 1
        else:
            ends = breaks.new(model, ends_here)
            model.add_bool_and(unknown).only_enforce_if(ends)
            model.add_bool_or([c.Not() for c in unknown] + [ends])
            breaks.literals[person].append(ends)
        held = _either(model, breaks, held, meets, person, ordered[: position + 1])


def _holds(key: tuple[str, int]) -> Callable[[Busy], bool]:
    return lambda placed: key in placed


def _negate(literal: Literal) -> Literal:
    return (not literal) if isinstance(literal, bool) else literal.Not()


def _either(
    model: cp_model.CpModel,
    breaks: Breaks,
    first: Literal,
    second: Literal,
    person: str,
    slots: list[int],
) -> Literal:
    """`first` or `second`: whether `person` meets in one of `slots` (for the hint)."""
    if first is True or second is True:
        return True
    if first is False:
        return second
    if second is False:
        return first
    either = breaks.new(model, lambda placed: any((person, s) in placed for s in slots))
    model.add_max_equality(either, [first, second])
    return either


def _implied(
    model: cp_model.CpModel,
    instance: Instance,
    fixed: Booking,
    used: dict[tuple[str, int], Literal],
    requests: list[Request],
    all_placed: bool,
) -> None:
    """Constraints every placement already obeys, stated on the participants' busy slots so the
    solver reasons about whole days at once: with all placed, each one's number of busy slots;
    per slot, at most two busy participants per free table, and at most one per free table among
    participants no two of whom meet each other."""
    open_slot: dict[tuple[str, int], Term] = {
        key: value for key, value in used.items() if not isinstance(value, bool)
    }
    if all_placed:
        for count in day_counts(instance, open_slot, requests):
            busy = sum(open_slot[key] for key in count.keys)
            if count.least is not None and count.least == count.most:
                model.add(busy == count.least)
                continue
            if count.least is not None:
                model.add(busy >= count.least)
            if count.most is not None:
                model.add(busy <= count.most)
    if instance.tables is None:
        return
    by_slot: dict[int, dict[str, Term]] = defaultdict(dict)
    for (person, slot), busy in open_slot.items():
        by_slot[slot][person] = busy
    groups = _apart(requests)
    for slot, busy_there in by_slot.items():
        free = instance.tables - len(fixed.in_slot[slot])
        model.add(sum(busy_there.values()) <= 2 * free)
        for group in groups:
            members = [busy_there[p] for p in group if p in busy_there]
            if len(members) > free:
                model.add(sum(members) <= free)


def _apart(requests: list[Request], most: int = 3) -> list[set[str]]:
    """A few large sets of participants no two of whom have a request together (greedily, the
    least connected first): a new meeting holds at most one of each set."""
    partners: dict[str, set[str]] = defaultdict(set)
    for request in requests:
        partners[request.a].add(request.b)
        partners[request.b].add(request.a)
    left = set(partners)
    groups: list[set[str]] = []
    while left and len(groups) < most:
        group: set[str] = set()
        for person in sorted(left, key=lambda p: (len(partners[p] & left), p)):
            if not partners[person] & group:
                group.add(person)
        if len(group) < 2:
            break
        groups.append(group)
        left -= group
    return groups
