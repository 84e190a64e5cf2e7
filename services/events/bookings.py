"""Bookings as compare-and-set changes: placing, moving and freeing meetings.

Every booking claims the fields `busy:<participant>:<slot>` of both participants (and
`table:<slot>:<n>` in pool mode) and moves each participant's meeting counter; the change
expects the claimed fields to be absent and the counters unchanged. Two bookings that could
double-book anyone therefore conflict on a field, and only one of them commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from services.events.domain import (
    busy_field,
    count_field,
    meeting_field,
    request_field,
    table_field,
)
from shared.atomic import Change
from shared.contracts.expo import (
    MeetingData,
    MeetingRequestData,
    MeetingRescheduled,
    MeetingScheduled,
    RequestStatus,
    SlotData,
)


@dataclass(frozen=True)
class Placement:
    request: MeetingRequestData
    slot: SlotData
    table: int | None
    location: str
    confirmed: bool


class BookingChange:
    """Accumulates placements and removals into one `Change` with the right expectations.

    `current` is what the caller read: the raw values of every field it may touch (absent
    fields missing). Fields freed and claimed again in the same change expect their old value.
    """

    def __init__(self, current: dict[str, str]) -> None:
        self.current = current
        self.change = Change()
        self._freed: set[str] = set()
        self._claimed: set[str] = set()
        self._count_delta: Counter[str] = Counter()

    def _claim(self, name: str, request_id: str) -> None:
        if name in self._claimed:
            raise ValueError(f"{name} claimed twice in one change")
        self._claimed.add(name)
        self.change.expect(name, self.current.get(name) if name in self._freed else None)
        self.change.put(name, request_id)

    def _free(self, name: str) -> None:
        self._freed.add(name)
        self.change.expect(name, self.current.get(name))
        if name not in self._claimed:
            self.change.delete(name)

    def free(self, meeting: MeetingData) -> None:
        """Release a meeting's slot, table and counters (the request is written by the caller)."""
        for participant in (meeting.delegate_id, meeting.exhibitor_id):
            self._free(busy_field(participant, meeting.slot_id))
            self._count_delta[participant] -= 1
        if meeting.table is not None:
            self._free(table_field(meeting.slot_id, meeting.table))
        self.change.delete(meeting_field(meeting.request_id))

    def place(self, placement: Placement, previous: MeetingData | None = None) -> MeetingData:
        request = placement.request
        for participant in (request.delegate_id, request.exhibitor_id):
            self._claim(busy_field(participant, placement.slot.id), request.id)
            self._count_delta[participant] += 1
        if placement.table is not None:
            self._claim(table_field(placement.slot.id, placement.table), request.id)
        scheduled = request.model_copy(
            update={"status": RequestStatus.scheduled, "version": request.version + 1}
        )
        self.write_request(scheduled)
        meeting = MeetingData(
            request_id=request.id,
            expo_id=request.expo_id,
            delegate_id=request.delegate_id,
            exhibitor_id=request.exhibitor_id,
            seller_id=request.seller_id,
            slot_id=placement.slot.id,
            start=placement.slot.start,
            end=placement.slot.end,
            table=placement.table,
            location=placement.location,
            confirmed=placement.confirmed,
            version=scheduled.version,
            match_id=request.match_id,
        )
        self.change.put(meeting_field(request.id), meeting.model_dump_json())
        if previous is None:
            self.change.announce(MeetingScheduled(meeting=meeting))
        else:
            self.change.announce(
                MeetingRescheduled(meeting=meeting, previous_slot_id=previous.slot_id)
            )
        return meeting

    def write_request(self, request: MeetingRequestData) -> None:
        name = request_field(request.id)
        if name not in self.change.expected:
            self.change.expect(name, self.current.get(name))
        self.change.put(name, request.model_dump_json())

    def finish(self) -> Change:
        """Add the counters' expectations and new values; returns the change to commit."""
        for participant, delta in self._count_delta.items():
            if delta == 0:
                continue
            name = count_field(participant)
            now = self.current.get(name)
            self.change.expect(name, now)
            self.change.put(name, str(int(now or 0) + delta))
        return self.change
