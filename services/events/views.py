"""What each use case reads before it decides, as a typed view read in one place.

A view holds the entities a decision needs and `raw`, the stored value of every field it read,
which the decision's compare-and-set change expects unchanged. Each read names only the fields
of one request, one participant or one slot it needs: a busy expo holds thousands of requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

from services.events.domain import (
    EXPO,
    busy_field,
    count_field,
    delegate_field,
    delegate_of_subject_field,
    exhibitor_field,
    exhibitor_of_seller_field,
    meeting_field,
    outcome_field,
    pair_field,
    request_field,
    table_field,
)
from services.events.store import EventsStore
from shared.contracts.catalog import SellerData
from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    ExpoData,
    MeetingData,
    MeetingMode,
    MeetingRequestData,
    OutcomeData,
    SlotData,
)
from shared.errors import NotFound

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ExpoView:
    expo: ExpoData
    raw: dict[str, str]


@dataclass(frozen=True)
class RegistrationView:
    """An expo and whether a subject (a delegate) or a seller (an exhibitor) is registered."""

    expo: ExpoData
    registered_as: str | None  # the delegate or exhibitor id already registered
    raw: dict[str, str]


@dataclass(frozen=True)
class DelegateView:
    expo: ExpoData
    delegate: DelegateData
    raw: dict[str, str]


@dataclass(frozen=True)
class NewRequestView:
    """What a new meeting request is checked against: the expo, both participants, a request
    already made under the same id (a redelivery) and an open one between the two."""

    expo: ExpoData
    delegate_id: str
    exhibitor_id: str
    delegate: DelegateData | None
    exhibitor: ExhibitorData | None
    existing: MeetingRequestData | None
    open_request: str | None
    raw: dict[str, str]


@dataclass(frozen=True)
class RequestView:
    """One request with its meeting and outcome, the people it concerns (to decide who may act
    on it), and the booking fields its meeting holds."""

    expo: ExpoData
    request: MeetingRequestData
    meeting: MeetingData | None
    outcome: OutcomeData | None
    delegate: DelegateData
    seller: SellerData | None
    raw: dict[str, str]


@dataclass(frozen=True)
class BookingView:
    """One request and everything placing it touches: both participants, every slot either
    is busy in, their meeting counts, and the tables taken in the slots they share."""

    expo: ExpoData
    request: MeetingRequestData
    meeting: MeetingData | None
    delegate: DelegateData
    exhibitor: ExhibitorData
    raw: dict[str, str]

    def busy(self, participant_id: str) -> dict[str, str]:
        """Slot id -> the request met there, for one of the two participants."""
        return {
            slot.id: self.raw[name]
            for slot in self.expo.slots
            if (name := busy_field(participant_id, slot.id)) in self.raw
        }

    def tables_taken(self, slot_id: str) -> dict[int, str]:
        """Table number -> the request met there (pool mode; read for the shared slots)."""
        return {
            number: self.raw[name]
            for number in range(1, (self.expo.tables or 0) + 1)
            if (name := table_field(slot_id, number)) in self.raw
        }


async def expo_view(store: EventsStore, expo_id: str) -> ExpoView:
    raw = await store.read(expo_id, [EXPO])
    return ExpoView(expo_of(raw, expo_id), raw)


async def read_expo(store: EventsStore, expo_id: str) -> ExpoData:
    return (await expo_view(store, expo_id)).expo


async def delegate_registration(store: EventsStore, expo_id: str, subject: str) -> RegistrationView:
    raw = await store.read(expo_id, [EXPO, delegate_of_subject_field(subject)])
    return RegistrationView(expo_of(raw, expo_id), raw.get(delegate_of_subject_field(subject)), raw)


async def exhibitor_registration(
    store: EventsStore, expo_id: str, seller_id: str
) -> RegistrationView:
    raw = await store.read(expo_id, [EXPO, exhibitor_of_seller_field(seller_id)])
    return RegistrationView(
        expo_of(raw, expo_id), raw.get(exhibitor_of_seller_field(seller_id)), raw
    )


async def delegate_view(store: EventsStore, expo_id: str, delegate_id: str) -> DelegateView:
    raw = await store.read(expo_id, [EXPO, delegate_field(delegate_id)])
    expo = expo_of(raw, expo_id)
    found = raw.get(delegate_field(delegate_id))
    if found is None:
        raise NotFound(f"no delegate {delegate_id} in expo {expo_id}", "delegate_id")
    return DelegateView(expo, DelegateData.model_validate_json(found), raw)


async def new_request_view(
    store: EventsStore, expo_id: str, request_id: str, delegate_id: str, exhibitor_id: str
) -> NewRequestView:
    names = [EXPO, delegate_field(delegate_id), exhibitor_field(exhibitor_id)]
    names += [request_field(request_id), pair_field(delegate_id, exhibitor_id)]
    raw = await store.read(expo_id, names)
    return NewRequestView(
        expo=expo_of(raw, expo_id),
        delegate_id=delegate_id,
        exhibitor_id=exhibitor_id,
        delegate=_parsed(raw, delegate_field(delegate_id), DelegateData),
        exhibitor=_parsed(raw, exhibitor_field(exhibitor_id), ExhibitorData),
        existing=_parsed(raw, request_field(request_id), MeetingRequestData),
        open_request=raw.get(pair_field(delegate_id, exhibitor_id)),
        raw=raw,
    )


async def request_view(store: EventsStore, expo_id: str, request_id: str) -> RequestView:
    """Two reads: the request, then (with the request again, so the view is one moment) the
    delegate and the booking fields its meeting holds."""
    head_names = [EXPO, request_field(request_id), meeting_field(request_id)]
    head = await store.read(expo_id, head_names)
    request = request_of(head, expo_id, request_id)
    meeting = _parsed(head, meeting_field(request_id), MeetingData)
    people = (request.delegate_id, request.exhibitor_id)
    names = [*head_names, outcome_field(request_id), delegate_field(request.delegate_id)]
    names += [pair_field(*people), *(count_field(p) for p in people)]
    if meeting is not None:
        names += [busy_field(p, meeting.slot_id) for p in people]
        if meeting.table is not None:
            names.append(table_field(meeting.slot_id, meeting.table))
    raw = await store.read(expo_id, names)
    request = request_of(raw, expo_id, request_id)
    return RequestView(
        expo=expo_of(raw, expo_id),
        request=request,
        meeting=_parsed(raw, meeting_field(request_id), MeetingData),
        outcome=_parsed(raw, outcome_field(request_id), OutcomeData),
        delegate=DelegateData.model_validate_json(raw[delegate_field(request.delegate_id)]),
        seller=await store.seller(request.seller_id),
        raw=raw,
    )


async def booking_view(store: EventsStore, expo_id: str, request_id: str) -> BookingView:
    """Three reads, each naming what the one before revealed: the request; its participants
    and their busy slots; then all of that again with the tables of the slots they share (and
    of the slot a meeting to move frees). The view is the last read alone: one moment of the
    expo, so its meetings, counts and tables agree (what changes after, the commit's
    expectations catch)."""
    head = await store.read(expo_id, [EXPO, request_field(request_id), meeting_field(request_id)])
    expo, request = expo_of(head, expo_id), request_of(head, expo_id, request_id)
    people = (request.delegate_id, request.exhibitor_id)
    names = [EXPO, request_field(request_id), meeting_field(request_id)]
    names += [delegate_field(request.delegate_id), exhibitor_field(request.exhibitor_id)]
    names += [count_field(p) for p in people]
    names += [busy_field(p, slot.id) for slot in expo.slots for p in people]
    seen = await store.read(expo_id, names)
    delegate = _parsed(seen, delegate_field(request.delegate_id), DelegateData)
    exhibitor = _parsed(seen, exhibitor_field(request.exhibitor_id), ExhibitorData)
    if delegate is None or exhibitor is None:
        raise NotFound(f"request {request_id} names a participant the expo lost", "request_id")
    if expo.mode is MeetingMode.tables and expo.tables:
        slots = {s.id for s in shared_slots(expo, delegate, exhibitor)}
        moving = _parsed(seen, meeting_field(request_id), MeetingData)
        slots |= {moving.slot_id} if moving is not None else set()
        names += [table_field(s, n) for s in sorted(slots) for n in range(1, expo.tables + 1)]
    raw = await store.read(expo_id, names)
    return BookingView(
        expo=expo_of(raw, expo_id),
        request=request_of(raw, expo_id, request_id),
        meeting=_parsed(raw, meeting_field(request_id), MeetingData),
        delegate=_parsed(raw, delegate_field(request.delegate_id), DelegateData) or delegate,
        exhibitor=_parsed(raw, exhibitor_field(request.exhibitor_id), ExhibitorData) or exhibitor,
        raw=raw,
    )


def shared_slots(
    expo: ExpoData, delegate: DelegateData, exhibitor: ExhibitorData
) -> list[SlotData]:
    """The slots both participants attend."""
    return [
        slot
        for slot in expo.slots
        if (delegate.available_slots is None or slot.id in delegate.available_slots)
        and (exhibitor.available_slots is None or slot.id in exhibitor.available_slots)
    ]


# -- parsing the fields read --------------------------------------------------------------------
def expo_of(fields: dict[str, str], expo_id: str) -> ExpoData:
    if EXPO not in fields:
        raise NotFound(f"no expo {expo_id}", "expo_id")
    return ExpoData.model_validate_json(fields[EXPO])


def request_of(fields: dict[str, str], expo_id: str, request_id: str) -> MeetingRequestData:
    raw = fields.get(request_field(request_id))
    if raw is None:
        raise NotFound(f"no meeting request {request_id} in expo {expo_id}", "request_id")
    return MeetingRequestData.model_validate_json(raw)


def _parsed(fields: dict[str, str], name: str, model: type[M]) -> M | None:
    raw = fields.get(name)
    return model.model_validate_json(raw) if raw else None
