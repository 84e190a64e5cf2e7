"""What the matching service does with other services' events: it projects sellers, products,
expos, delegates and exhibitors into its read model, and shows on each accepted proposal the
meeting the events service scheduled for it."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from services.matching.readmodel import ReadModel
from services.matching.store import (
    MatchStore,
    MeetingStatus,
    StoredMeeting,
    StoredRequest,
    request_of,
)
from shared.consumer import HandlerRegistry, apply_once
from shared.contracts import Event, consumers
from shared.contracts import expo as ex
from shared.envelope import Envelope
from shared.errors import NotFound

MeetingEvent = (
    ex.MeetingScheduled | ex.MeetingRescheduled | ex.MeetingCancelled | ex.MeetingUnscheduled
)
# A meeting's state as a proposal shows it, by the event that announced it.
MEETING_STATES = {
    ex.MeetingScheduled: MeetingStatus.scheduled,
    ex.MeetingRescheduled: MeetingStatus.scheduled,
    ex.MeetingCancelled: MeetingStatus.cancelled,
    ex.MeetingUnscheduled: MeetingStatus.unscheduled,
}


def catalog_handlers(model: ReadModel) -> HandlerRegistry:
    registry = HandlerRegistry(consumers.MATCHING_CATALOG)
    _project(registry, model, consumers.MATCHING_CATALOG.receives)
    return registry


def expo_handlers(redis: Redis, model: ReadModel, store: MatchStore) -> HandlerRegistry:
    registry = HandlerRegistry(consumers.MATCHING_EXPO)
    _project(registry, model, consumers.EXPO_PARTICIPANT_EVENTS)

    async def on_meeting(event: MeetingEvent, envelope: Envelope) -> None:
        await show_meeting(redis, store, event, envelope)

    registry.on(ex.MeetingScheduled, on_meeting)
    registry.on(ex.MeetingRescheduled, on_meeting)
    registry.on(ex.MeetingCancelled, on_meeting)
    registry.on(ex.MeetingUnscheduled, on_meeting)
    return registry


def _project(registry: HandlerRegistry, model: ReadModel, types: tuple[type[Event], ...]) -> None:
    async def project(event: Event, envelope: Envelope) -> None:
        await model.apply(event, envelope.id)

    for event_type in types:
        registry.on(event_type, project)


async def show_meeting(
    redis: Redis,
    store: MatchStore,
    event: ex.MeetingScheduled
    | ex.MeetingRescheduled
    | ex.MeetingCancelled
    | ex.MeetingUnscheduled,
    envelope: Envelope,
) -> None:
    """Put the meeting (or its end) on the proposal it came from, if it came from one."""
    meeting: StoredMeeting | None = None
    if isinstance(event, ex.MeetingScheduled | ex.MeetingRescheduled):
        m = event.meeting
        proposal_id = m.match_id
        meeting = StoredMeeting(
            slot_id=m.slot_id, start=m.start.isoformat(), end=m.end.isoformat(),
            location=m.location, table=m.table,
        )  # fmt: skip
    else:
        proposal_id = event.request.match_id
    if proposal_id is None:
        return  # not a meeting that came from one of our proposals
    state = MEETING_STATES[type(event)]
    try:
        key = store.request_key(request_of(proposal_id))
    except NotFound:
        return

    async def effect(pipe: Pipeline) -> None:
        raw = await pipe.get(key)
        pipe.multi()
        if raw is None:
            return
        request = StoredRequest.model_validate_json(raw)
        proposals = [
            p.model_copy(update={"meeting": meeting, "meeting_status": state})
            if p.id == proposal_id
            else p
            for p in request.proposals
        ]
        pipe.set(key, request.model_copy(update={"proposals": proposals}).model_dump_json())

    await apply_once(redis, store.marker(request_of(proposal_id), envelope.id), effect, watch=[key])
