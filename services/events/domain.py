"""The events service's domain: an expo's calendar and meeting slots, its participants, meeting
requests and meetings, and the rules that keep them consistent.

Pure: no I/O and no framework. The expo is the aggregate; its entities are stored as separate
fields so that unrelated changes (two bookings in different slots) never conflict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel

from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    ExpoData,
    ExpoStatus,
    MeetingData,
    MeetingMode,
    MeetingRequestData,
    MovedMeeting,
    OutcomeData,
    PublishedPlace,
    RequestStatus,
    SessionData,
    SlotData,
)
from shared.errors import CommandConflict, InvalidCommand, Problem
from shared.text import folded

MAX_SLOTS = 2000
NEXT_STATUSES: dict[ExpoStatus, set[ExpoStatus]] = {
    ExpoStatus.draft: {ExpoStatus.open},
    ExpoStatus.open: {ExpoStatus.draft, ExpoStatus.scheduled},
    ExpoStatus.scheduled: {ExpoStatus.open, ExpoStatus.published},
    ExpoStatus.published: {ExpoStatus.closed},
    ExpoStatus.closed: set(),
}
OPEN_REQUEST = {RequestStatus.requested, RequestStatus.scheduled}
SCHEDULE_EXISTS = {ExpoStatus.scheduled, ExpoStatus.published}
ACCEPTS_REQUESTS = {ExpoStatus.open, ExpoStatus.scheduled, ExpoStatus.published}
SCHEDULABLE = ACCEPTS_REQUESTS


def time_zone(name: str, field_name: str = "time_zone") -> ZoneInfo:
    if name not in _iana_zones():
        raise InvalidCommand(
            f"'{name}' is not an IANA time zone (e.g. Asia/Makassar)",
            field_name,
            code="time-zone-unknown",
        )
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as unknown:
        raise InvalidCommand(
            f"'{name}' is not an IANA time zone", field_name, code="time-zone-unknown"
        ) from unknown


def _iana_zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


_ZONES: set[str] | None = None


def derive_slots(
    zone_name: str,
    start_date: dt.date,
    end_date: dt.date,
    sessions: list[SessionData],
    slot_minutes: int,
    break_minutes: int,
) -> list[SlotData]:
    """Meeting slots of every session, checked: a known time zone, dates in order, sessions
    inside the expo's dates, each ending after it starts, none overlapping another, each long
    enough for one meeting. Every problem found is reported at once (the first leads)."""
    lead: list[Problem] = []
    zone: ZoneInfo | None = None
    try:
        zone = time_zone(zone_name)
    except InvalidCommand as unknown:
        lead.append(unknown)
    if end_date < start_date:
        # The sessions cannot be placed in dates that do not exist; this is the problem.
        lead.append(
            InvalidCommand(
                "end_date must not be before start_date", "end_date", code="end-before-start"
            )
        )
        raise Problem.all_of(lead)
    ids = Counter(session.id for session in sessions)
    slots: list[SlotData] = []
    problems: list[tuple[int, Problem]] = []
    ordered = sorted(enumerate(sessions), key=lambda item: (item[1].day, item[1].start))
    previous: SessionData | None = None
    for index, session in ordered:
        where = f"sessions[{index}]"
        found = _session_problems(session, where, ids, (start_date, end_date), previous)
        previous = session
        made = (
            [] if found or zone is None else _slots_of(session, zone, slot_minutes, break_minutes)
        )
        if not found and zone is not None and not made:
            found = [
                InvalidCommand(
                    f"too short for one {slot_minutes}-minute meeting",
                    f"{where}.end",
                    code="session-too-short",
                    params={"minutes": slot_minutes},
                )
            ]
        problems += [(index, problem) for problem in found]
        slots += made
    if lead or problems:
        # The sessions' in the order of the request, not of the calendar.
        ordered_problems = [problem for _, problem in sorted(problems, key=lambda p: p[0])]
        raise Problem.all_of(lead + ordered_problems)
    if len(slots) > MAX_SLOTS:
        raise InvalidCommand(
            f"{len(slots)} slots; at most {MAX_SLOTS}",
            "sessions",
            code="too-many-slots",
            params={"slots": len(slots), "most": MAX_SLOTS},
        )
    return slots


def _session_problems(
    session: SessionData,
    where: str,
    ids: Counter[str],
    dates: tuple[dt.date, dt.date],
    previous: SessionData | None,
) -> list[Problem]:
    problems: list[Problem] = []
    if ids[session.id] > 1:
        problems.append(
            InvalidCommand(
                f"session id {session.id} is used twice", f"{where}.id", code="session-id-twice"
            )
        )
    if not dates[0] <= session.day <= dates[1]:
        problems.append(
            InvalidCommand(
                f"{session.day} is outside the expo ({dates[0]} to {dates[1]})",
                f"{where}.day",
                code="session-outside-dates",
            )
        )
    if session.end <= session.start:
        problems.append(
            InvalidCommand(
                "a session must end after it starts",
                f"{where}.end",
                code="session-ends-before-start",
            )
        )
    if previous is not None and previous.day == session.day and session.start < previous.end:
        problems.append(
            InvalidCommand(
                f"overlaps session {previous.id} ({previous.start}–{previous.end})",
                f"{where}.start",
                code="sessions-overlap",
            )
        )
    return problems


def _slots_of(
    session: SessionData, zone: ZoneInfo, slot_minutes: int, break_minutes: int
) -> list[SlotData]:
    begin = dt.datetime.combine(session.day, session.start, zone)
    finish = dt.datetime.combine(session.day, session.end, zone)
    step = dt.timedelta(minutes=slot_minutes + break_minutes)
    length = dt.timedelta(minutes=slot_minutes)
    slots: list[SlotData] = []
    while begin + length <= finish:
        slots.append(
            SlotData(
                id=f"{session.id}-{len(slots) + 1:02d}",
                session_id=session.id,
                start=begin,
                end=begin + length,
            )
        )
        begin += step
    return slots


def meeting_mode_problems(mode: MeetingMode, tables: int | None) -> list[Problem]:
    if mode is MeetingMode.tables and tables is None:
        return [
            InvalidCommand(
                "a pool of tables needs the number of tables", "tables", code="tables-needed"
            )
        ]
    if mode is MeetingMode.booth and tables is not None:
        return [
            InvalidCommand(
                "meetings at the booth use no table pool; leave it out",
                "tables",
                code="tables-unused",
            )
        ]
    return []


def settable_statuses(expo: ExpoData) -> list[ExpoStatus]:
    """The statuses an organiser may set from the expo's current one, in life-cycle order
    (`scheduled` is not among them: running the scheduler sets it)."""
    order = list(ExpoStatus)
    following = NEXT_STATUSES[expo.status] - {ExpoStatus.scheduled}
    return sorted(following, key=order.index)


def check_transition(expo: ExpoData, target: ExpoStatus) -> None:
    """A status an organiser may set now; the refusal says what they can do instead, and that
    `scheduled` comes from running the scheduler, not from setting it."""
    following = NEXT_STATUSES[expo.status]
    if target in following and target is not ExpoStatus.scheduled:
        return
    settable = sorted(s.value for s in following if s is not ExpoStatus.scheduled)
    ways = [f"set the status to {' or '.join(settable)}"] if settable else []
    if ExpoStatus.scheduled in following:
        ways.append("run the scheduler (POST /expos/{id}/schedule) to schedule it")
    advice = "; ".join(ways) or "it is closed and changes no more"
    raise CommandConflict(
        f"an expo in {expo.status.value} cannot become {target.value}: {advice}",
        "status",
        code="status-unreachable",
        params={"status": expo.status.value, "target": target.value},
    )


def _unknown_slots(expo: ExpoData, slot_ids: list[str] | None, field_name: str) -> list[Problem]:
    known = {slot.id for slot in expo.slots}
    return [
        InvalidCommand(f"{slot_id} is not a slot of this expo's sessions", f"{field_name}[{index}]")
        for index, slot_id in enumerate(slot_ids or [])
        if slot_id not in known
    ]


def expand_availability(
    expo: ExpoData,
    sessions: list[str] | None,
    slots: list[str] | None,
    field_name: str = "availability",
) -> list[str] | None:
    """Availability given by session ids and/or slot ids, as slot ids (None: whole expo)."""
    if sessions is None and slots is None:
        return None
    chosen: list[str] = []
    by_session: dict[str, list[str]] = defaultdict(list)
    for slot in expo.slots:
        by_session[slot.session_id].append(slot.id)
    problems: list[Problem] = []
    for index, session_id in enumerate(sessions or []):
        if session_id not in by_session:
            problems.append(
                InvalidCommand(
                    f"{session_id} is not a session of this expo",
                    f"{field_name}.sessions[{index}]",
                )
            )
        chosen += by_session[session_id]
    problems += _unknown_slots(expo, slots, f"{field_name}.slots")
    if problems:
        raise Problem.all_of(problems)
    chosen += slots or []
    return sorted(set(chosen), key=[slot.id for slot in expo.slots].index)


def window_slots(expo: ExpoData, request: MeetingRequestData) -> frozenset[str] | None:
    """The slots the request's window still names (None: no window). A slot of it may have gone
    with a session since the request was made: the rest still holds."""
    if request.window is None:
        return None
    known = {slot.id for slot in expo.slots}
    return frozenset(slot for slot in request.window if slot in known)


@dataclass
class ExpoState:
    """An expo as loaded, with the raw field values for compare-and-set."""

    expo: ExpoData
    raw: dict[str, str]
    delegates: dict[str, DelegateData] = field(default_factory=dict)
    exhibitors: dict[str, ExhibitorData] = field(default_factory=dict)
    requests: dict[str, MeetingRequestData] = field(default_factory=dict)
    meetings: dict[str, MeetingData] = field(default_factory=dict)
    outcomes: dict[str, OutcomeData] = field(default_factory=dict)

    @property
    def slots(self) -> dict[str, SlotData]:
        return {slot.id: slot for slot in self.expo.slots}


# Field names of the aggregate's hash: one field per entity, plus the booking index whose
# fields make double booking impossible (a participant or a table in a slot is one field).
EXPO = "expo"
REVISION = "revision"  # incremented by every commit (shared.atomic)


def delegate_field(delegate_id: str) -> str:
    return f"delegate:{delegate_id}"


def exhibitor_field(exhibitor_id: str) -> str:
    return f"exhibitor:{exhibitor_id}"


def exhibitor_of_seller_field(seller_id: str) -> str:
    return f"seller:{seller_id}"


def delegate_of_subject_field(subject: str) -> str:
    return f"subject:{subject}"


def pair_field(delegate_id: str, exhibitor_id: str) -> str:
    """The open request between a delegate and an exhibitor: at most one at a time."""
    return f"pair:{delegate_id}:{exhibitor_id}"


def person_field(name: str, organisation: str, country: str) -> str:
    """The delegate a person already is: the same name, organisation and country, whatever
    the case and accents (`José Ramos-Horta` is `jose ramos-horta`)."""
    parts = [folded(text) for text in (name, organisation, country)]
    return "person:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def renamed_person(delegate: DelegateData, changes: dict[str, Any]) -> str | None:
    """The `person_field` the delegate would have after `changes`, when it is another one."""
    after = {
        part: changes.get(part, getattr(delegate, part))
        for part in ("name", "organisation", "country")
    }
    person = person_field(after["name"], after["organisation"], after["country"])
    same = person_field(delegate.name, delegate.organisation, delegate.country)
    return None if person == same else person


def request_field(request_id: str) -> str:
    return f"request:{request_id}"


def meeting_field(request_id: str) -> str:
    return f"meeting:{request_id}"


def outcome_field(request_id: str) -> str:
    """The meeting's outcome as the expo counts it (statistics, the request's status)."""
    return f"outcome:{request_id}"


def view_field(request_id: str, recorder: str) -> str:
    """One party's own record of the meeting, or the organiser's final one."""
    return f"view:{request_id}:{recorder}"


# The sets beside the hash that listings read instead of the whole expo, by name; the store
# keeps them under the expo's key.
SELLERS_INDEX = "sellers"
REQUESTS_INDEX = "requests"
DELEGATES_INDEX = "delegates"
EXHIBITORS_INDEX = "exhibitors"


def requests_of_index(participant_id: str) -> str:
    return f"requests-of:{participant_id}"


def busy_field(participant_id: str, slot_id: str) -> str:
    return f"busy:{participant_id}:{slot_id}"


def table_field(slot_id: str, table: int) -> str:
    return f"table:{slot_id}:{table}"


def count_field(participant_id: str) -> str:
    return f"count:{participant_id}"


def parse_state(raw: dict[str, str]) -> ExpoState | None:
    if EXPO not in raw:
        return None
    state = ExpoState(expo=ExpoData.model_validate_json(raw[EXPO]), raw=raw)
    entities = _entities(state)
    for name, value in raw.items():
        _parse_into(state, entities, name, value)
    return state


def apply_changes(state: ExpoState, fields: dict[str, str | None]) -> None:
    """Bring a state read earlier up to date with the fields written (or deleted: None)
    since, as the hash's stream of changes lists them."""
    entities = _entities(state)
    for name, value in fields.items():
        if value is None:
            state.raw.pop(name, None)
            kind, _, ident = name.partition(":")
            if kind in entities:
                entities[kind].pop(ident, None)
        else:
            state.raw[name] = value
            _parse_into(state, entities, name, value)


