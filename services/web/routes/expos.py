"""The organiser's expos: their list, one expo's calendar and life cycle, and the form that
creates or changes one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api, ApiProblem
from services.web.expo_form import ExpoForm
from services.web.i18n import _
from services.web.messages import FieldMessage, explain
from services.web.pages import render, see_other
from services.web.people import CheckedForm, Staff, Visitor, staff_apis
from shared.types import PathId

router = APIRouter(prefix="/expos")
MAX_EXPOS = 200  # one page of the API: a trade office runs a handful a year


def _labels() -> dict[str, str]:
    """Each input's label, for the fields and for the summary of what to fix."""
    return {
        "name": _("Name of the expo"),
        "venue": _("Venue"),
        "time_zone": _("Time zone"),
        "start_date": _("First day"),
        "end_date": _("Last day"),
        "slot_minutes": _("Minutes per meeting"),
        "break_minutes": _("Minutes between meetings"),
        "mode": _("Where meetings take place"),
        "tables": _("Number of tables"),
        "day": _("Day"),
        "start": _("From"),
        "end": _("Until"),
        "sessions": _("Meeting sessions"),
        "form": _("The expo"),
    }


@router.get("")
async def list_expos(request: Request, visitor: Staff) -> Response:
    assert visitor.account is not None
    listed = await staff_apis(request, visitor).get(Api.events, "/expos", limit=MAX_EXPOS)
    own = [expo for expo in listed["items"] if expo["organiser"] == visitor.account.id]
    own.sort(key=lambda expo: expo["start_date"], reverse=True)
    return render(request, "expos/list.html", expos=own)


@router.get("/new")
async def new_expo(request: Request, _visitor: Staff) -> Response:
    return _form(request, ExpoForm(), None, {})


@router.post("/new")
async def create_expo(request: Request, visitor: Staff, _form_checked: CheckedForm) -> Response:
    form = ExpoForm.from_form(await _fields(request))
    body, rows = form.body()
    try:
        expo = await staff_apis(request, visitor).post(Api.events, "/expos", body)
    except ApiProblem as refused:
        if refused.status != 422:
            raise
        return _form(request, form, None, form.errors(refused, rows))
    return see_other(f"/expos/{expo['id']}")


@router.get("/{expo_id}")
async def show_expo(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    return await _show(request, visitor, expo_id, {})


@router.get("/{expo_id}/edit")
async def edit_expo(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    expo = await staff_apis(request, visitor).get(Api.events, f"/expos/{expo_id}")
    return _form(request, ExpoForm.from_expo(expo), expo_id, {})


@router.post("/{expo_id}/edit")
async def change_expo(
    request: Request, visitor: Staff, _form_checked: CheckedForm, expo_id: PathId
) -> Response:
    form = ExpoForm.from_form(await _fields(request))
    body, rows = form.body()
    try:
        await staff_apis(request, visitor).call(Api.events, "PUT", f"/expos/{expo_id}", json=body)
    except ApiProblem as refused:
        if refused.status not in (409, 422):
            raise
        return _form(request, form, expo_id, form.errors(refused, rows))
    return see_other(f"/expos/{expo_id}")


@router.post("/{expo_id}/status")
async def change_status(
    request: Request, visitor: Staff, _form_checked: CheckedForm, expo_id: PathId
) -> Response:
    target = str((await _fields(request)).get("status", ""))
    try:
        await staff_apis(request, visitor).post(
            Api.events, f"/expos/{expo_id}/status", {"status": target}
        )
    except ApiProblem as refused:
        if refused.status not in (409, 422):
            raise
        errors = {
            "status": next(
                (explain(e.code, e.params, e.message) for e in refused.field_errors().values()),
                explain(refused.code, refused.params, refused.detail),
            )
        }
        return await _show(request, visitor, expo_id, errors, status_code=refused.status)
    return see_other(f"/expos/{expo_id}")


async def _show(
    request: Request,
    visitor: Visitor,
    expo_id: str,
    errors: dict[str, FieldMessage],
    status_code: int = 200,
) -> Response:
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    life = await api.get(Api.events, f"/expos/{expo_id}/status")
    owner = visitor.account is not None and expo["organiser"] == visitor.account.id
    return render(
        request,
        "expos/show.html",
        status_code=status_code,
        expo=expo,
        life=life,
        owner=owner,
        errors=errors,
    )


def _form(
    request: Request, form: ExpoForm, expo_id: str | None, errors: dict[str, FieldMessage]
) -> Response:
    labels = _labels()

    def label_of(name: str) -> str:
        """`sessions[2].end` is "Until 3", as the row's input is labelled."""
        if name.startswith("sessions[") and "]." in name:
            index, part = name.removeprefix("sessions[").split("].", 1)
            return f"{labels.get(part, part)} {int(index) + 1}"
        return labels.get(name, name)

    return render(
        request,
        "expos/form.html",
        status_code=422 if errors else 200,
        form=form,
        expo_id=expo_id,
        errors=errors,
        labels=labels,
        label_of=label_of,
        heading=_("Change the expo") if expo_id else _("A new expo"),
        submit=_("Save the changes") if expo_id else _("Create the expo"),
        action=f"/expos/{expo_id}/edit" if expo_id else "/expos/new",
    )


async def _fields(request: Request) -> dict[str, Any]:
    return {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
