"""What each decision sees of the expo: a typed view, read by the store in one place.

A view holds the entities a decision needs and `raw`, the stored value of every field it read,
which the decision's compare-and-set change expects unchanged. Pure: the store reads views,
decisions take them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from pydantic import BaseModel

from services.events.domain import (
    EXPO,
    busy_field,
    request_field,
    table_field,
)
from shared.contracts.catalog import SellerData
from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    ExpoData,
    MeetingData,
    MeetingRequestData,
    OutcomeData,
    Recorder,
    SlotData,
)
from shared.errors import NotFound

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class RegistrationView:
    """An expo and whether a subject (a delegate) or a seller (an exhibitor) is registered."""

    expo: ExpoData
    registered_as: str | None  # the delegate or exhibitor id already registered
    raw: dict[str, str]
    same_person: str | None = None  # a delegate already registered under the same name


@dataclass(frozen=True)
class DelegateView:
    expo: ExpoData
    delegate: DelegateData
    raw: dict[str, str]


@dataclass(frozen=True)
class ExhibitorView:
    """An exhibitor and its seller as this service last heard of it (whose owner may change
    the booth as the organiser may)."""

    expo: ExpoData
    exhibitor: ExhibitorData
    seller: SellerData | None
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
    views: dict[Recorder, OutcomeData] = field(default_factory=dict)  # each party's own record


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
        return self._busy[participant_id]

    @cached_property
    def _busy(self) -> dict[str, dict[str, str]]:
        # Asked for several times per decision: each participant's slots are scanned once.
        return {
            person: {
                slot.id: self.raw[name]
                for slot in self.expo.slots
                if (name := busy_field(person, slot.id)) in self.raw
            }
            for person in (self.delegate.id, self.exhibitor.id)
        }

    def tables_taken(self, slot_id: str) -> dict[int, str]:
        """Table number -> the request met there (pool mode; read for the shared slots)."""
        return {
            number: self.raw[name]
            for number in range(1, (self.expo.tables or 0) + 1)
            if (name := table_field(slot_id, number)) in self.raw
        }


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


def parsed(fields: dict[str, str], name: str, model: type[M]) -> M | None:
    raw = fields.get(name)
    return model.model_validate_json(raw) if raw else None
