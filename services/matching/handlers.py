"""What the matching service does with other services' events: it projects sellers, products,
expos, delegates and exhibitors into its read model, and shows on each accepted proposal the
meeting the events service scheduled for it."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from services.matching.readmodel import PROJECTED_TYPES, ReadModel
from services.matching.store import MatchStore, StoredMeeting, StoredRequest, request_of
from shared.consumer import Handler, apply_once
from shared.contracts import Event
from shared.contracts import expo as ex
from shared.envelope import Envelope
from shared.errors import NotFound

MATCH_REQUEST_PREFIX = "req-"  # the events service names a match's meeting request req-<proposal>


def projection_handlers(
    model: ReadModel, types: tuple[type[Event], ...] = PROJECTED_TYPES
) -> dict[str, Handler]:
    async def project(event: Event, envelope: Envelope) -> None:
        await model.apply(event, envelope.id)

    return {event_type.type: project for event_type in types}


def meeting_handlers(redis: Redis, store: MatchStore) -> dict[str, Handler]:
    async def on_meeting(event: Event, envelope: Envelope) -> None:
        meeting: StoredMeeting | None
        match event:
            case ex.MeetingScheduled(meeting=m) | ex.MeetingRescheduled(meeting=m):
                request_id, meeting, state = m.request_id, StoredMeeting(
                    slot_id=m.slot_id, start=m.start.isoformat(), end=m.end.isoformat(),
                    location=m.location, table=m.table,
                ), "scheduled"  # fmt: skip
            case ex.MeetingCancelled(request=r):
                request_id, meeting, state = r.id, None, "cancelled"
            case ex.MeetingUnscheduled(request=r):
                request_id, meeting, state = r.id, None, "unscheduled"
            case _:
                return
        if not request_id.startswith(MATCH_REQUEST_PREFIX + "mrq-"):
            return  # not a meeting that came from one of our proposals
        proposal_id = request_id.removeprefix(MATCH_REQUEST_PREFIX)
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

        await apply_once(
            redis, store.marker(request_of(proposal_id), envelope.id), effect, watch=[key]
        )

    meeting_types = (
        ex.MeetingScheduled,
        ex.MeetingRescheduled,
        ex.MeetingCancelled,
        ex.MeetingUnscheduled,
    )
    return {event_type.type: on_meeting for event_type in meeting_types}
