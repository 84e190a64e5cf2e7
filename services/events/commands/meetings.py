"""Decisions on meeting requests: make one, place it in the schedule (with the scheduler's own
online insertion), move it, cancel it, record how it went."""

from __future__ import annotations

from dataclasses import dataclass

from services.events import scheduling
from services.events.access import require_organiser, require_party
from services.events.bookings import BookingChange, Placement
from services.events.domain import (
    ACCEPTS_REQUESTS,
    OPEN_REQUEST,
    REQUESTS_INDEX,
    SCHEDULE_EXISTS,
    expand_availability,
    meeting_field,
    meeting_location,
    pair_field,
    request_field,
    requests_of_index,
    window_slots,
)
from services.events.views import BookingView, NewRequestView, RequestView, shared_slots
from shared.atomic import Change, Conflicted
from shared.auth import Principal, Role
from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    ExpoData,
    ExpoStatus,
    MeetingCancelled,
    MeetingData,
    MeetingLocked,
    MeetingMode,
    MeetingRequestData,
    MeetingRequested,
    MeetingUnlocked,
    MeetingWindow,
    RequestOrigin,
    RequestStatus,
)
from shared.errors import (
    CommandConflict,
    CommandNotFound,
    Forbidden,
    InvalidCommand,
    Problem,
)


class AlreadyRequested(CommandConflict):
    """The delegate and the exhibitor already have an open request together."""


@dataclass(frozen=True)
class Unplaced:
    request_id: str
    reason: scheduling.Reason
    detail: str


@dataclass(frozen=True)
class RequestOutcome:
    request: MeetingRequestData
    meeting: MeetingData | None
    unplaced: Unplaced | None


@dataclass(frozen=True)
class Requested:
    request: MeetingRequestData
    created: bool  # False: the request existed (the same id was asked for again)
    place_now: bool  # a schedule exists: the request goes into it at once


def request_meeting(
    principal: Principal,
    view: NewRequestView,
    request_id: str,
    weight: int,
    match_id: str | None = None,
    slot_id: str | None = None,
    window: MeetingWindow | None = None,
) -> tuple[Change, Requested]:
    """A delegate asks to meet an exhibitor, an organiser asks for them, or a service turns an
    accepted match (`match_id`) into a request, for any time both attend or within a `window`.
    The same request id again changes nothing, so a redelivered acceptance yields the same
    request."""
    origin = _origin(principal, view, match_id)
    if view.existing is not None:
        return Change(), Requested(view.existing, False, _due(view, view.existing))
    delegate, exhibitor = _participants(view, slot_id)
    slots = _window(view.expo, delegate, exhibitor, window, slot_id)
    if view.expo.status not in ACCEPTS_REQUESTS:
        raise CommandConflict(f"the expo is {view.expo.status.value}; it takes no meeting requests")
    if view.open_request is not None:
        raise AlreadyRequested(
            f"{delegate.name} already has request {view.open_request} with {exhibitor.seller_name}",
            "exhibitor_id",
            code="already-requested",
        )
    request = MeetingRequestData(
        id=request_id,
        expo_id=view.expo.id,
        delegate_id=delegate.id,
        exhibitor_id=exhibitor.id,
        seller_id=exhibitor.seller_id,
        weight=weight,
        origin=origin,
        match_id=match_id,
        status=RequestStatus.requested,
        version=1,
        window=slots,
    )
    pair = pair_field(delegate.id, exhibitor.id)
    change = Change()
    change.expect(request_field(request_id), None)
    change.expect(pair, None)
    change.put(request_field(request_id), request.model_dump_json())
    change.put(pair, request_id)
    # The indexes listings and agendas read instead of the whole expo.
    change.add_to(REQUESTS_INDEX, request_id)
    for participant in (delegate.id, exhibitor.id):
        change.add_to(requests_of_index(participant), request_id)
    change.announce(MeetingRequested(request=request))
    return change, Requested(request, True, _due(view, request))


def place(
    view: BookingView, slot_id: str | None = None, table: int | None = None
) -> tuple[Change, RequestOutcome]:
    """Place a requested meeting into the existing schedule without moving anything: in
    `slot_id` (at `table` if given), or in the free slot both attend that leaves them the
    fewest idle gaps."""
    request = view.request
    if request.status is not RequestStatus.requested:
        return Change(), RequestOutcome(request, view.meeting, None)
    placed = _online_insert(view, slot_id, moving=None, table=table)
    if isinstance(placed, Unplaced):
        return Change(), RequestOutcome(request, None, placed)
    booking = BookingChange(view.raw)
    meeting = booking.place(_placement(view, placed, view.expo.status is ExpoStatus.published))
    scheduled = request.model_copy(
        update={"status": RequestStatus.scheduled, "version": meeting.version}
    )
    return booking.finish(), RequestOutcome(scheduled, meeting, None)


