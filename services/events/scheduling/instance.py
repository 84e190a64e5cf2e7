"""The scheduling problem: slots, participants, requests and confirmed meetings, checked on
construction; and the shapes of its answer."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

# `slot_taken`: only for a request that asks for one slot (online insertion) and cannot have it.
Reason = Literal[
    "no_common_slot", "max_meetings", "capacity", "conflict", "slot_taken", "table_taken"
]
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
    slots: frozenset[str] | None = None  # its window (the morning, one day…); None: any slot


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
    breaks: int = 0  # idle runs between two meetings of a participant in one session, in all
    max_breaks: int = 0  # of one participant with a meeting
    min_breaks: int = 0
    breaks_bound: int = 0  # proven: no placement of these meetings has fewer breaks


@dataclass
class Instance:
    """The expo to schedule, checked on construction (`InvalidInstance` names the field).

    Slots are referred to internally by their position in `slots`."""

    slots: list[Slot]
    tables: int | None
    participants: list[Participant]
    requests: list[Request]
    fixed: list[Fixed] = field(default_factory=list)
    # At most this many more breaks for one participant than for another (Bofill et al.'s
    # fairness d), when every chosen meeting is placed; None: only as a goal after the breaks.
    max_break_spread: int | None = None

    def __post_init__(self) -> None:
        self.slot_index = {slot.id: index for index, slot in enumerate(self.slots)}
        self.by_id = {p.id: p for p in self.participants}
        self.request_by_id = {r.id: r for r in self.requests}
        self.fixed_by_request = {f.request: f for f in self.fixed}
        self._order_slots()
        _unique((p.id for p in self.participants), "participants")
        _unique((r.id for r in self.requests), "requests")
        if self.max_break_spread is not None and self.max_break_spread < 0:
            raise InvalidInstance("max_break_spread", "must not be negative")
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
        self.windows = {
            r.id: frozenset(self.slot_index[s] for s in r.slots)
            for r in self.requests
            if r.slots is not None
        }
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
        for earlier, later in itertools.pairwise(in_time):
            gap = self.slots[later].start - self.slots[earlier].end
            if gap < dt.timedelta(0):
                raise InvalidInstance(
                    f"slots[{later}].start", f"overlaps slot {self.slots[earlier].id}"
                )
            if gap <= SAME_SESSION_GAP:
                self.next_slot[earlier], self.previous_slot[later] = later, earlier
        self.session_of = [0] * len(self.slots)  # slots back to back share a number
        session = -1
        for index in in_time:
            if self.previous_slot[index] is None:
                session += 1
            self.session_of[index] = session

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
            if request.slots is not None and fixed.slot not in request.slots:
                raise InvalidInstance(f"{where}.slot", "outside the request's window")
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

    def breaks(self, meetings: Iterable[Meeting]) -> dict[str, int]:
        """Per participant with a meeting, their breaks: runs of one or more idle slots
        between two of their meetings in one session (Bofill et al. 2022, Definition 2.3;
        the pause between two sessions, such as lunch, is not one)."""
        held: dict[str, list[int]] = defaultdict(list)
        for meeting in meetings:
            request = self.request_by_id[meeting.request]
            for person in (request.a, request.b):
                held[person].append(self.slot_index[meeting.slot])
        counted = {}
        for person, slots in held.items():
            ordered = sorted(slots, key=self.rank.__getitem__)
            counted[person] = sum(
                1
                for earlier, later in itertools.pairwise(ordered)
                if self.session_of[earlier] == self.session_of[later]
                and self.rank[later] - self.rank[earlier] > 1
            )
        return counted

    def available(self, participant_id: str, slot: int) -> bool:
        return slot in self.open_slots[participant_id]

    def common_slots(self, request: Request) -> frozenset[int]:
        """The slots the request may have: both attend, and within its window if it has one."""
        both = self.open_slots[request.a] & self.open_slots[request.b]
        if request.slots is None:
            return both
        window = self.windows.get(request.id)
        if window is None:  # a request inserted later, not one of the instance's own
            window = frozenset(self.slot_index[s] for s in request.slots if s in self.slot_index)
        return both & window


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
    for slot_id in sorted(request.slots or ()):
        if slot_id not in instance.slot_index:
            raise InvalidInstance(f"{where}.slots", f"unknown slot {slot_id}")


def _unique(ids: Iterable[str], field_name: str) -> None:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident in seen:
            raise InvalidInstance(f"{field_name}[{index}].id", f"duplicate id {ident}")
        seen.add(ident)
