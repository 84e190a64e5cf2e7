"""Events of the events service (topic `expo`, keyed by expo id, so one expo's events stay in
order). Snapshots carry the whole entity and the expo's `version` at the time of the change."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.catalog import CertificationKind, Sector
from shared.types import (
    CountryCode,
    CurrencyCode,
    HsPrefix,
    Identifier,
    LanguageTag,
    ShortText,
    SubdivisionCode,
)


class MeetingMode(StrEnum):
    tables = "tables"  # a pool of numbered tables in a meeting hall
    booth = "booth"  # at the seller's booth: no table capacity to share


class ExpoStatus(StrEnum):
    draft = "draft"
    open = "open"  # registration and meeting requests
    scheduled = "scheduled"  # a schedule exists; the organiser may still re-run it
    published = "published"  # agendas are out: scheduled meetings are confirmed
    closed = "closed"


class DelegateRole(StrEnum):
    diplomat = "diplomat"
    trade_attache = "trade_attache"
    importer = "importer"
    buyer = "buyer"


class RequestOrigin(StrEnum):
    delegate = "delegate"
    organiser = "organiser"
    match = "match"  # an accepted match from the matching service


class RequestStatus(StrEnum):
    requested = "requested"
    scheduled = "scheduled"
    held = "held"
    no_show = "no_show"
    cancelled = "cancelled"


class FollowUp(StrEnum):
    none = "none"
    sample_order = "sample_order"
    negotiation = "negotiation"
    contract = "contract"


class SessionData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier = Field(examples=["d1-am"])
    day: dt.date
    start: dt.time = Field(description="Local time in the expo's time zone")
    end: dt.time


class SlotData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier = Field(examples=["d1-am-03"])
    session_id: Identifier
    start: dt.datetime = Field(description="With the expo's UTC offset")
    end: dt.datetime


class ExpoData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier = Field(examples=["exp-ske-2019"])
    organiser: Identifier = Field(description="Subject id of the organising account")
    name: ShortText = Field(examples=["Sunda Kecil Expo 2019"])
    venue: ShortText = Field(examples=["Aula El Tari, Kupang"])
    time_zone: str = Field(examples=["Asia/Makassar"], description="IANA time zone")
    start_date: dt.date
    end_date: dt.date
    sessions: list[SessionData]
    slot_minutes: int = Field(ge=5, le=240)
    break_minutes: int = Field(ge=0, le=120)
    mode: MeetingMode
    tables: int | None = Field(None, ge=1, description="Tables in the pool (mode `tables`)")
    slots: list[SlotData] = Field(description="Meeting slots derived from the sessions")
    status: ExpoStatus
    version: int = Field(ge=1)


class DelegateData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier
    expo_id: Identifier
    subject: Identifier = Field(description="Subject id of the delegate's account")
    name: ShortText
    country: CountryCode
    organisation: ShortText
    role: DelegateRole
    languages: list[LanguageTag]
    interests: list[ShortText] = Field(description="What they look for, in their own words")
    sectors: list[Sector]
    hs_codes: list[HsPrefix]
    required_certifications: list[CertificationKind]
    preferred_provinces: list[SubdivisionCode]
    available_slots: list[Identifier] | None = Field(description="None: the whole expo")
    max_meetings: int | None = Field(None, ge=0)
    version: int = Field(ge=1)


class ExhibitorData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier
    expo_id: Identifier
    seller_id: Identifier = Field(description="The catalog seller exhibiting")
    seller_name: ShortText
    booth: ShortText | None = Field(None, examples=["B12"])
    available_slots: list[Identifier] | None = Field(description="None: the whole expo")
    max_meetings: int | None = Field(None, ge=0)
    version: int = Field(ge=1)


class MeetingWindow(BaseModel):
    """The part of the expo a meeting is asked for: whole sessions and/or single slots (their
    union), within what both participants attend."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sessions: list[Identifier] | None = Field(None, max_length=100, examples=[["day1-am"]])
    slots: list[Identifier] | None = Field(None, max_length=2000)


class MeetingRequestData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier
    expo_id: Identifier
    delegate_id: Identifier
    exhibitor_id: Identifier
    seller_id: Identifier
    weight: int = Field(ge=1, le=100, description="Importance for the scheduler")
    origin: RequestOrigin
    match_id: Identifier | None = None
    status: RequestStatus
    version: int = Field(ge=1)
    window: list[Identifier] | None = Field(
        None,
        description="The only slots the meeting may have (the sessions asked for, expanded); "
        "None: any slot both attend",
    )