def place_by_hand(
    principal: Principal, view: BookingView, slot_id: str | None, table: int | None
) -> tuple[Change, RequestOutcome]:
    """The organiser puts a request that has no meeting into a cell of the schedule they chose
    (or the best free one), moving nothing else; refused with the reason when it does not fit."""
    require_organiser(principal, view.expo)
    if view.request.status is not RequestStatus.requested:
        raise CommandConflict(
            f"request {view.request.id} is {view.request.status.value}; only a request without "
            "a meeting is placed",
            code="not-waiting",
            params={"status": view.request.status.value},
        )
    _check_cell(view.expo, slot_id, table)
    return place(view, slot_id, table)


def reschedule(
    principal: Principal, view: BookingView, slot_id: str | None, table: int | None = None
) -> tuple[Change, RequestOutcome]:
    """Move a scheduled meeting to `slot_id` (or to the best other free slot), at `table` if
    given, atomically: it either lands where asked or stays where it was. A locked meeting
    stays: the organiser unlocks it first."""
    require_organiser(principal, view.expo)
    meeting = _meeting_to(view, "move")
    if meeting.locked:
        raise CommandConflict(
            f"the meeting of request {view.request.id} is locked; unlock it to move it",
            code="meeting-locked",
        )
    _check_cell(view.expo, slot_id, table)
    placed = _online_insert(view, slot_id, moving=meeting, table=table)
    if isinstance(placed, Unplaced):
        return Change(), RequestOutcome(view.request, meeting, placed)
    booking = BookingChange(view.raw)
    booking.free(meeting)
    moved = booking.place(_placement(view, placed, meeting.confirmed), previous=meeting)
    scheduled = view.request.model_copy(
        update={"status": RequestStatus.scheduled, "version": moved.version}
    )
    return booking.finish(), RequestOutcome(scheduled, moved, None)


def lock(principal: Principal, view: RequestView, locked: bool) -> tuple[Change, MeetingData]:
    """Hold a meeting where it is for every later scheduling run (or let it move again); a
    meeting already as asked is left as it is."""
    require_organiser(principal, view.expo)
    meeting = _meeting_to(view, "lock")
    if meeting.locked is locked:
        return Change(), meeting
    # Meeting and request keep one version, as every booking writes them.
    version = view.request.version + 1
    changed = meeting.model_copy(update={"locked": locked, "version": version})
    request = view.request.model_copy(update={"version": version})
    change = Change()
    for name, old, new in (
        (meeting_field(request.id), view.raw[meeting_field(request.id)], changed),
        (request_field(request.id), view.raw[request_field(request.id)], request),
    ):
        change.expect(name, old)
        change.put(name, new.model_dump_json())
    change.announce(MeetingLocked(meeting=changed) if locked else MeetingUnlocked(meeting=changed))
    return change, changed


def _meeting_to(view: BookingView | RequestView, doing: str) -> MeetingData:
    """The request's meeting, which the organiser is about to `doing` (move, lock)."""
    if view.meeting is None:
        raise CommandConflict(
            f"request {view.request.id} has no meeting to {doing}; it is "
            f"{view.request.status.value}",
            code="no-meeting",
        )
    return view.meeting


def _check_cell(expo: ExpoData, slot_id: str | None, table: int | None) -> None:
    if slot_id is not None and slot_id not in {s.id for s in expo.slots}:
        raise InvalidCommand(f"{slot_id} is not a slot of this expo", "slot_id")
    if table is not None:
        _check_table(expo, slot_id, table)


def _check_table(expo: ExpoData, slot_id: str | None, table: int) -> None:
    if expo.mode is not MeetingMode.tables or expo.tables is None:
        raise InvalidCommand("this expo meets at the exhibitors' booths, not at tables", "table")
    if not 1 <= table <= expo.tables:
        raise InvalidCommand(
            f"table {table} is not one of the expo's tables 1 to {expo.tables}",
            "table",
            code="table-unknown",
            params={"tables": expo.tables},
        )
    if slot_id is None:
        raise InvalidCommand("a table is chosen together with its slot", "slot_id")


