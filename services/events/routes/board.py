"""One session of the schedule as the organiser's console draws it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.events import queries
from services.events.board import UNPLACED_SHOWN, SessionBoard
from services.events.routes.dependencies import Store
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.types import Identifier, PathId

router = APIRouter(
    prefix="/expos/{expo_id}/sessions/{session_id}/board",
    tags=["scheduling"],
    dependencies=AUTHENTICATED,
)


@router.get("")
async def session_board(
    expo_id: PathId,
    session_id: PathId,
    principal: CurrentPrincipal,
    store: Store,
    moving: Annotated[
        Identifier | None, Query(description="A request whose meeting is being moved")
    ] = None,
    unplaced: Annotated[int, Query(ge=0, le=500)] = UNPLACED_SHOWN,
) -> SessionBoard:
    """The session's meetings by slot and table (or booth), what conflicts with what the
    participants said, and the requests without a meeting with the slots they fit in here
    (those that fit first, then the heaviest; `unplaced` of them). The expo's organiser only."""
    return await queries.board(store, principal, expo_id, session_id, moving, unplaced)
