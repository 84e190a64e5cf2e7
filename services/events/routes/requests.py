"""Meeting requests and their meetings: ask, list, move, cancel, record the outcome."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import Field

from services.events import queries, usecases
from services.events.commands.meetings import RequestOutcome
from services.events.commands.outcomes import Outcome
from services.events.queries import MeetingRequestOut, Placement
from services.events.routes.dependencies import Store
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.contracts.expo import (
    FollowUp,
    MeetingData,
    MeetingRequestData,
    MeetingWindow,
    OutcomeData,
    RequestStatus,
)
from shared.http import Paging, Strict
from shared.paging import Page
from shared.types import CurrencyCode, Identifier, PathId, ShortText

router = APIRouter(
    prefix="/expos/{expo_id}/requests", tags=["meetings"], dependencies=AUTHENTICATED
)


class MeetingRequestIn(Strict):
    delegate_id: Identifier
    exhibitor_id: Identifier
    weight: int = Field(5, ge=1, le=100, description="Importance for the scheduler")
    slot_id: Identifier | None = Field(
        None, description="Ask for this slot (once a schedule exists, else it is a hint ignored)"
    )
    window: MeetingWindow | None = Field(
        None,
        description="Only in these sessions and/or slots (kept through every rescheduling); "
        "leave out for any time both attend",
    )


class CancelIn(Strict):
    reason: ShortText


class RescheduleIn(Strict):
    """Where a meeting goes: moving one, or placing a request that has none."""

    slot_id: Identifier | None = Field(None, description="Leave out for the best other slot")
    table: int | None = Field(
        None, ge=1, le=1000, description="In that slot, this table (mode `tables`)"
    )


class OutcomeIn(Strict):
    held: bool
    rating: int | None = Field(None, ge=1, le=5)
    follow_up: FollowUp = FollowUp.none
    deal_value: float | None = Field(
        None, ge=0, le=1e12, description="At most 100 billion IDR or 10 million of another currency"
    )
    currency: CurrencyCode | None = None
    version: int | None = Field(
        None, ge=1, description="The version of your earlier record, to replace it"
    )


def _out(outcome: RequestOutcome) -> MeetingRequestOut:
    unplaced = outcome.unplaced
    return MeetingRequestOut(
        request=outcome.request,
        meeting=outcome.meeting,
        not_placed=Placement(reason=unplaced.reason, detail=unplaced.detail) if unplaced else None,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def request_meeting(
    expo_id: PathId, body: MeetingRequestIn, principal: CurrentPrincipal, store: Store
) -> MeetingRequestOut:
    """A delegate asks to meet an exhibitor (or an organiser asks for them). Once a schedule
    exists the request is placed at once in the best free slot, moving nothing else."""
    outcome = await usecases.request_meeting(
        store,
        principal,
        expo_id,
        body.delegate_id,
        body.exhibitor_id,
        body.weight,
        slot_id=body.slot_id,
        window=body.window,
    )
    return _out(outcome)


@router.get("")
async def list_requests(
    expo_id: PathId,
    principal: CurrentPrincipal,
    store: Store,
    page: Paging,
    request_status: Annotated[RequestStatus | None, Query(alias="status")] = None,
) -> Page[MeetingRequestOut]:
    """Organisers see every request; a delegate or a seller those they take part in. Reads
    only those requests, and parses only the page's unless a status is asked for."""
    items, total = await queries.requests(store, principal, expo_id, request_status, page)
    return page.page_of(items, total)


@router.get("/{request_id}")
async def get_request(
    expo_id: PathId, request_id: PathId, principal: CurrentPrincipal, store: Store
) -> MeetingRequestOut:
    return await queries.request(store, principal, expo_id, request_id)


@router.post("/{request_id}/cancel")
async def cancel_request(
    expo_id: PathId,
    request_id: PathId,
    body: CancelIn,
    principal: CurrentPrincipal,
    store: Store,
) -> MeetingRequestData:
    return await usecases.cancel(store, principal, expo_id, request_id, body.reason)


@router.post("/{request_id}/place")
async def place_request(
    expo_id: PathId,
    request_id: PathId,
    body: RescheduleIn,
    principal: CurrentPrincipal,
    store: Store,
) -> MeetingRequestOut:
    """The organiser places a request that has no meeting: in the slot (and table) chosen, or
    in the best free one, moving nothing else. `not_placed` says why when it does not fit;
    409 `not-waiting` for a request that has a meeting or is over."""
    return _out(
        await usecases.place_by_hand(
            store, principal, expo_id, request_id, body.slot_id, body.table
        )
    )


@router.post("/{request_id}/reschedule")
async def reschedule_request(
    expo_id: PathId,
    request_id: PathId,
    body: RescheduleIn,
    principal: CurrentPrincipal,
    store: Store,
) -> MeetingRequestOut:
    return _out(
        await usecases.reschedule(store, principal, expo_id, request_id, body.slot_id, body.table)
    )


@router.post("/{request_id}/lock")
async def lock_meeting(
    expo_id: PathId, request_id: PathId, principal: CurrentPrincipal, store: Store
) -> MeetingData:
    """Hold the request's meeting in its slot and table: no later scheduling run moves it."""
    return await usecases.lock(store, principal, expo_id, request_id, locked=True)


@router.post("/{request_id}/unlock")
async def unlock_meeting(
    expo_id: PathId, request_id: PathId, principal: CurrentPrincipal, store: Store
) -> MeetingData:
    """Let later scheduling runs move the request's meeting again."""
    return await usecases.lock(store, principal, expo_id, request_id, locked=False)


@router.post("/{request_id}/outcome")
async def record_outcome(
    expo_id: PathId,
    request_id: PathId,
    body: OutcomeIn,
    principal: CurrentPrincipal,
    store: Store,
) -> OutcomeData:
    outcome = Outcome(**body.model_dump())
    return await usecases.record_outcome(store, principal, expo_id, request_id, outcome)
