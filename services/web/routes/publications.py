"""Publishing the schedule: the organiser reads what the next version changes for the
participants (added, moved, removed meetings) and then sends it."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api, ApiProblem, PersonApis
from services.web.messages import FieldMessage
from services.web.pages import render, see_other
from services.web.participants import every
from services.web.people import CheckedForm, Staff, staff_apis
from services.web.scheduling import run_problem
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}/publications")
LISTED = 200  # of each kind of change; the rest are counted


@router.get("")
async def review(request: Request, visitor: Staff, expo_id: PathId, published: int = 0) -> Response:
    return await _page(request, visitor, expo_id, published=published)


@router.post("")
async def publish(
    request: Request, visitor: Staff, _form: CheckedForm, expo_id: PathId
) -> Response:
    api = staff_apis(request, visitor)
    try:
        sent = await api.post(Api.events, f"/expos/{expo_id}/publications")
    except ApiProblem as refused:
        if refused.status not in (409, 422):
            raise
        refusal = FieldMessage(run_problem(refused.code, refused.detail))
        return await _page(request, visitor, expo_id, refusal=refusal, status_code=refused.status)
    return see_other(f"/expos/{expo_id}/publications?published={sent['version']}")


async def _page(
    request: Request,
    visitor: Staff,
    expo_id: str,
    published: int = 0,
    refusal: FieldMessage | None = None,
    status_code: int = 200,
) -> Response:
    api = staff_apis(request, visitor)
    base = f"/expos/{expo_id}"
    expo, changes, delegates, exhibitors = await asyncio.gather(
        api.get(Api.events, base),
        api.get(Api.events, f"{base}/publications/next"),
        every(api, Api.events, f"{base}/delegates"),
        every(api, Api.events, f"{base}/exhibitors"),
    )
    removed = await _removed(api, base, changes["removed"][:LISTED])
    return render(
        request,
        "schedule/publish.html",
        status_code=status_code,
        expo=expo,
        changes=changes,
        added=sorted(changes["added"], key=_when)[:LISTED],
        moved=sorted(changes["moved"], key=lambda item: _when(item["meeting"]))[:LISTED],
        removed=removed,
        slots={slot["id"]: slot for slot in expo["slots"]},
        delegates={d["id"]: d for d in delegates},
        sellers={x["id"]: x["seller_name"] for x in exhibitors},
        published=published,
        refusal=refusal,
    )


def _when(meeting: dict[str, Any]) -> tuple[str, int]:
    """In the order of the day: ISO 8601 times with one offset sort as text."""
    return str(meeting["start"]), meeting["table"] or 0


async def _removed(
    api: PersonApis, base: str, places: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each removed meeting's place with its request (whom it was between)."""
    requests = await asyncio.gather(
        *(api.get(Api.events, f"{base}/requests/{place['request_id']}") for place in places)
    )
    return [
        {**place, "request": found["request"]}
        for place, found in zip(places, requests, strict=True)
    ]
