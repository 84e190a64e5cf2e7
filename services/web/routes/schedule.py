"""The organiser's scheduling page: start a run (everything, or only what is not placed), watch
it as it goes, and read its result in plain words."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web.api import Api, ApiProblem, PersonApis
from services.web.i18n import _
from services.web.messages import FieldMessage
from services.web.pages import render, see_other
from services.web.participants import every
from services.web.people import CheckedForm, Staff, staff_apis
from services.web.scheduling import run_problem
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}/schedule")
SEARCH_SECONDS = (10, 30, 60, 120)  # how long the solver may look for a better schedule
SCOPES = ("everything", "unplaced")
UNPLACED_NAMED = 20  # the result names these; the grid shows where the rest could go


@router.get("")
async def scheduling(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    return await _page(request, visitor, expo_id, {}, {})


@router.get("/progress")
async def progress(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    """The run as it goes: asked for every second while it runs, by htmx or by hand."""
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    return render(request, "schedule/progress.html", **await _state(api, expo))


@router.post("/runs")
async def start_run(
    request: Request,
    visitor: Staff,
    _form: CheckedForm,
    expo_id: PathId,
    scope: Annotated[str, Form(max_length=20)] = "",
    seconds: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    chosen = {"scope": scope, "seconds": seconds}
    errors: dict[str, FieldMessage] = {}
    if scope not in SCOPES:
        errors["scope"] = FieldMessage(_("Choose what to schedule."))
    if not seconds.isdigit() or int(seconds) not in SEARCH_SECONDS:
        errors["seconds"] = FieldMessage(_("Choose how long to look for a better schedule."))
    if errors:
        return await _page(request, visitor, expo_id, chosen, errors, 422)
    body = {"scope": scope, "time_limit_seconds": int(seconds)}
    try:
        await staff_apis(request, visitor).post(Api.events, f"/expos/{expo_id}/schedule/runs", body)
    except ApiProblem as refused:
        if refused.status not in (409, 422):
            raise
        errors["run"] = FieldMessage(run_problem(refused.code, refused.detail))
        return await _page(request, visitor, expo_id, chosen, errors, refused.status)
    return see_other(f"/expos/{expo_id}/schedule")


async def _page(
    request: Request,
    visitor: Staff,
    expo_id: str,
    chosen: dict[str, str],
    errors: dict[str, FieldMessage],
    status_code: int = 200,
) -> Response:
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    return render(
        request,
        "schedule/run.html",
        status_code=status_code,
        chosen={"scope": "everything", "seconds": "30", **chosen},
        search_seconds=SEARCH_SECONDS,
        errors=errors,
        **await _state(api, expo),
    )


async def _state(api: PersonApis, expo: dict[str, Any]) -> dict[str, Any]:
    """The expo's requests in figures and its newest run, with the people its result names."""
    base = f"/expos/{expo['id']}"
    run = await _latest_run(api, base)
    # Asked every second while a run goes on: the figures (the whole expo read) wait for its end.
    running = run is not None and run["status"] == "running"
    stats = None if running else await api.get(Api.events, f"{base}/stats")
    report = (run or {}).get("report") or {}
    left_out = report.get("unplaced", [])[:UNPLACED_NAMED]
    names: dict[str, str] = {}
    if left_out:
        delegates, exhibitors = await asyncio.gather(
            every(api, Api.events, f"{base}/delegates"),
            every(api, Api.events, f"{base}/exhibitors"),
        )
        names = {d["id"]: d["name"] for d in delegates} | {
            x["id"]: x["seller_name"] for x in exhibitors
        }
    return {"expo": expo, "stats": stats, "run": run, "left_out": left_out, "names": names}


async def _latest_run(api: PersonApis, base: str) -> dict[str, Any] | None:
    try:
        run: dict[str, Any] = await api.get(Api.events, f"{base}/schedule/runs/latest")
    except ApiProblem as missing:
        if missing.status != 404:
            raise
        return None
    return run