_PARSERS: dict[str, type[BaseModel]] = {
    "delegate": DelegateData,
    "exhibitor": ExhibitorData,
    "request": MeetingRequestData,
    "meeting": MeetingData,
    "outcome": OutcomeData,
}


def _entities(state: ExpoState) -> dict[str, dict[str, Any]]:
    return {
        "delegate": state.delegates,
        "exhibitor": state.exhibitors,
        "request": state.requests,
        "meeting": state.meetings,
        "outcome": state.outcomes,
    }


def _parse_into(
    state: ExpoState, entities: dict[str, dict[str, Any]], name: str, value: str
) -> None:
    if name == EXPO:
        state.expo = ExpoData.model_validate_json(value)
        return
    kind, _, ident = name.partition(":")
    parser = _PARSERS.get(kind)
    if parser is not None:
        entities[kind][ident] = parser.model_validate_json(value)


PUBLISHED = "published"  # the last published version: its number and every meeting's place


class Publication(BaseModel):
    version: int
    meetings: dict[str, tuple[str, int | None]]  # request id -> (slot id, table)


@dataclass(frozen=True)
class ScheduleChanges:
    """What publishing now would tell participants, against the last published version."""

    version: int  # the version publishing now would make
    added: list[MeetingData]
    moved: list[MovedMeeting]
    removed: list[PublishedPlace]

    @property
    def any(self) -> bool:
        return bool(self.added or self.moved or self.removed)


