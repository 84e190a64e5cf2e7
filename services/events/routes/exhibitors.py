"""An expo's exhibitors: catalog sellers with a booth and the times they can meet."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import Field

from services.events import queries, usecases
from services.events.routes.dependencies import AvailabilityIn, Store, availability
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.contracts.expo import ExhibitorData
from shared.http import Paging, Patch, Strict
from shared.paging import Page
from shared.types import Identifier, PathId, ShortText

router = APIRouter(
    prefix="/expos/{expo_id}/exhibitors", tags=["exhibitors"], dependencies=AUTHENTICATED
)


class ExhibitorIn(Strict):
    seller_id: Identifier
    booth: ShortText | None = Field(None, max_length=20)
    availability: AvailabilityIn | None = None
    max_meetings: int | None = Field(None, ge=0, le=500)


class ExhibitorPatch(Patch):
    clearable = frozenset({"booth", "max_meetings"})  # null: no booth yet; no limit

    booth: ShortText | None = Field(None, max_length=20)
    availability: AvailabilityIn | None = None
    max_meetings: int | None = Field(None, ge=0, le=500)


@router.post("", status_code=status.HTTP_201_CREATED)
async def register_exhibitor(
    expo_id: PathId, body: ExhibitorIn, principal: CurrentPrincipal, store: Store
) -> ExhibitorData:
    return await usecases.register_exhibitor(
        store,
        principal,
        expo_id,
        body.seller_id,
        body.booth,
        availability(body.availability),
        body.max_meetings,
    )


@router.get("")
async def list_exhibitors(expo_id: PathId, store: Store, page: Paging) -> Page[ExhibitorData]:
    return page.page(await queries.exhibitors(store, expo_id))


@router.get("/{exhibitor_id}")
async def get_exhibitor(expo_id: PathId, exhibitor_id: PathId, store: Store) -> ExhibitorData:
    return await queries.exhibitor(store, expo_id, exhibitor_id)


@router.patch("/{exhibitor_id}")
async def update_exhibitor(
    expo_id: PathId,
    exhibitor_id: PathId,
    body: ExhibitorPatch,
    principal: CurrentPrincipal,
    store: Store,
) -> ExhibitorData:
    changes = body.model_dump(exclude_unset=True, exclude={"availability"})
    return await usecases.update_exhibitor(
        store,
        principal,
        expo_id,
        exhibitor_id,
        changes,
        availability(body.availability),
        "availability" in body.model_fields_set,
    )
