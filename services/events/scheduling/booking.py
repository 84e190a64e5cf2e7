"""The booking state that greedy placement, the solver's first fit, online insertion and the
reasons for what is left out all share."""

from __future__ import annotations

from collections import defaultdict

from services.events.scheduling.instance import (
    Instance,
    InvalidInstance,
    Meeting,
    Reason,
    Request,
    Schedule,
    Unscheduled,
    check_request,
)


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
        """The free common slot that adds the fewest breaks to the two participants' days,
        then the one next to most of their meetings, earliest first. Meeting limits are the
        caller's."""
        at, rank = self.at, self.instance.rank
        a, b = request.a, request.b
        best: tuple[int, int, int] | None = None
        chosen = None
        for slot in self.instance.common_slots(request):
            if (a, slot) in at or (b, slot) in at or not self.has_room(slot):
                continue
            added_a, touching_a = self._around(a, slot)
            added_b, touching_b = self._around(b, slot)
            key = (added_a + added_b, -(touching_a + touching_b), rank[slot])
            if best is None or key < best:
                best, chosen = key, slot
        return chosen

    def _around(self, person: str, slot: int) -> tuple[int, int]:
        """What a meeting of `person` in the free `slot` would do to their session: the breaks
        it adds (−1 when it fills a gap of one slot exactly), and how many of their meetings it
        would touch."""
        before = self._distance(person, slot, self.instance.previous_slot)
        after = self._distance(person, slot, self.instance.next_slot)
        added = (before is not None and before > 1) + (after is not None and after > 1)
        if before is not None and after is not None:
            added -= 1  # the gap between them was a break already
        return added, (before == 1) + (after == 1)

    def _distance(self, person: str, slot: int, step: list[int | None]) -> int | None:
        """How many slots away, stepping within the session, the person's nearest meeting is."""
        distance, current = 1, step[slot]
        while current is not None:
            if (person, current) in self.at:
                return distance
            distance, current = distance + 1, step[current]
        return None

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


def start_from_fixed(instance: Instance) -> Booking:
    booking = Booking(instance)
    # Those with a table first, so the others cannot take it.
    for fixed in sorted(instance.fixed, key=lambda f: f.table is None):
        slot = instance.slot_index[fixed.slot]
        table = fixed.table if fixed.table is not None else booking.free_table(slot)
        booking.book(instance.request_by_id[fixed.request], slot, table)
    return booking


def rebook(instance: Instance, schedule: Schedule) -> Booking:
    booking = Booking(instance)
    for meeting in schedule.meetings:
        request = instance.request_by_id[meeting.request]
        booking.book(request, instance.slot_index[meeting.slot], meeting.table)
    return booking


def placed_weight(instance: Instance, booking: Booking) -> int:
    return sum(instance.request_by_id[r].weight for r in booking.meetings)


class OnlineSchedule:
    """A finished schedule that takes one new request at a time, in O(slots), and never moves
    a placed meeting: the new one goes to the free common slot next to most of the two
    participants' meetings, earliest first, or to the one slot it asks for."""

    def __init__(self, instance: Instance, schedule: Schedule | None = None) -> None:
        """Without a `schedule`, the instance's fixed meetings are the schedule."""
        self.instance = instance
        self.booking = (
            start_from_fixed(instance) if schedule is None else rebook(instance, schedule)
        )

    def insert(
        self, request: Request, slot_id: str | None = None, table: int | None = None
    ) -> Meeting | Unscheduled:
        """In `slot_id` if given (at `table` if given, else the lowest free one)."""
        check_request(self.instance, request, "request")
        if request.id in self.booking.meetings:
            raise InvalidInstance("request.id", f"{request.id} is already scheduled")
        if slot_id is not None:
            return self._insert_at(request, slot_id, table)
        meeting = self.booking.place(request)
        if meeting is None:
            return Unscheduled(request.id, self.booking.reason(request))
        return meeting

    def _insert_at(
        self, request: Request, slot_id: str, table: int | None
    ) -> Meeting | Unscheduled:
        slot = self.instance.slot_index.get(slot_id)
        if slot is None or slot not in self.instance.common_slots(request):
            return Unscheduled(request.id, "slot_taken")
        if not self.booking.under_limits(request):
            return Unscheduled(request.id, "max_meetings")
        if not (self.booking.both_free(request, slot) and self.booking.has_room(slot)):
            return Unscheduled(request.id, "slot_taken")
        if table is None:
            return self.booking.book(request, slot, self.booking.free_table(slot))
        if self.instance.tables is None or not 1 <= table <= self.instance.tables:
            raise InvalidInstance("table", f"{table} is not a table of this instance")
        if table in self.booking.tables_used[slot]:
            return Unscheduled(request.id, "table_taken")
        return self.booking.book(request, slot, table)