class MeetingData(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: Identifier
    expo_id: Identifier
    delegate_id: Identifier
    exhibitor_id: Identifier
    seller_id: Identifier
    slot_id: Identifier
    start: dt.datetime
    end: dt.datetime
    table: int | None = Field(description="Table number (mode `tables`), else None")
    location: ShortText = Field(examples=["Table 7", "Booth B12"])
    confirmed: bool = Field(description="Part of a published schedule: it will not move")
    locked: bool = Field(
        False, description="Held in place by the organiser: no scheduling run moves it"
    )
    version: int = Field(ge=1)
    match_id: Identifier | None = Field(
        None, description="The accepted match proposal the meeting's request came from, if any"
    )


class Recorder(StrEnum):
    """Whose view of a meeting an outcome is: each party's own, or the organiser's final one."""

    delegate = "delegate"
    seller = "seller"
    organiser = "organiser"


class OutcomeData(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: Identifier
    expo_id: Identifier
    delegate_id: Identifier
    seller_id: Identifier
    held: bool
    rating: int | None = Field(None, ge=1, le=5)
    follow_up: FollowUp
    deal_value: float | None = Field(None, ge=0, le=1e12)
    currency: CurrencyCode | None = None
    version: int = Field(ge=1)
    recorded_by: Recorder | None = Field(
        None, description="Whose view: the delegate's, the seller's or the organiser's final one"
    )


class ExpoEvent(Event):
    topic: ClassVar[str] = topics.EXPO


class ExpoCreated(ExpoEvent):
    type: ClassVar[str] = "expo.expo.created"
    summary: ClassVar[str] = "An organiser created an expo (in draft)."
    expo: ExpoData

    @property
    def key(self) -> str:
        return self.expo.id


class ExpoUpdated(ExpoEvent):
    type: ClassVar[str] = "expo.expo.updated"
    summary: ClassVar[str] = "An expo's details or status changed (the whole expo is carried)."
    expo: ExpoData

    @property
    def key(self) -> str:
        return self.expo.id


class DelegateRegistered(ExpoEvent):
    type: ClassVar[str] = "expo.delegate.registered"
    summary: ClassVar[str] = "A foreign delegate joined an expo."
    delegate: DelegateData

    @property
    def key(self) -> str:
        return self.delegate.expo_id


class DelegateUpdated(ExpoEvent):
    type: ClassVar[str] = "expo.delegate.updated"
    summary: ClassVar[str] = "A delegate's interests, availability or details changed."
    delegate: DelegateData

    @property
    def key(self) -> str:
        return self.delegate.expo_id


class ExhibitorRegistered(ExpoEvent):
    type: ClassVar[str] = "expo.exhibitor.registered"
    summary: ClassVar[str] = "A catalog seller became an exhibitor of an expo."
    exhibitor: ExhibitorData

    @property
    def key(self) -> str:
        return self.exhibitor.expo_id


class ExhibitorUpdated(ExpoEvent):
    type: ClassVar[str] = "expo.exhibitor.updated"
    summary: ClassVar[str] = "An exhibitor's booth or availability changed."
    exhibitor: ExhibitorData

    @property
    def key(self) -> str:
        return self.exhibitor.expo_id


class MeetingRequested(ExpoEvent):
    type: ClassVar[str] = "expo.meeting.requested"
    summary: ClassVar[str] = "A delegate–seller meeting was requested (by either, or a match)."
    request: MeetingRequestData

    @property
    def key(self) -> str:
        return self.request.expo_id


class MeetingScheduled(ExpoEvent):
    type: ClassVar[str] = "expo.meeting.scheduled"
    summary: ClassVar[str] = "A requested meeting got a slot (and a table in pool mode)."
    meeting: MeetingData

    @property
    def key(self) -> str:
        return self.meeting.expo_id


class MeetingRescheduled(ExpoEvent):
    type: ClassVar[str] = "expo.meeting.rescheduled"
    summary: ClassVar[str] = "A scheduled meeting moved to another slot or table."
    meeting: MeetingData
    previous_slot_id: Identifier

    @property
    def key(self) -> str:
        return self.meeting.expo_id


class MeetingLocked(ExpoEvent):
    type: ClassVar[str] = "expo.meeting.locked"
    summary: ClassVar[str] = "The organiser held a meeting in its slot and table for later runs."
    meeting: MeetingData

    @property
    def key(self) -> str:
        return self.meeting.expo_id


class MeetingUnlocked(ExpoEvent):
    type: ClassVar[str] = "expo.meeting.unlocked"
    summary: ClassVar[str] = "The organiser let a locked meeting be moved by later runs again."
    meeting: MeetingData

    @property
    def key(self) -> str:
        return self.meeting.expo_id


class MeetingUnscheduled(ExpoEvent):
    type: ClassVar[str] = "expo.meeting.unscheduled"
    summary: ClassVar[str] = (
        "A not yet confirmed meeting lost its slot in a new scheduling run; it is requested again."
    )
    request: MeetingRequestData
    reason: ShortText

    @property
    def key(self) -> str:
        return self.request.expo_id


class MeetingCancelled(ExpoEvent):
    type: ClassVar[str] = "expo.meeting.cancelled"
    summary: ClassVar[str] = "A meeting request or a scheduled meeting was cancelled."
    request: MeetingRequestData
    reason: ShortText
    freed_slot_id: Identifier | None = None

    @property
    def key(self) -> str:
        return self.request.expo_id


class PublishedPlace(BaseModel):
    """Where a meeting was in the schedule's previous published version."""

    model_config = ConfigDict(frozen=True)

    request_id: Identifier
    slot_id: Identifier
    table: int | None


class MovedMeeting(BaseModel):
    model_config = ConfigDict(frozen=True)

    meeting: MeetingData
    previous: PublishedPlace


class SchedulePublished(ExpoEvent):
    type: ClassVar[str] = "expo.schedule.published"
    summary: ClassVar[str] = (
        "A version of the schedule went out to participants: what it adds, moves and drops "
        "since the version before (the first version adds every meeting)."
    )
    expo_id: Identifier
    version: int = Field(ge=1)
    added: list[MeetingData]
    moved: list[MovedMeeting]
    removed: list[PublishedPlace]

    @property
    def key(self) -> str:
        return self.expo_id


class MeetingOutcomeRecorded(ExpoEvent):
    type: ClassVar[str] = "expo.meeting.outcome_recorded"
    summary: ClassVar[str] = "Whether a meeting was held, and what came of it."
    outcome: OutcomeData

    @property
    def key(self) -> str:
        return self.outcome.expo_id
