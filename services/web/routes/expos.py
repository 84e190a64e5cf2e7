"""The organiser's expos: the list of their own, and one expo's calendar."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api
from services.web.pages import render
from services.web.people import Staff
from shared.types import PathId

router = APIRouter(prefix="/expos")
MAX_EXPOS = 200  # one page of the API: a trade office runs a handful a year


@router.get("")
async def list_expos(request: Request, visitor: Staff) -> Response:
    assert visitor.account is not None
    api = request.app.state.apis.as_person(visitor.account)
    listed = await api.get(Api.events, "/expos", limit=MAX_EXPOS)
    own = [expo for expo in listed["items"] if expo["organiser"] == visitor.account.id]
    own.sort(key=lambda expo: expo["start_date"], reverse=True)
    return render(request, "expos/list.html", expos=own)


@router.get("/{expo_id}")
async def show_expo(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    assert visitor.account is not None
    api = request.app.state.apis.as_person(visitor.account)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    return render(request, "expos/show.html", expo=expo)
