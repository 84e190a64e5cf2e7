"""Meeting requests and their placement: create, insert online, move, cancel, record outcomes.

Each operation reads only the fields it needs, decides, and commits a compare-and-set change;
when another writer got there first it reads again and decides again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from services.events.bookings import BookingChange, Placement
from services.events.domain import (
    EXPO,
    OPEN_REQUEST,
    busy_field,
    count_field,
    delegate_field,
    exhibitor_field,
    meeting_field,
    outcome_field,
    request_field,
    table_field,
)
from services.events.store import EventsStore
from shared.atomic import Change
from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    ExpoData,
    ExpoStatus,
    FollowUp,
    MeetingCancelled,
    MeetingData,
    MeetingMode,
    MeetingOutcomeRecorded,
    MeetingRequestData,
    MeetingRequested,
    OutcomeData,
    RequestOrigin,
    RequestStatus,
    SlotData,
)
from shared.errors import Conflict, InvalidField, NotFound

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 50
SCHEDULE_EXISTS = {ExpoStatus.scheduled, ExpoStatus.published}
ACCEPTS_REQUESTS = {ExpoStatus.open, ExpoStatus.scheduled, ExpoStatus.published}


def pair_field(delegate_id: str, exhibitor_id: str) -> str:
    return f"pair:{delegate_id}:{exhibitor_id}"


@dataclass(frozen=True)
class Unplaced:
    request_id: str
    reason: str  # no_common_slot | max_meetings | capacity | conflict | slot_taken
    detail: str


@dataclass(frozen=True)
class RequestOutcome:
    request: MeetingRequestData
    meeting: MeetingData | None
    unplaced: Unplaced | None


async def create_request(
    store: EventsStore,
    expo_id: str,
    request_id: str,
    delegate_id: str,
    exhibitor_id: str,
    weight: int,
    origin: RequestOrigin,
    match_id: str | None = None,
    preferred_slot: str | None = None,
) -> RequestOutcome:
    """Record a meeting request; once a schedule exists, place it at once (online insertion).

    Creating the same request id again changes nothing, so a redelivered match acceptance
    yields the same request."""
    for _ in range(MAX_ATTEMPTS):
        names = [EXPO, delegate_field(delegate_id), exhibitor_field(exhibitor_id)]
        names += [request_field(request_id), pair_field(delegate_id, exhibitor_id)]
        current = await store.read(expo_id, names)
        expo = _expo(current, expo_id)
        existing = current.get(request_field(request_id))
        if existing is not None:
            return await _place_if_due(
                store, expo, MeetingRequestData.model_validate_json(existing)
            )
        delegate = _delegate(current, delegate_id, expo_id)
        exhibitor = _exhibitor(current, exhibitor_id, expo_id)
        if expo.status not in ACCEPTS_REQUESTS:
            raise Conflict(f"the expo is {expo.status.value}; it takes no meeting requests")
        if preferred_slot is not None and preferred_slot not in {s.id for s in expo.slots}:
            raise InvalidField(f"{preferred_slot} is not a slot of this expo", "body.slot_id")
        twin = current.get(pair_field(delegate_id, exhibitor_id))
        if twin is not None:
            raise Conflict(
                f"{delegate.name} already has request {twin} with {exhibitor.seller_name}",
                "body.exhibitor_id",
            )
        request = MeetingRequestData(
            id=request_id,
            expo_id=expo_id,
            delegate_id=delegate_id,
            exhibitor_id=exhibitor_id,
            seller_id=exhibitor.seller_id,
            weight=weight,
            origin=origin,
            match_id=match_id,
            status=RequestStatus.requested,
            version=1,
        )
        change = Change()
        change.expect(request_field(request_id), None)
        change.expect(pair_field(delegate_id, exhibitor_id), None)
        change.put(request_field(request_id), request.model_dump_json())
        change.put(pair_field(delegate_id, exhibitor_id), request_id)
        # The indexes listings and agendas read instead of the whole expo.
        change.add_to(store.requests_key(expo_id), request_id)
        for participant in (delegate_id, exhibitor_id):
            change.add_to(store.requests_of_key(expo_id, participant), request_id)
        change.announce(MeetingRequested(request=request))
        if await store.commit(expo_id, change) is None:
            return await _place_if_due(store, expo, request, preferred_slot)
    raise Conflict("too many concurrent changes; retry")


async def _place_if_due(
    store: EventsStore,
    expo: ExpoData,
    request: MeetingRequestData,
    preferred_slot: str | None = None,
) -> RequestOutcome:
    if expo.status not in SCHEDULE_EXISTS or request.status is not RequestStatus.requested:
        meeting = await meeting_of(store, expo.id, request.id)
        return RequestOutcome(request, meeting, None)
    return await insert(store, expo.id, request.id, preferred_slot)


async def meeting_of(store: EventsStore, expo_id: str, request_id: str) -> MeetingData | None:
    raw = (await store.read(expo_id, [meeting_field(request_id)])).get(meeting_field(request_id))
    return MeetingData.model_validate_json(raw) if raw else None


async def insert(
    store: EventsStore, expo_id: str, request_id: str, preferred_slot: str | None = None
) -> RequestOutcome:
    """Place one requested meeting into the existing schedule without moving anything:
    the free slot both participants can attend that leaves them the fewest idle gaps."""
    for _ in range(MAX_ATTEMPTS):
        head = await store.read(expo_id, [EXPO, request_field(request_id)])
        expo = _expo(head, expo_id)
        request = _request(head, request_id)
        if request.status is not RequestStatus.requested:
            return RequestOutcome(request, await meeting_of(store, expo_id, request_id), None)
        people = await store.read(
            expo_id, [delegate_field(request.delegate_id), exhibitor_field(request.exhibitor_id)]
        )
        delegate = _delegate(people, request.delegate_id, expo_id)
        exhibitor = _exhibitor(people, request.exhibitor_id, expo_id)
        candidates = _common_slots(expo, delegate, exhibitor, preferred_slot)
        names = [count_field(delegate.id), count_field(exhibitor.id)]
        for slot in expo.slots:
            names += [busy_field(delegate.id, slot.id), busy_field(exhibitor.id, slot.id)]
        if expo.mode is MeetingMode.tables and expo.tables:
            for slot in candidates:
                names += [table_field(slot.id, n) for n in range(1, expo.tables + 1)]
        current = {**head, **await store.read(expo_id, names)}
        choice = _choose(expo, delegate, exhibitor, candidates, current, preferred_slot, request_id)
        if isinstance(choice, Unplaced):
            return RequestOutcome(request, None, choice)
        slot, table = choice
        booking = BookingChange(current)
        location = meeting_location(exhibitor, table)
        meeting = booking.place(
            Placement(request, slot, table, location, expo.status is ExpoStatus.published)
        )
        if await store.commit(expo_id, booking.finish()) is None:
            placed = request.model_copy(
                update={"status": RequestStatus.scheduled, "version": meeting.version}
            )
            return RequestOutcome(placed, meeting, None)
    raise Conflict("too many concurrent bookings; retry")


def meeting_location(exhibitor: ExhibitorData, table: int | None) -> str:
    if table is not None:
        return f"Table {table}"
    return f"Booth {exhibitor.booth}" if exhibitor.booth else "At the exhibitor's booth"


def _common_slots(
    expo: ExpoData, delegate: DelegateData, exhibitor: ExhibitorData, preferred: str | None
) -> list[SlotData]:
    allowed = [
        slot
        for slot in expo.slots
        if (delegate.available_slots is None or slot.id in delegate.available_slots)
        and (exhibitor.available_slots is None or slot.id in exhibitor.available_slots)
    ]
    if preferred is not None:
        return [slot for slot in allowed if slot.id == preferred]
    return allowed


def _choose(
    expo: ExpoData,
    delegate: DelegateData,
    exhibitor: ExhibitorData,
    candidates: list[SlotData],
    current: dict[str, str],
    preferred: str | None,
    request_id: str,
) -> tuple[SlotData, int | None] | Unplaced:
    if not candidates:
        reason = "slot_taken" if preferred else "no_common_slot"
        detail = (
            f"{preferred} is outside their common availability"
            if preferred
            else f"{delegate.name} and {exhibitor.seller_name} share no available slot"
        )
        return Unplaced(request_id, reason, detail)
    for participant, limit, name in (
        (delegate.id, delegate.max_meetings, delegate.name),
        (exhibitor.id, exhibitor.max_meetings, exhibitor.seller_name),
    ):
        if limit is not None and int(current.get(count_field(participant), 0)) >= limit:
            return Unplaced(request_id, "max_meetings", f"{name} has reached {limit} meetings")
    order = {slot.id: index for index, slot in enumerate(expo.slots)}
    best: tuple[tuple[int, int], SlotData, int | None] | None = None
    people_free_somewhere = False
    for slot in candidates:
        if (
            busy_field(delegate.id, slot.id) in current
            or busy_field(exhibitor.id, slot.id) in current
        ):
            continue
        people_free_somewhere = True
        table: int | None = None
        if expo.mode is MeetingMode.tables and expo.tables:
            free = [n for n in range(1, expo.tables + 1) if table_field(slot.id, n) not in current]
            if not free:
                continue
            table = free[0]
        rank = (
            -_neighbours(expo, slot, order, (delegate.id, exhibitor.id), current),
            order[slot.id],
        )
        if best is None or rank < best[0]:
            best = (rank, slot, table)
    if best is None:
        if preferred:
            return Unplaced(request_id, "slot_taken", f"{preferred} is no longer free")
        if people_free_somewhere:
            return Unplaced(
                request_id, "capacity", "every table is taken in their common free slots"
            )
        return Unplaced(request_id, "conflict", "they are both busy in every common slot")
    return best[1], best[2]


def _neighbours(
    expo: ExpoData,
    slot: SlotData,
    order: dict[str, int],
    people: tuple[str, str],
    current: dict[str, str],
) -> int:
    """How many of the participants' meetings sit right next to `slot` in its session: placing a
    meeting there closes an idle gap instead of opening one."""
    index = order[slot.id]
    touching = 0
    for neighbour_index in (index - 1, index + 1):
        if 0 <= neighbour_index < len(expo.slots):
            neighbour = expo.slots[neighbour_index]
            if neighbour.session_id != slot.session_id:
                continue
            touching += sum(busy_field(p, neighbour.id) in current for p in people)
    return touching


async def cancel(
    store: EventsStore, expo_id: str, request_id: str, reason: str
) -> MeetingRequestData:
    for _ in range(MAX_ATTEMPTS):
        head = await store.read(
            expo_id, [EXPO, request_field(request_id), meeting_field(request_id)]
        )
        _expo(head, expo_id)
        request = _request(head, request_id)
        if request.status not in OPEN_REQUEST:
            raise Conflict(f"the request is already {request.status.value}")
        meeting_raw = head.get(meeting_field(request_id))
        meeting = MeetingData.model_validate_json(meeting_raw) if meeting_raw else None
        names = [count_field(request.delegate_id), count_field(request.exhibitor_id)]
        names += [pair_field(request.delegate_id, request.exhibitor_id)]
        if meeting is not None:
            names += [busy_field(request.delegate_id, meeting.slot_id)]
            names += [busy_field(request.exhibitor_id, meeting.slot_id)]
            if meeting.table is not None:
                names.append(table_field(meeting.slot_id, meeting.table))
        current = {**head, **await store.read(expo_id, names)}
        booking = BookingChange(current)
        if meeting is not None:
            booking.free(meeting)
        cancelled = request.model_copy(
            update={"status": RequestStatus.cancelled, "version": request.version + 1}
        )
        booking.write_request(cancelled)
        pair = pair_field(request.delegate_id, request.exhibitor_id)
        booking.change.expect(pair, current.get(pair))
        booking.change.delete(pair)
        booking.change.announce(
            MeetingCancelled(
                request=cancelled,
                reason=reason,
                freed_slot_id=meeting.slot_id if meeting else None,
            )
        )
        if await store.commit(expo_id, booking.finish()) is None:
            return cancelled
    raise Conflict("too many concurrent changes; retry")


async def reschedule(
    store: EventsStore, expo_id: str, request_id: str, slot_id: str | None
) -> RequestOutcome:
    """Move a scheduled meeting to `slot_id` (or to the best other free slot), atomically: it
    either lands in the new slot or stays where it was."""
    for _ in range(MAX_ATTEMPTS):
        head = await store.read(
            expo_id, [EXPO, request_field(request_id), meeting_field(request_id)]
        )
        expo = _expo(head, expo_id)
        request = _request(head, request_id)
        meeting_raw = head.get(meeting_field(request_id))
        if meeting_raw is None:
            raise Conflict(
                f"request {request_id} has no meeting to move; it is {request.status.value}"
            )
        meeting = MeetingData.model_validate_json(meeting_raw)
        if slot_id is not None and slot_id not in {s.id for s in expo.slots}:
            raise InvalidField(f"{slot_id} is not a slot of this expo", "body.slot_id")
        people = await store.read(
            expo_id, [delegate_field(request.delegate_id), exhibitor_field(request.exhibitor_id)]
        )
        delegate = _delegate(people, request.delegate_id, expo_id)
        exhibitor = _exhibitor(people, request.exhibitor_id, expo_id)
        candidates = [
            s for s in _common_slots(expo, delegate, exhibitor, slot_id) if s.id != meeting.slot_id
        ]
        names = [count_field(delegate.id), count_field(exhibitor.id)]
        for slot in expo.slots:
            names += [busy_field(delegate.id, slot.id), busy_field(exhibitor.id, slot.id)]
        if expo.mode is MeetingMode.tables and expo.tables:
            for slot in [*candidates, *(s for s in expo.slots if s.id == meeting.slot_id)]:
                names += [table_field(slot.id, n) for n in range(1, expo.tables + 1)]
        current = {**head, **await store.read(expo_id, names)}
        # Decide as if the meeting were not there (its own counter and fields are freed).
        without = {
            k: v
            for k, v in current.items()
            if v != request_id or not k.startswith(("busy:", "table:"))
        }
        for participant in (delegate.id, exhibitor.id):
            without[count_field(participant)] = str(
                int(current.get(count_field(participant), 1)) - 1
            )
        choice = _choose(expo, delegate, exhibitor, candidates, without, slot_id, request_id)
        if isinstance(choice, Unplaced):
            return RequestOutcome(request, meeting, choice)
        slot, table = choice
        booking = BookingChange(current)
        booking.free(meeting)
        location = meeting_location(exhibitor, table)
        moved = booking.place(
            Placement(request, slot, table, location, meeting.confirmed), previous=meeting
        )
        if await store.commit(expo_id, booking.finish()) is None:
            placed = request.model_copy(
                update={"status": RequestStatus.scheduled, "version": moved.version}
            )
            return RequestOutcome(placed, moved, None)
    raise Conflict("too many concurrent bookings; retry")


async def record_outcome(
    store: EventsStore,
    expo_id: str,
    request_id: str,
    held: bool,
    rating: int | None,
    follow_up: FollowUp,
    deal_value: float | None,
    currency: str | None,
) -> OutcomeData:
    head = await store.read(expo_id, [EXPO, request_field(request_id), outcome_field(request_id)])
    _expo(head, expo_id)
    request = _request(head, request_id)
    if request.status is not RequestStatus.scheduled and outcome_field(request_id) not in head:
        raise Conflict(
            f"only a scheduled meeting has an outcome; this one is {request.status.value}"
        )
    if not held and (deal_value or follow_up is not FollowUp.none or rating):
        raise InvalidField(
            "a meeting that was not held has no rating, follow-up or deal", "body.held"
        )
    if (deal_value is None) != (currency is None):
        raise InvalidField("a deal value needs its currency and the reverse", "body.currency")
    version = request.version + 1
    outcome = OutcomeData(
        request_id=request_id,
        expo_id=expo_id,
        delegate_id=request.delegate_id,
        seller_id=request.seller_id,
        held=held,
        rating=rating,
        follow_up=follow_up,
        deal_value=deal_value,
        currency=currency,
        version=version,
    )
    updated = request.model_copy(
        update={"status": RequestStatus.held if held else RequestStatus.no_show, "version": version}
    )
    change = Change()
    change.expect(request_field(request_id), head[request_field(request_id)])
    change.put(request_field(request_id), updated.model_dump_json())
    change.put(outcome_field(request_id), outcome.model_dump_json())
    change.announce(MeetingOutcomeRecorded(outcome=outcome))
    await store.commit_or_conflict(expo_id, change)
    return outcome


# -- reading fields -------------------------------------------------------------------------
def _expo(fields: dict[str, str], expo_id: str) -> ExpoData:
    if EXPO not in fields:
        raise NotFound(f"no expo {expo_id}", "expo_id")
    return ExpoData.model_validate_json(fields[EXPO])


def _request(fields: dict[str, str], request_id: str) -> MeetingRequestData:
    raw = fields.get(request_field(request_id))
    if raw is None:
        raise NotFound(f"no meeting request {request_id} in this expo", "request_id")
    return MeetingRequestData.model_validate_json(raw)


def _delegate(fields: dict[str, str], delegate_id: str, expo_id: str) -> DelegateData:
    raw = fields.get(delegate_field(delegate_id))
    if raw is None:
        raise InvalidField(f"{delegate_id} is not a delegate of expo {expo_id}", "body.delegate_id")
    return DelegateData.model_validate_json(raw)


def _exhibitor(fields: dict[str, str], exhibitor_id: str, expo_id: str) -> ExhibitorData:
    raw = fields.get(exhibitor_field(exhibitor_id))
    if raw is None:
        raise InvalidField(
            f"{exhibitor_id} is not an exhibitor of expo {expo_id} (meetings pair a delegate "
            "with an exhibitor)",
            "body.exhibitor_id",
        )
    return ExhibitorData.model_validate_json(raw)
