"""The schedule's published versions: what the next one would change, and sending it out."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from services.events import usecases
from services.events.domain import ScheduleChanges
from services.events.routes.dependencies import Store
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.contracts.expo import MeetingData, MovedMeeting, PublishedPlace
from shared.types import PathId

router = APIRouter(
    prefix="/expos/{expo_id}/publications", tags=["scheduling"], dependencies=AUTHENTICATED
)


class PublicationOut(BaseModel):
    version: int = Field(description="The version these changes make (1: the first)")
    added: list[MeetingData]
    moved: list[MovedMeeting]
    removed: list[PublishedPlace] = Field(description="Meetings the participants lose")


def _out(changes: ScheduleChanges) -> PublicationOut:
    return PublicationOut(
        version=changes.version,
        added=changes.added,
        moved=changes.moved,
        removed=changes.removed,
    )


@router.get("/next")
async def next_publication(
    expo_id: PathId, principal: CurrentPrincipal, store: Store
) -> PublicationOut:
    """What publishing now would tell participants, against the last published version: the
    organiser reviews it before confirming."""
    return _out(await usecases.unpublished_changes(store, principal, expo_id))


@router.post("", status_code=status.HTTP_201_CREATED)
async def publish(expo_id: PathId, principal: CurrentPrincipal, store: Store) -> PublicationOut:
    """Send the schedule out as its next version (the first publishes the expo): every meeting
    is confirmed and `expo.schedule.published` says what was added, moved and removed. 409
    `nothing-to-publish` when nothing changed since the last version."""
    return _out(await usecases.publish(store, principal, expo_id))