def cancel(
    principal: Principal, view: RequestView, reason: str
) -> tuple[Change, MeetingRequestData]:
    """Cancel a request, freeing its meeting's slot, table and counters."""
    require_party(principal, view.expo, view.delegate, view.seller)
    request = view.request
    if request.status not in OPEN_REQUEST:
        raise CommandConflict(f"the request is already {request.status.value}")
    booking = BookingChange(view.raw)
    if view.meeting is not None:
        booking.free(view.meeting)
    cancelled = request.model_copy(
        update={"status": RequestStatus.cancelled, "version": request.version + 1}
    )
    booking.write_request(cancelled)
    pair = pair_field(request.delegate_id, request.exhibitor_id)
    booking.change.expect(pair, view.raw.get(pair))
    booking.change.delete(pair)
    booking.change.announce(
        MeetingCancelled(
            request=cancelled,
            reason=reason,
            freed_slot_id=view.meeting.slot_id if view.meeting else None,
        )
    )
    return booking.finish(), cancelled


# -- who asks, and for whom --------------------------------------------------------------------
def _origin(principal: Principal, view: NewRequestView, match_id: str | None) -> RequestOrigin:
    principal.require(Role.organiser, Role.delegate, Role.service)
    if principal.role is Role.delegate:
        if view.delegate is None:
            raise CommandNotFound(
                f"no delegate {view.delegate_id} in expo {view.expo.id}", "delegate_id"
            )
        if view.delegate.subject != principal.subject:
            raise Forbidden("a delegate requests meetings only for themselves")
        return RequestOrigin.delegate
    require_organiser(principal, view.expo)
    return RequestOrigin.match if match_id is not None else RequestOrigin.organiser


def _participants(view: NewRequestView, slot_id: str | None) -> tuple[DelegateData, ExhibitorData]:
    """The request's delegate and exhibitor; every unknown one, and an unknown slot, at once."""
    expo_id = view.expo.id
    problems: list[Problem] = []
    if view.delegate is None:
        problems.append(
            InvalidCommand(f"{view.delegate_id} is not a delegate of expo {expo_id}", "delegate_id")
        )
    if view.exhibitor is None:
        problems.append(
            InvalidCommand(
                f"{view.exhibitor_id} is not an exhibitor of expo {expo_id} (meetings pair a "
                "delegate with an exhibitor)",
                "exhibitor_id",
            )
        )
    if slot_id is not None and slot_id not in {s.id for s in view.expo.slots}:
        problems.append(InvalidCommand(f"{slot_id} is not a slot of this expo", "slot_id"))
    if problems or view.delegate is None or view.exhibitor is None:
        raise Problem.all_of(problems)
    return view.delegate, view.exhibitor


def _window(
    expo: ExpoData,
    delegate: DelegateData,
    exhibitor: ExhibitorData,
    window: MeetingWindow | None,
    slot_id: str | None,
) -> list[str] | None:
    """The window's slots (None: any), which must hold a slot both attend and the slot asked
    for, if any."""
    if window is None or (window.sessions is None and window.slots is None):
        return None
    slots = expand_availability(expo, window.sessions, window.slots, "window") or []
    attended = {slot.id for slot in shared_slots(expo, delegate, exhibitor)}
    if not attended.intersection(slots):
        raise InvalidCommand(
            f"{delegate.name} and {exhibitor.seller_name} attend no slot of this window",
            "window",
            code="window-unattended",
        )
    if slot_id is not None and slot_id not in slots:
        raise InvalidCommand(f"{slot_id} is outside the window asked for", "slot_id")
    return slots


def _due(view: NewRequestView, request: MeetingRequestData) -> bool:
    return view.expo.status in SCHEDULE_EXISTS and request.status is RequestStatus.requested


# -- placing with the scheduler's online insertion -----------------------------------------------
def _online_insert(
    view: BookingView, slot_id: str | None, moving: MeetingData | None, table: int | None = None
) -> scheduling.Meeting | Unplaced:
    """Insert the view's request into the part of the schedule it touches: both participants'
    meetings and the meetings holding tables in the slots they share, all fixed. The request's
    own meeting, when `moving`, is left out, and its slot is not a choice unless a `table` is
    asked for (another table in the same slot)."""
    try:
        instance, request = _instance_around(view, moving, same_slot_allowed=table is not None)
    except scheduling.InvalidInstance as torn:
        # The view's reads straddled another booking (a participant's availability changed
        # between them): what it shows cannot all be true at once, so read it again.
        raise Conflicted from torn
    placed = scheduling.OnlineSchedule(instance).insert(request, slot_id, table)
    if isinstance(placed, scheduling.Unscheduled):
        why = _why(view, placed.reason, slot_id, table)
        return Unplaced(view.request.id, placed.reason, why)
    return placed


