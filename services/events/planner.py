"""The organiser's global scheduling run.

Reads the whole expo, hands the problem to the solver (in a worker thread, with a time limit),
and commits the difference as one compare-and-set change: new meetings, moved ones, and ones
that lost their slot. If anything it relied on changed meanwhile, it reads again and re-solves.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from services.events import scheduling
from services.events.access import require_organiser
from services.events.bookings import BookingChange, Placement
from services.events.domain import (
    EXPO,
    OPEN_REQUEST,
    SCHEDULABLE,
    ExpoState,
    meeting_location,
    window_slots,
)
from services.events.store import EventsStore
from shared.atomic import Change, Conflicted, retry_on_conflict
from shared.auth import Principal
from shared.contracts.expo import (
    ExpoData,
    ExpoStatus,
    ExpoUpdated,
    MeetingData,
    MeetingUnscheduled,
    RequestStatus,
)
from shared.errors import Conflict

ATTEMPTS = 3  # each one solves again: a few, then the organiser is told to run it again


class UnplacedOut(BaseModel):
    request_id: str
    delegate_id: str
    exhibitor_id: str
    reason: str = Field(
        description="no_common_slot | max_meetings | capacity | conflict (codes to translate)"
    )


class ScheduleReport(BaseModel):
    expo_id: str
    solver_status: str = Field(description="optimal | feasible")
    requests: int
    scheduled: int
    scheduled_weight: int
    upper_bound: int = Field(description="Proven: no schedule places more weight")
    ratio_to_bound: float
    new: int
    moved: int
    unplaced: list[UnplacedOut]
    breaks: int | None = Field(
        None,
        description="Idle runs between two meetings of a participant in one session, in all "
        "(absent from runs before it was reported)",
    )
    breaks_bound: int | None = Field(
        None,
        description="Proven: no placement of the same meetings has fewer breaks (equal to "
        "`breaks` when they are the fewest possible)",
    )
    max_breaks: int | None = Field(None, description="Of the participant with the most")
    min_breaks: int | None = Field(None, description="Of the participant with the fewest")
    seconds: float


@dataclass
class RunProgress:
    """How far a run has got: written by the solver's thread, read by the loop that saves it.
    Each attribute is replaced whole, so a reader never sees half of one."""

    phase: str = "reading"  # reading, selecting, placing, closing_gaps, committing
    best_weight: int | None = None
    upper_bound: int | None = None

    def heard(self, phase: str, best_weight: int, upper_bound: int) -> None:
        self.phase, self.best_weight, self.upper_bound = phase, best_weight, upper_bound


class ScheduleScope(StrEnum):
    everything = "everything"  # every open request; meetings move unless confirmed or locked
    unplaced = "unplaced"  # only requests without a meeting; every placed meeting stays


def build_instance(
    state: ExpoState, scope: ScheduleScope = ScheduleScope.everything
) -> scheduling.Instance:
    expo = state.expo
    slots = [scheduling.Slot(s.id, s.start, s.end) for s in expo.slots]
    participants = [
        scheduling.Participant(
            d.id,
            "delegate",
            frozenset(d.available_slots) if d.available_slots is not None else None,
            d.max_meetings,
        )
        for d in state.delegates.values()
    ] + [
        scheduling.Participant(
            x.id,
            "seller",
            frozenset(x.available_slots) if x.available_slots is not None else None,
            x.max_meetings,
        )
        for x in state.exhibitors.values()
    ]
    open_requests = sorted(
        (r for r in state.requests.values() if r.status in OPEN_REQUEST), key=lambda r: r.id
    )
    fixed = [
        scheduling.Fixed(m.request_id, m.slot_id, m.table)
        for m in sorted(state.meetings.values(), key=lambda m: m.request_id)
        if m.confirmed or m.locked or scope is ScheduleScope.unplaced
    ]
    staying = {f.request for f in fixed}  # a meeting that stays needs no window
    requests = [
        scheduling.Request(
            r.id,
            r.delegate_id,
            r.exhibitor_id,
            r.weight,
            None if r.id in staying else window_slots(expo, r),
        )
        for r in open_requests
    ]
    tables = expo.tables if expo.tables is not None and expo.mode.value == "tables" else None
    return scheduling.Instance(slots, tables, participants, requests, fixed)


def _tables_keeping_previous(
    state: ExpoState, placed: dict[str, str], tables: int | None
) -> dict[str, int | None]:
    """Table numbers for the placed meetings: a meeting that stays in its slot keeps its table;
    the others take the free numbers (tables are interchangeable)."""
    if tables is None:
        return dict.fromkeys(placed)
    by_slot: dict[str, list[str]] = defaultdict(list)
    for request_id, slot_id in placed.items():
        by_slot[slot_id].append(request_id)
    chosen: dict[str, int | None] = {}
    for slot_id, request_ids in by_slot.items():
        taken: set[int] = set()
        for request_id in request_ids:
            previous = state.meetings.get(request_id)
            if previous is not None and previous.slot_id == slot_id and previous.table is not None:
                chosen[request_id] = previous.table
                taken.add(previous.table)
        free = iter(n for n in range(1, tables + 1) if n not in taken)
        for request_id in sorted(request_ids):
            if request_id not in chosen:
                chosen[request_id] = next(free)
    return chosen


def require_scheduler(principal: Principal, expo: ExpoData) -> None:
    """Only the expo's organiser schedules it, and only while it takes requests."""
    require_organiser(principal, expo)
    if expo.status not in SCHEDULABLE:
        raise Conflict(
            f"the expo is {expo.status.value}; open it before scheduling",
            "expo_id",
            code="expo-not-schedulable",
            params={"status": expo.status.value},
        )


