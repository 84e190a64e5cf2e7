"""Agendas as people use them: JSON, iCalendar for their calendar, a page to print."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from services.events import queries
from services.events.agenda import AgendaItem, to_html, to_icalendar
from services.events.routes.dependencies import Store
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.errors import InvalidParameter
from shared.types import Identifier, PathId

router = APIRouter(prefix="/expos/{expo_id}/agenda", tags=["agendas"], dependencies=AUTHENTICATED)


class AgendaFormat(StrEnum):
    json = "json"
    ics = "ics"
    html = "html"


class AgendaOut(BaseModel):
    expo_id: str
    title: str
    time_zone: str
    meetings: list[AgendaItem]


AS_TEXT = {"schema": {"type": "string"}}


@router.get(
    "",
    response_model=None,
    responses={
        200: {
            "model": AgendaOut,
            "description": "The agenda as JSON, iCalendar (`format=ics`) or a page (`format=html`)",
            "content": {"text/calendar": AS_TEXT, "text/html": AS_TEXT},
        }
    },
)
async def agenda(
    expo_id: PathId,
    principal: CurrentPrincipal,
    store: Store,
    delegate: Identifier | None = None,
    exhibitor: Identifier | None = None,
    table: Annotated[int | None, Query(ge=1, le=1000)] = None,
    format: AgendaFormat = AgendaFormat.json,
) -> AgendaOut | Response:
    """One delegate's, one exhibitor's, one table's or (organisers) the whole expo's meetings,
    as JSON, iCalendar (`format=ics`) or a printable page (`format=html`). One person's
    agenda reads only their meetings and their counterparts: calendar applications poll it."""
    chosen = [
        name
        for name, value in (("delegate", delegate), ("exhibitor", exhibitor), ("table", table))
        if value is not None
    ]
    if len(chosen) > 1:
        raise InvalidParameter("choose one of delegate, exhibitor or table", chosen[1])
    found = await queries.agenda(store, principal, expo_id, delegate, exhibitor, table)
    if format is AgendaFormat.ics:
        calendar = to_icalendar(found.expo, found.title, found.items)
        return Response(calendar, media_type="text/calendar; charset=utf-8")
    if format is AgendaFormat.html:
        page = to_html(found.expo, found.title, found.items)
        return Response(page, media_type="text/html; charset=utf-8")
    return AgendaOut(
        expo_id=expo_id, title=found.title, time_zone=found.expo.time_zone, meetings=found.items
    )
