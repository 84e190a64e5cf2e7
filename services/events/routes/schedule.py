"""The organiser's scheduling run over every open request of an expo."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import Field

from services.events.planner import ScheduleReport, ScheduleScope
from services.events.routes.dependencies import ScheduleRuns
from services.events.runs import ScheduleRun
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
    expo_id: PathId, principal: CurrentPrincipal, runs: ScheduleRuns, body: ScheduleIn | None = None
) -> ScheduleReport:
    """Schedule the open requests, answering when done: maximise the weight of meetings held,
    keep confirmed and locked meetings where they are, then leave fewer idle gaps and spread
    meetings fairly. Says what could not be placed and why, and how close the result is to the
    proven upper bound. One run per expo at a time (409 `run-in-progress`)."""
    chosen = body or ScheduleIn()  # every field has a default: no body is an ordinary run
    return await runs.now(principal, expo_id, chosen.scope, chosen.time_limit_seconds)


@router.post("/runs", status_code=status.HTTP_202_ACCEPTED)
async def start_run(
    expo_id: PathId, principal: CurrentPrincipal, runs: ScheduleRuns, body: ScheduleIn | None = None
) -> ScheduleRun:
    """The same run in the background: answered at once, then followed by its id (phase,
    best weight so far, bound) until it is finished with its report, or failed with why."""
    chosen = body or ScheduleIn()
    return await runs.start(principal, expo_id, chosen.scope, chosen.time_limit_seconds)


@router.get("/runs/{run_id}")
async def get_run(
    expo_id: PathId, run_id: PathId, principal: CurrentPrincipal, runs: ScheduleRuns
) -> ScheduleRun:
    """A run of the expo; `latest` is the newest."""
    return await runs.find(principal, expo_id, run_id)