async def run_schedule(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    time_limit: float,
    scope: ScheduleScope = ScheduleScope.everything,
    progress: RunProgress | None = None,
) -> ScheduleReport:
    """Schedule the open requests of `scope`: read the whole expo, solve (in a worker thread,
    within the time limit), commit the difference; solve again if the expo changed meanwhile."""

    heard = progress or RunProgress()

    async def attempt() -> ScheduleReport:
        heard.phase = "reading"
        state = await store.load(expo_id)
        require_scheduler(principal, state.expo)
        instance = build_instance(state, scope)
        result = await asyncio.to_thread(
            scheduling.solve, instance, time_limit, progress=heard.heard
        )
        heard.phase = "committing"
        change, new, moved = _difference(state, instance, result)
        if await store.commit(expo_id, change) is not None:
            raise Conflicted
        return _report(state, instance, result, new, moved)

    return await retry_on_conflict(
        attempt, ATTEMPTS, "the expo kept changing while it was being scheduled; run it again"
    )


def _report(
    state: ExpoState,
    instance: scheduling.Instance,
    result: scheduling.Schedule,
    new: int,
    moved: int,
) -> ScheduleReport:
    placed_weight = result.objective
    return ScheduleReport(
        expo_id=state.expo.id,
        solver_status=result.status,
        requests=len(instance.requests),
        scheduled=len(result.meetings),
        scheduled_weight=placed_weight,
        upper_bound=result.upper_bound,
        ratio_to_bound=round(placed_weight / result.upper_bound, 4) if result.upper_bound else 1.0,
        new=new,
        moved=moved,
        unplaced=[
            UnplacedOut(
                request_id=u.request,
                delegate_id=state.requests[u.request].delegate_id,
                exhibitor_id=state.requests[u.request].exhibitor_id,
                reason=u.reason,
            )
            for u in result.unscheduled
        ],
        breaks=result.breaks,
        breaks_bound=result.breaks_bound,
        max_breaks=result.max_breaks,
        min_breaks=result.min_breaks,
        seconds=round(result.seconds, 3),
    )


def _difference(
    state: ExpoState, instance: scheduling.Instance, result: scheduling.Schedule
) -> tuple[Change, int, int]:
    placed = {m.request: m.slot for m in result.meetings}
    tables = _tables_keeping_previous(state, placed, instance.tables)
    slots = state.slots
    booking = BookingChange(state.raw)
    moves: list[tuple[str, MeetingData | None]] = []
    for request_id in sorted({r.id for r in instance.requests}):
        previous = state.meetings.get(request_id)
        target = placed.get(request_id)
        if (
            previous is not None
            and target == previous.slot_id
            and tables[request_id] == previous.table
        ):
            continue
        if previous is not None:
            booking.free(previous)  # every release first: a freed field may be claimed below
        if target is not None:
            moves.append((request_id, previous))
        elif previous is not None:
            request = state.requests[request_id]
            back = request.model_copy(
                update={"status": RequestStatus.requested, "version": request.version + 1}
            )
            booking.write_request(back)
            booking.change.announce(
                MeetingUnscheduled(request=back, reason="a heavier set of meetings took its slot")
            )
    confirmed = state.expo.status is ExpoStatus.published
    for request_id, previous in moves:
        request = state.requests[request_id]
        exhibitor = state.exhibitors[request.exhibitor_id]
        table = tables[request_id]
        booking.place(
            Placement(
                request,
                slots[placed[request_id]],
                table,
                meeting_location(exhibitor, table),
                confirmed,
            ),
            previous=previous,
        )
    change = booking.finish()
    change.expect(EXPO, state.raw[EXPO])
    if state.expo.status is ExpoStatus.open:
        expo = state.expo.model_copy(
            update={"status": ExpoStatus.scheduled, "version": state.expo.version + 1}
        )
        change.put(EXPO, expo.model_dump_json())
        change.announce(ExpoUpdated(expo=expo))
    new = sum(previous is None for _, previous in moves)
    return change, new, len(moves) - new
