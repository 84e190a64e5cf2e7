"""An expo's delegates for its organiser: the list with search and filters, one delegate's
page, correcting their details, inviting them, and acting as them."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web import vocabulary
from services.web.api import Api, ApiProblem
from services.web.delegate_form import DelegateForm
from services.web.messages import FieldMessage, form_errors
from services.web.pages import render, see_other
from services.web.participants import (
    Participant,
    account_for,
    audit_of,
    every,
    first_invite,
    invitation_page,
    invitations_page,
    start_acting,
    state_of,
)
from services.web.people import CheckedForm, Staff, Visitor, staff_apis
from shared.contracts.catalog import CertificationKind, Sector
from shared.contracts.expo import DelegateRole
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}/delegates")


@router.get("")
async def list_delegates(
    request: Request,
    visitor: Staff,
    expo_id: PathId,
    q: str = "",
    country: str = "",
    sector: str = "",
    state: str = "",
) -> Response:
    api = staff_apis(request, visitor)
    expo, delegates = await asyncio.gather(
        api.get(Api.events, f"/expos/{expo_id}"),
        every(api, Api.events, f"/expos/{expo_id}/delegates"),
    )
    accounts = await request.app.state.accounts.find_many([d["subject"] for d in delegates])
    states = {d["id"]: state_of(accounts.get(d["subject"])) for d in delegates}
    countries = sorted({d["country"] for d in delegates}, key=vocabulary.country)
    wanted = q.strip().casefold()
    shown = [
        d
        for d in delegates
        if (not wanted or wanted in f"{d['name']} {d['organisation']}".casefold())
        and (not country or d["country"] == country)
        and (not sector or sector in d["sectors"])
        and (not state or states[d["id"]] == state)
    ]
    shown.sort(key=lambda d: d["name"].casefold())
    return render(
        request,
        "participants/delegates.html",
        expo=expo,
        delegates=shown,
        total=len(delegates),
        waiting=sum(1 for value in states.values() if value == "invited"),
        states=states,
        countries=countries,
        sectors=sorted({s for d in delegates for s in d["sectors"]}),
        query={"q": q, "country": country, "sector": sector, "state": state},
    )


@router.post("/invite-all")
async def invite_every_delegate(
    request: Request, visitor: Staff, _form: CheckedForm, expo_id: PathId
) -> Response:
    """Everyone with an account who has not signed in yet (as an import leaves those with an
    e-mail address) gets a new link; those without an address are invited one by one."""
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    delegates = await every(api, Api.events, f"/expos/{expo_id}/delegates")
    accounts = await request.app.state.accounts.find_many([d["subject"] for d in delegates])
    waiting = [
        (Participant.delegate(d), accounts[d["subject"]])
        for d in sorted(delegates, key=lambda d: d["name"].casefold())
        if state_of(accounts.get(d["subject"])) == "invited"
    ]
    without = sum(1 for d in delegates if d["subject"] not in accounts)
    back = f"/expos/{expo_id}/delegates"
    return await invitations_page(request, visitor, expo, waiting, without, back)


@router.get("/{delegate_id}")
async def show_delegate(
    request: Request, visitor: Staff, expo_id: PathId, delegate_id: PathId
) -> Response:
    return await _delegate_page(request, visitor, expo_id, delegate_id, {}, {})


@router.get("/{delegate_id}/edit")
async def edit_delegate(
    request: Request, visitor: Staff, expo_id: PathId, delegate_id: PathId
) -> Response:
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    delegate = await api.get(Api.events, f"/expos/{expo_id}/delegates/{delegate_id}")
    return _edit_page(request, expo, delegate, DelegateForm.from_delegate(delegate), {})


@router.post("/{delegate_id}/edit")
async def change_delegate(
    request: Request, visitor: Staff, _form: CheckedForm, expo_id: PathId, delegate_id: PathId
) -> Response:
    api = staff_apis(request, visitor)
    posted = await request.form()
    single = {name: value for name, value in posted.items() if isinstance(value, str)}
    multiple = {
        name: [v for v in posted.getlist(name) if isinstance(v, str)]
        for name in ("sectors", "required_certifications")
    }
    form = DelegateForm.from_form(single, multiple)
    path = f"/expos/{expo_id}/delegates/{delegate_id}"
    try:
        await api.patch(Api.events, path, form.body())
    except ApiProblem as refused:
        if refused.status not in (409, 422):
            raise
        expo = await api.get(Api.events, f"/expos/{expo_id}")
        delegate = await api.get(Api.events, path)
        return _edit_page(request, expo, delegate, form, form_errors(refused))
    return see_other(path)


def _edit_page(
    request: Request,
    expo: dict[str, object],
    delegate: dict[str, object],
    form: DelegateForm,
    errors: dict[str, FieldMessage],
) -> Response:
    return render(
        request,
        "participants/delegate_form.html",
        status_code=422 if errors else 200,
        expo=expo,
        delegate=delegate,
        form=form,
        errors=errors,
        roles=[r.value for r in DelegateRole],
        sectors=[s.value for s in Sector],
        certificates=[c.value for c in CertificationKind],
    )


@router.post("/{delegate_id}/invite")
async def invite_delegate(
    request: Request,
    visitor: Staff,
    _form: CheckedForm,
    expo_id: PathId,
    delegate_id: PathId,
    email: Annotated[str, Form(max_length=254)] = "",
    language: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    delegate = await api.get(Api.events, f"/expos/{expo_id}/delegates/{delegate_id}")
    participant = Participant.delegate(delegate)
    account = await account_for(request, participant, email, language)
    if isinstance(account, dict):
        typed = {"email": email, "language": language}
        return await _delegate_page(request, visitor, expo_id, delegate_id, account, typed)
    return await invitation_page(request, visitor, expo, participant, account)


@router.post("/{delegate_id}/act-as")
async def act_as_delegate(
    request: Request, visitor: Staff, _form: CheckedForm, expo_id: PathId, delegate_id: PathId
) -> Response:
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    delegate = await api.get(Api.events, f"/expos/{expo_id}/delegates/{delegate_id}")
    person = await request.app.state.accounts.find(delegate["subject"])
    if person is None:
        return await _delegate_page(request, visitor, expo_id, delegate_id, first_invite(), {})
    return await start_acting(request, visitor, expo, person)


async def _delegate_page(
    request: Request,
    visitor: Visitor,
    expo_id: str,
    delegate_id: str,
    errors: dict[str, FieldMessage],
    typed: dict[str, str],
) -> Response:
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    delegate = await api.get(Api.events, f"/expos/{expo_id}/delegates/{delegate_id}")
    account = await request.app.state.accounts.find(delegate["subject"])
    return render(
        request,
        "participants/delegate.html",
        status_code=422 if errors else 200,
        expo=expo,
        delegate=delegate,
        account=account,
        state=state_of(account),
        audit=await audit_of(request, account),
        errors=errors,
        typed=typed,
        invite_action=f"/expos/{expo_id}/delegates/{delegate_id}/invite",
        act_as_action=f"/expos/{expo_id}/delegates/{delegate_id}/act-as",
        default_language="en",
    )
