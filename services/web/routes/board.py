"""The grid of one session: tables (or booths) by slots, each cell its meeting. The organiser
picks a meeting, then moves, locks, unlocks or cancels it, or puts a waiting request into a
free cell; every refusal is shown on the grid in the organiser's words."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web.api import Api, ApiProblem, PersonApis
from services.web.i18n import _
from services.web.messages import FieldMessage
from services.web.pages import render, see_other
from services.web.people import CheckedForm, Staff, staff_apis
from services.web.scheduling import run_problem, unplaced
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}/sessions/{session_id}")
RequestId = Annotated[str, Form(max_length=64)]


@router.get("")
async def grid(
    request: Request,
    visitor: Staff,
    expo_id: PathId,
    session_id: PathId,
    selected: str = "",
    moving: str = "",
) -> Response:
    return await _grid(request, visitor, expo_id, session_id, selected, moving)


@router.post("/moves")
async def move(
    request: Request,
    visitor: Staff,
    _form: CheckedForm,
    expo_id: PathId,
    session_id: PathId,
    request_id: RequestId,
    slot_id: Annotated[str, Form(max_length=64)],
    table: Annotated[str, Form(max_length=6)] = "",
    placed: Annotated[str, Form(max_length=1)] = "1",
) -> Response:
    """A meeting to the cell picked (`reschedule` in the events API), or a waiting request
    (`placed=0`) into the cell picked or suggested (`place`)."""
    verb = "reschedule" if placed == "1" else "place"
    return await _put(request, visitor, expo_id, session_id, request_id, verb, slot_id, table)


@router.post("/locks")
async def lock(
    request: Request,
    visitor: Staff,
    _form: CheckedForm,
    expo_id: PathId,
    session_id: PathId,
    request_id: RequestId,
    locked: Annotated[str, Form(max_length=1)] = "1",
) -> Response:
    verb = "lock" if locked == "1" else "unlock"
    api = staff_apis(request, visitor)
    try:
        await api.post(Api.events, f"/expos/{expo_id}/requests/{request_id}/{verb}")
    except ApiProblem as refused:
        return await _refused(request, visitor, expo_id, session_id, request_id, refused)
    return _back(expo_id, session_id, request_id)


@router.post("/cancellations")
async def cancel(
    request: Request,
    visitor: Staff,
    _form: CheckedForm,
    expo_id: PathId,
    session_id: PathId,
    request_id: RequestId,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not reason.strip():
        errors = {"reason": FieldMessage(_("Say why the meeting is cancelled."))}
        return await _grid(
            request, visitor, expo_id, session_id, request_id, "", errors=errors, status_code=422
        )
    api = staff_apis(request, visitor)
    try:
        await api.post(
            Api.events,
            f"/expos/{expo_id}/requests/{request_id}/cancel",
            {"reason": reason.strip()},
        )
    except ApiProblem as refused:
        return await _refused(request, visitor, expo_id, session_id, request_id, refused)
    return see_other(f"/expos/{expo_id}/sessions/{session_id}")


async def _put(
    request: Request,
    visitor: Staff,
    expo_id: str,
    session_id: str,
    request_id: str,
    verb: str,
    slot_id: str,
    table: str,
) -> Response:
    body: dict[str, Any] = {"slot_id": slot_id}
    if table.isdigit():
        body["table"] = int(table)
    api = staff_apis(request, visitor)
    try:
        answer = await api.post(Api.events, f"/expos/{expo_id}/requests/{request_id}/{verb}", body)
    except ApiProblem as refused:
        return await _refused(request, visitor, expo_id, session_id, request_id, refused)
    if answer.get("not_placed"):
        why = answer["not_placed"]
        refusal = FieldMessage(unplaced(why.get("reason"), why.get("detail", "")))
        return await _grid(
            request, visitor, expo_id, session_id, request_id, "", refusal=refusal, status_code=409
        )
    return _back(expo_id, session_id, request_id)


async def _refused(
    request: Request,
    visitor: Staff,
    expo_id: str,
    session_id: str,
    request_id: str,
    refused: ApiProblem,
) -> Response:
    """An API's 409 or 422 said on the grid; anything else is the error pages' business."""
    if refused.status not in (409, 422):
        raise refused
    fields = refused.field_errors()
    english = next(iter(fields.values())).message if fields else refused.detail
    refusal = FieldMessage(run_problem(refused.code, english))
    return await _grid(
        request,
        visitor,
        expo_id,
        session_id,
        request_id,
        "",
        refusal=refusal,
        status_code=refused.status,
    )


def _back(expo_id: str, session_id: str, request_id: str) -> Response:
    """To the grid with the meeting picked, so the organiser sees where it now is."""
    return see_other(
        f"/expos/{expo_id}/sessions/{session_id}?selected={request_id}#cell-{request_id}"
    )


async def _grid(
    request: Request,
    visitor: Staff,
    expo_id: str,
    session_id: str,
    selected: str,
    moving: str,
    refusal: FieldMessage | None = None,
    errors: dict[str, FieldMessage] | None = None,
    status_code: int = 200,
) -> Response:
    api = staff_apis(request, visitor)
    expo, board = await _read(api, expo_id, session_id, moving)
    booths = expo["mode"] != "tables"
    cells = {(m["slot_id"], _row_key(m, booths)): m for m in board["meetings"]}
    picked = next((m for m in board["meetings"] if m["pair"]["request_id"] == selected), None)
    return render(
        request,
        "schedule/board.html",
        status_code=status_code,
        expo=expo,
        board=board,
        booths=booths,
        cells=cells,
        targets=_targets(board, cells, booths),
        picked=picked,
        refusal=refusal,
        errors=errors or {},
        row_key=lambda row: row["exhibitor_id"] if booths else row["table"],
    )


async def _read(
    api: PersonApis, expo_id: str, session_id: str, moving: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The expo and the session's board, asked for side by side."""
    path = f"/expos/{expo_id}/sessions/{session_id}/board"

    async def board() -> dict[str, Any]:
        try:
            found: dict[str, Any] = await api.get(Api.events, path, moving=moving or None)
        except ApiProblem as missing:
            if missing.status != 404 or not moving:
                raise
            # The request being moved is gone (cancelled meanwhile): the grid without it.
            found = await api.get(Api.events, path)
        return found

    expo, answer = await asyncio.gather(api.get(Api.events, f"/expos/{expo_id}"), board())
    return expo, answer


def _row_key(meeting: dict[str, Any], booths: bool) -> Any:
    return meeting["pair"]["exhibitor_id"] if booths else meeting["table"]


def _targets(
    board: dict[str, Any], cells: dict[tuple[str, Any], dict[str, Any]], booths: bool
) -> set[tuple[str, Any]]:
    """The free cells the request being moved (or placed) may go to: in a slot where both are
    free, any free table; at the booths, its exhibitor's own row."""
    moving = board.get("moving")
    if not moving:
        return set()
    rows = [moving["pair"]["exhibitor_id"]] if booths else [row["table"] for row in board["rows"]]
    return {
        (slot_id, row)
        for slot_id in moving["open_slots"]
        for row in rows
        if (slot_id, row) not in cells
    }
