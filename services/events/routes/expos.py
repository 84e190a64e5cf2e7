"""Expos: their details, calendar of meeting sessions, and life cycle."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from services.events import queries, usecases
from services.events.domain import NEXT_STATUSES, settable_statuses
from services.events.routes.dependencies import Store
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.contracts.expo import ExpoData, ExpoStatus, MeetingMode, SessionData
from shared.http import Paging, Strict
from shared.paging import Page
from shared.types import Identifier, PathId, ShortText

router = APIRouter(prefix="/expos", tags=["expos"], dependencies=AUTHENTICATED)


class SessionIn(Strict):
    id: Identifier = Field(examples=["d1-am"])
    day: dt.date
    start: dt.time
    end: dt.time


class ExpoIn(Strict):
    name: ShortText = Field(examples=["Sunda Kecil Expo 2019"])
    venue: ShortText = Field(examples=["Aula El Tari, Kupang"])
    time_zone: str = Field(max_length=64, examples=["Asia/Makassar"])
    start_date: dt.date
    end_date: dt.date
    sessions: list[SessionIn] = Field(min_length=1, max_length=100)
    slot_minutes: int = Field(20, ge=5, le=240)
    break_minutes: int = Field(5, ge=0, le=120)
    mode: MeetingMode = MeetingMode.tables
    tables: int | None = Field(None, ge=1, le=1000)

    def sessions_data(self) -> list[SessionData]:
        return [SessionData(**session.model_dump()) for session in self.sessions]


class StatusIn(Strict):
    status: ExpoStatus


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_expo(body: ExpoIn, principal: CurrentPrincipal, store: Store) -> ExpoData:
    details = body.model_dump(exclude={"sessions"})
    return await usecases.create_expo(store, principal, details, body.sessions_data())


@router.get("")
async def list_expos(store: Store, page: Paging) -> Page[ExpoData]:
    return page.page(await queries.expos(store))


@router.get("/{expo_id}")
async def get_expo(expo_id: PathId, store: Store) -> ExpoData:
    return await store.read_expo(expo_id)


@router.put("/{expo_id}")
async def update_expo(
    expo_id: PathId, body: ExpoIn, principal: CurrentPrincipal, store: Store
) -> ExpoData:
    """Replace the expo's details and sessions (before any schedule exists)."""
    details = body.model_dump(exclude={"sessions"})
    return await usecases.update_expo(store, principal, expo_id, details, body.sessions_data())


class StatusOut(BaseModel):
    status: ExpoStatus
    settable: list[ExpoStatus] = Field(description="What the organiser may set it to now")
    scheduler_next: bool = Field(description="Running the scheduler is a next step")


@router.get("/{expo_id}/status")
async def expo_status(expo_id: PathId, store: Store) -> StatusOut:
    """Where the expo is in its life cycle and where it can go from here."""
    expo = await store.read_expo(expo_id)
    return StatusOut(
        status=expo.status,
        settable=settable_statuses(expo),
        scheduler_next=ExpoStatus.scheduled in NEXT_STATUSES[expo.status],
    )


@router.post("/{expo_id}/status")
async def change_status(
    expo_id: PathId, body: StatusIn, principal: CurrentPrincipal, store: Store
) -> ExpoData:
    """Open registration, reopen, publish or close. `scheduled` is reached by running the
    scheduler; `published` confirms every scheduled meeting."""
    return await usecases.change_status(store, principal, expo_id, body.status)