def published_of(raw: dict[str, str]) -> Publication | None:
    found = raw.get(PUBLISHED)
    return Publication.model_validate_json(found) if found else None


def schedule_changes(last: Publication | None, meetings: dict[str, MeetingData]) -> ScheduleChanges:
    """The meetings added, moved (slot or table) and removed since `last`, by request id."""
    before = last.meetings if last is not None else {}
    added, moved = [], []
    for request_id, meeting in sorted(meetings.items()):
        place = before.get(request_id)
        if place is None:
            added.append(meeting)
        elif place != (meeting.slot_id, meeting.table):
            previous = PublishedPlace(request_id=request_id, slot_id=place[0], table=place[1])
            moved.append(MovedMeeting(meeting=meeting, previous=previous))
    removed = [
        PublishedPlace(request_id=request_id, slot_id=slot_id, table=table)
        for request_id, (slot_id, table) in sorted(before.items())
        if request_id not in meetings
    ]
    return ScheduleChanges((last.version if last else 0) + 1, added, moved, removed)


def publication_of(changes: ScheduleChanges, meetings: dict[str, MeetingData]) -> Publication:
    return Publication(
        version=changes.version,
        meetings={rid: (m.slot_id, m.table) for rid, m in meetings.items()},
    )


def meeting_location(exhibitor: ExhibitorData, table: int | None) -> str:
    if table is not None:
        return f"Table {table}"
    return f"Booth {exhibitor.booth}" if exhibitor.booth else "At the exhibitor's booth"
