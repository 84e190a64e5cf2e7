"""The organiser's scheduling run over every open request of an expo."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from services.events.planner import ScheduleReport, ScheduleScope, run_schedule
from services.events.routes.dependencies import Store
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.http import Strict
from shared.types import PathId

router = APIRouter(
    prefix="/expos/{expo_id}/schedule", tags=["scheduling"], dependencies=AUTHENTICATED
)


class ScheduleIn(Strict):
    time_limit_seconds: float = Field(10, gt=0, le=300)
    scope: ScheduleScope = Field(
        ScheduleScope.everything,
        description="`everything`: every open request, moving any meeting neither confirmed "
        "nor locked; `unplaced`: only the requests without a meeting, every meeting stays",
    )


@router.post("")
async def schedule(
    expo_id: PathId, principal: CurrentPrincipal, store: Store, body: ScheduleIn | None = None
) -> ScheduleReport:
    """Schedule every open request: maximise the weight of meetings held, keep confirmed
    meetings where they are, then leave fewer idle gaps and spread meetings fairly. Says what
    could not be placed and why, and how close the result is to the proven upper bound."""
    chosen = body or ScheduleIn()  # every field has a default: no body is an ordinary run
    return await run_schedule(store, principal, expo_id, chosen.time_limit_seconds, chosen.scope)
