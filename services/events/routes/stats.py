"""An expo's figures for its organiser: requests by status, country and sector; deals."""

from __future__ import annotations

from fastapi import APIRouter

from services.events import queries
from services.events.queries import ExpoStatistics
from services.events.routes.dependencies import Store
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}/stats", tags=["expos"], dependencies=AUTHENTICATED)


@router.get("")
async def statistics(expo_id: PathId, principal: CurrentPrincipal, store: Store) -> ExpoStatistics:
    return await queries.statistics(store, principal, expo_id)
