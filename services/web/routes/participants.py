"""An expo's participants for its organiser: the delegates with search and filters, one
delegate's page, inviting them, and acting as them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web import i18n
from services.web.accounts import Account, create_account
from services.web.api import Api, PersonApis
from services.web.i18n import _
from services.web.invitations import invite, require_organiser_of
from services.web.messages import FieldMessage, explain
from services.web.pages import render, see_other
from services.web.people import CheckedForm, Staff, Visitor, staff_apis
from shared.contracts.identity import AccountRole, Language
from shared.errors import Conflict
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}")
PAGE = 200  # the API's largest page; an expo has hundreds of delegates
STATES = ("none", "invited", "active")  # no account yet; invited, never signed in; signed in


async def _every(api: PersonApis, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = await api.get(Api.events, path, limit=PAGE, offset=offset)
        items += page["items"]
        offset = page["next_offset"]
    return items


def _state(account: Account | None) -> str:
    if account is None:
        return "none"
    return "active" if account.signed_in_at is not None else "invited"


def _country_name(code: str) -> str:
    return str(i18n.locale().territories.get(code, code))


@router.get("/delegates")
async def list_delegates(
    request: Request,
    visitor: Staff,
    expo_id: PathId,
    q: str = "",
    country: str = "",
    state: str = "",
) -> Response:
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    delegates = await _every(api, f"/expos/{expo_id}/delegates")
    accounts = await request.app.state.accounts.find_many([d["subject"] for d in delegates])
    states = {d["id"]: _state(accounts.get(d["subject"])) for d in delegates}
    countries = sorted({d["country"] for d in delegates}, key=_country_name)
    wanted = q.strip().casefold()
    shown = [
        d
        for d in delegates
        if (not wanted or wanted in f"{d['name']} {d['organisation']}".casefold())
        and (not country or d["country"] == country)
        and (not state or states[d["id"]] == state)
    ]
    shown.sort(key=lambda d: d["name"].casefold())
    return render(
        request,
        "participants/delegates.html",
        expo=expo,
        delegates=shown,
        total=len(delegates),
        states=states,
        countries=countries,
        country_name=_country_name,
        query={"q": q, "country": country, "state": state},
    )


@router.get("/delegates/{delegate_id}")
async def show_delegate(
    request: Request, visitor: Staff, expo_id: PathId, delegate_id: PathId
) -> Response:
    return await _delegate_page(request, visitor, expo_id, delegate_id, {}, {})


@router.post("/delegates/{delegate_id}/invite")
async def invite_delegate(
    request: Request,
    visitor: Staff,
    _form: CheckedForm,
    expo_id: PathId,
    delegate_id: PathId,
    email: Annotated[str, Form(max_length=254)] = "",
    language: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    assert visitor.account is not None
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    delegate = await api.get(Api.events, f"/expos/{expo_id}/delegates/{delegate_id}")
    accounts = request.app.state.accounts
    account = await accounts.find(delegate["subject"])
    typed = {"email": email, "language": language}
    if account is None:
        problems = _account_problems(email, language)
        if problems:
            return await _delegate_page(request, visitor, expo_id, delegate_id, problems, typed)
        try:
            account = await accounts.create(
                delegate["subject"],
                email,
                lambda holder: create_account(
                    holder,
                    delegate["subject"],
                    email,
                    delegate["name"],
                    AccountRole.delegate,
                    Language(language),
                    expo_id=expo_id,
                    record_id=delegate_id,
                ),
            )
        except Conflict:
            taken = {"email": FieldMessage(_("This e-mail address has an account already."))}
            return await _delegate_page(request, visitor, expo_id, delegate_id, taken, typed)
    new = invite(visitor.account, account, expo["organiser"], dt.datetime.now(dt.UTC))
    await request.app.state.links.save(new)
    link = f"{request.base_url}invitations/{new.token}"
    return render(
        request,
        "participants/invitation.html",
        expo=expo,
        person=delegate,
        account=account,
        link=link,
        qr=request.app.state.qr_code(link),
        expires_at=new.link.expires_at,
    )


@router.post("/delegates/{delegate_id}/act-as")
async def act_as_delegate(
    request: Request, visitor: Staff, _form: CheckedForm, expo_id: PathId, delegate_id: PathId
) -> Response:
    assert visitor.account is not None and visitor.session_token and visitor.session
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    delegate = await api.get(Api.events, f"/expos/{expo_id}/delegates/{delegate_id}")
    participant = await request.app.state.accounts.find(delegate["subject"])
    if participant is None:
        first = _("Invite this person first: acting as someone needs their account.")
        return await _delegate_page(
            request, visitor, expo_id, delegate_id, {"act_as": FieldMessage(first)}, {}
        )
    require_organiser_of(visitor.account, participant, expo["organiser"])
    acting = visitor.session.model_copy(update={"acting_as": participant.id})
    await request.app.state.sessions.save(visitor.session_token, acting)
    await request.app.state.audit.record(
        participant.id, visitor.account.id, "start", dt.datetime.now(dt.UTC)
    )
    return see_other("/me")


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
    audit = await request.app.state.audit.entries(account.id) if account else []
    return render(
        request,
        "participants/delegate.html",
        status_code=422 if errors else 200,
        expo=expo,
        delegate=delegate,
        account=account,
        state=_state(account),
        audit=audit,
        errors=errors,
        typed=typed,
        country_name=_country_name,
    )


def _account_problems(email: str, language: str) -> dict[str, FieldMessage]:
    problems: dict[str, FieldMessage] = {}
    if "@" not in email or "." not in email.rpartition("@")[2] or " " in email.strip():
        problems["email"] = explain("email", {}, "Enter an e-mail address.")
    if language not in {lang.value for lang in Language}:
        problems["language"] = explain("enum", {}, "Choose a language.")
    return problems