def _instance_around(
    view: BookingView, moving: MeetingData | None, same_slot_allowed: bool = False
) -> tuple[scheduling.Instance, scheduling.Request]:
    """The scheduling instance of the two participants' neighbourhood: their other meetings and
    the meetings holding tables in the slots they share, all confirmed. Each participant may
    attend the slots of the meetings they have (even if they narrowed their availability since).
    Whom those meetings are with does not matter here, only that they hold the slot and the
    table: a pair of stand-ins per table takes the counterparts' place (one meeting per table
    and slot, so no stand-in is ever booked twice)."""
    expo, own = view.expo, view.request
    pool = expo.tables if expo.mode is MeetingMode.tables else None
    slot_of: dict[str, str] = {}
    people_of: dict[str, list[str]] = {}
    for person in (view.delegate.id, view.exhibitor.id):
        for slot_id, request_id in view.busy(person).items():
            if request_id != own.id:
                slot_of[request_id] = slot_id
                people_of.setdefault(request_id, []).append(person)
    # Tables matter only where both are free: elsewhere the slot is no choice anyway.
    busy_slots = set(slot_of.values())
    table_of: dict[str, int] = {}
    for slot in shared_slots(expo, view.delegate, view.exhibitor) if pool else ():
        if slot.id in busy_slots:
            continue
        for number, request_id in view.tables_taken(slot.id).items():
            if request_id != own.id:
                slot_of[request_id], table_of[request_id] = slot.id, number
    stand_ins: set[str] = set()
    requests, fixed = [], []
    for request_id, slot_id in sorted(slot_of.items()):
        table = table_of.get(request_id)
        seat = f"table-{table}" if table is not None else f"{slot_id}-{request_id}"
        people = [*people_of.get(request_id, []), f"{seat}~a", f"{seat}~b"][:2]
        stand_ins.update(p for p in people if "~" in p)
        requests.append(scheduling.Request(request_id, people[0], people[1], 1))
        fixed.append(scheduling.Fixed(request_id, slot_id, table))
    leaving = None if same_slot_allowed else moving
    participants = [
        _participant(person.id, person.available_slots, person.max_meetings, view, leaving)
        for person in (view.delegate, view.exhibitor)
    ]
    participants += [scheduling.Participant(p, "stand-in") for p in sorted(stand_ins)]
    slots = [scheduling.Slot(s.id, s.start, s.end) for s in expo.slots]
    window = window_slots(expo, own)
    new = scheduling.Request(own.id, own.delegate_id, own.exhibitor_id, own.weight, window)
    return scheduling.Instance(slots, pool, participants, requests, fixed), new


def _participant(
    person_id: str,
    declared: list[str] | None,
    limit: int | None,
    view: BookingView,
    moving: MeetingData | None,
) -> scheduling.Participant:
    busy = _other_meetings(view, person_id)
    available = set(declared) | busy if declared is not None else {s.id for s in view.expo.slots}
    if moving is not None:
        available.discard(moving.slot_id)
    return scheduling.Participant(
        person_id,
        "participant",
        frozenset(available),
        None if limit is None else max(limit, len(busy)),
    )


def _other_meetings(view: BookingView, person_id: str) -> set[str]:
    """The slots of the participant's meetings but the request's own."""
    return {slot for slot, request in view.busy(person_id).items() if request != view.request.id}


def _placement(view: BookingView, meeting: scheduling.Meeting, confirmed: bool) -> Placement:
    slot = next(s for s in view.expo.slots if s.id == meeting.slot)
    location = meeting_location(view.exhibitor, meeting.table)
    return Placement(view.request, slot, meeting.table, location, confirmed)


def _why(
    view: BookingView, reason: scheduling.Reason, slot_id: str | None, table: int | None = None
) -> str:
    delegate, exhibitor = view.delegate, view.exhibitor
    if reason == "table_taken":
        return f"table {table} is taken in {slot_id}"
    if reason == "slot_taken":
        attended = {s.id for s in shared_slots(view.expo, delegate, exhibitor)}
        window = view.request.window
        if window is not None and slot_id not in window:
            return f"{slot_id} is outside the window the meeting was asked for"
        if slot_id not in attended:
            return f"{slot_id} is outside their common availability"
        return f"{slot_id} is no longer free"
    if reason == "max_meetings":
        for name, limit, person in (
            (delegate.name, delegate.max_meetings, delegate.id),
            (exhibitor.seller_name, exhibitor.max_meetings, exhibitor.id),
        ):
            if limit is not None and len(_other_meetings(view, person)) >= limit:
                return f"{name} has reached {limit} meetings"
        return "a participant has reached their maximum of meetings"
    if reason == "no_common_slot" and view.request.window is not None:
        return f"{delegate.name} and {exhibitor.seller_name} attend no slot of its window"
    return {
        "no_common_slot": f"{delegate.name} and {exhibitor.seller_name} share no available slot",
        "capacity": "every table is taken in their common free slots",
        "conflict": "they are both busy in every common slot",
    }[reason]
