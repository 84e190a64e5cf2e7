"""What the events service does for each change a person or a service asks for: read a view,
decide (pure, in `commands/`, with its authorisation rule), commit state and events at once.
Routes, event handlers and benchmarks call these; none of them decides anything itself."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from services.events.access import require_organiser
from services.events.commands import expos, meetings, outcomes, participants
from services.events.commands.meetings import RequestOutcome
from services.events.commands.outcomes import Outcome
from services.events.commands.participants import Availability
from services.events.domain import (
    EXPO,
    ScheduleChanges,
    person_field,
    published_of,
    schedule_changes,
)
from services.events.store import EventsStore
from shared.auth import Principal
from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    ExpoData,
    ExpoStatus,
    MeetingData,
    MeetingRequestData,
    MeetingWindow,
    OutcomeData,
    RequestStatus,
    SessionData,
)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# -- expos ---------------------------------------------------------------------------------------
async def create_expo(
    store: EventsStore, principal: Principal, details: dict[str, Any], sessions: list[SessionData]
) -> ExpoData:
    expo, events = expos.create_expo(principal, new_id("exp"), details, sessions)
    await store.create(expo.id, {EXPO: expo.model_dump_json()}, events)
    return expo


async def update_expo(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    details: dict[str, Any],
    sessions: list[SessionData],
) -> ExpoData:
    return await store.change(
        expo_id,
        lambda: store.load(expo_id),
        lambda state: expos.update_expo(principal, state, details, sessions),
    )


async def change_status(
    store: EventsStore, principal: Principal, expo_id: str, target: ExpoStatus
) -> ExpoData:
    return await store.change(
        expo_id,
        lambda: store.load(expo_id),
        lambda state: expos.change_status(principal, state, target),
    )


async def publish(store: EventsStore, principal: Principal, expo_id: str) -> ScheduleChanges:
    return await store.change(
        expo_id, lambda: store.load(expo_id), lambda state: expos.publish(principal, state)
    )


async def unpublished_changes(
    store: EventsStore, principal: Principal, expo_id: str
) -> ScheduleChanges:
    """What publishing now would send, for the organiser to review first."""
    state = await store.snapshot(expo_id)
    require_organiser(principal, state.expo)
    return schedule_changes(published_of(state.raw), state.meetings)


# -- participants --------------------------------------------------------------------------------
async def register_delegate(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    profile: dict[str, Any],
    availability: Availability | None,
    subject: str | None,
) -> DelegateData:
    chosen = participants.delegate_subject(principal, subject, f"delegate-{uuid.uuid4().hex[:8]}")
    delegate_id = new_id("dlg")
    return await store.change(
        expo_id,
        lambda: store.delegate_registration(expo_id, chosen, _person(profile)),
        lambda view: participants.register_delegate(
            principal, view, delegate_id, chosen, profile, availability
        ),
    )


async def check_delegate(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    profile: dict[str, Any],
    availability: Availability | None,
    subject: str | None,
) -> None:
    """What registering the delegate would decide, without committing: raises the same
    problems (a delegate registered already, registration closed, not this organiser's)."""
    chosen = participants.delegate_subject(principal, subject, "dry-run")
    view = await store.delegate_registration(expo_id, chosen, _person(profile))
    participants.register_delegate(principal, view, "dry-run", chosen, profile, availability)


def _person(profile: dict[str, Any]) -> str:
    return person_field(profile["name"], profile["organisation"], profile["country"])


async def update_delegate(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    delegate_id: str,
    changes: dict[str, Any],
    availability: Availability | None,
    availability_given: bool,
) -> DelegateData:
    return await store.change(
        expo_id,
        lambda: store.delegate_view(expo_id, delegate_id, changes),
        lambda view: participants.update_delegate(
            principal, view, changes, availability, availability_given
        ),
    )


async def register_exhibitor(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    seller_id: str,
    booth: str | None,
    availability: Availability | None,
    max_meetings: int | None,
) -> ExhibitorData:
    exhibitor_id = new_id("exh")
    seller = await store.seller(seller_id)
    return await store.change(
        expo_id,
        lambda: store.exhibitor_registration(expo_id, seller_id),
        lambda view: participants.register_exhibitor(
            principal, view, seller, seller_id, exhibitor_id, booth, availability, max_meetings
        ),
    )


async def update_exhibitor(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    exhibitor_id: str,
    changes: dict[str, Any],
    availability: Availability | None,
    availability_given: bool,
) -> ExhibitorData:
    return await store.change(
        expo_id,
        lambda: store.exhibitor_view(expo_id, exhibitor_id),
        lambda view: participants.update_exhibitor(
            principal, view, changes, availability, availability_given
        ),
    )


# -- meeting requests ----------------------------------------------------------------------------
async def request_meeting(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    delegate_id: str,
    exhibitor_id: str,
    weight: int,
    slot_id: str | None = None,
    request_id: str | None = None,
    match_id: str | None = None,
    window: MeetingWindow | None = None,
) -> RequestOutcome:
    """Record a meeting request, for any time both attend or within a `window`; once a
    schedule exists, place it at once (online insertion)."""
    chosen_id = request_id or new_id("req")
    requested = await store.change(
        expo_id,
        lambda: store.new_request_view(expo_id, chosen_id, delegate_id, exhibitor_id),
        lambda view: meetings.request_meeting(
            principal, view, chosen_id, weight, match_id, slot_id, window
        ),
    )
    if requested.place_now:
        # A request made again (a redelivery) is placed without the slot it may have asked for.
        return await place(store, expo_id, chosen_id, slot_id if requested.created else None)
    meeting = None
    if requested.request.status is RequestStatus.scheduled:
        meeting = await store.meeting(expo_id, chosen_id)  # a redelivery: only its meeting
    return RequestOutcome(requested.request, meeting, None)


async def place(
    store: EventsStore, expo_id: str, request_id: str, slot_id: str | None = None
) -> RequestOutcome:
    return await store.change(
        expo_id,
        lambda: store.booking_view(expo_id, request_id),
        lambda view: meetings.place(view, slot_id),
    )


async def place_by_hand(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    request_id: str,
    slot_id: str | None,
    table: int | None = None,
) -> RequestOutcome:
    return await store.change(
        expo_id,
        lambda: store.booking_view(expo_id, request_id),
        lambda view: meetings.place_by_hand(principal, view, slot_id, table),
    )


async def reschedule(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    request_id: str,
    slot_id: str | None,
    table: int | None = None,
) -> RequestOutcome:
    return await store.change(
        expo_id,
        lambda: store.booking_view(expo_id, request_id),
        lambda view: meetings.reschedule(principal, view, slot_id, table),
    )


async def lock(
    store: EventsStore, principal: Principal, expo_id: str, request_id: str, locked: bool
) -> MeetingData:
    return await store.change(
        expo_id,
        lambda: store.request_view(expo_id, request_id),
        lambda view: meetings.lock(principal, view, locked),
    )


async def cancel(
    store: EventsStore, principal: Principal, expo_id: str, request_id: str, reason: str
) -> MeetingRequestData:
    return await store.change(
        expo_id,
        lambda: store.request_view(expo_id, request_id),
        lambda view: meetings.cancel(principal, view, reason),
    )


async def record_outcome(
    store: EventsStore, principal: Principal, expo_id: str, request_id: str, outcome: Outcome
) -> OutcomeData:
    now = dt.datetime.now(dt.UTC)
    return await store.change(
        expo_id,
        lambda: store.request_view(expo_id, request_id),
        lambda view: outcomes.record_outcome(principal, view, outcome, now),
    )
