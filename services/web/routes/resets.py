"""Password resets: a person asks on the sign-in page; an organiser sees who asked, makes the
link and hands it over (in development it is also written to the log); the link sets a new
password once, and signs its owner in."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web.accounts import (
    MIN_PASSWORD_CHARACTERS,
    Account,
    hash_password,
    set_password,
)
from services.web.i18n import _
from services.web.links import usable
from services.web.messages import FieldMessage
from services.web.pages import render, see_other
from services.web.password_resets import make_reset
from services.web.people import CheckedForm, NotAllowed, Staff, start_session
from shared.contracts.identity import AccountRole
from shared.errors import Conflict, NotFound
from shared.settings import DEVELOPMENT_ENVIRONMENTS
from shared.types import PathId

router = APIRouter()
log = logging.getLogger(__name__)
TOKEN_CHARACTERS = 100


@router.get("/password/forgotten")
async def forgotten_page(request: Request) -> Response:
    return render(request, "resets/forgotten.html", sent=False)


@router.post("/password/forgotten")
async def forgotten(
    request: Request, _form: CheckedForm, email: Annotated[str, Form(max_length=254)] = ""
) -> Response:
    """The same answer whether or not the address has an account."""
    state = request.app.state
    account = await state.accounts.by_email(email)
    now = dt.datetime.now(dt.UTC)
    if account is not None and account.is_staff:
        await state.reset_requests.ask(account.id, now)
        if state.settings.environment in DEVELOPMENT_ENVIRONMENTS:
            # No e-mail yet: in development the link goes to the log, for whoever runs it.
            new = make_reset(None, account, now)
            await state.links.save(new)
            log.info("password reset link for %s: %s", account.id, _link(request, new.token))
    return render(request, "resets/forgotten.html", sent=True)


@router.get("/accounts/resets")
async def asked(request: Request, visitor: Staff) -> Response:
    """Who asked for a new password, for an organiser to hand them a link."""
    _organiser(visitor.account)
    state = request.app.state
    people = []
    for account_id, at in sorted((await state.reset_requests.asked()).items(), key=lambda a: a[1]):
        account = await state.accounts.find(account_id)
        if account is not None:
            people.append((account, dt.datetime.fromisoformat(at)))
    return render(request, "resets/asked.html", people=people)


@router.post("/accounts/{account_id}/reset")
async def make_link(
    request: Request, visitor: Staff, _form: CheckedForm, account_id: PathId
) -> Response:
    staff = await request.app.state.accounts.load(account_id)
    new = make_reset(visitor.account, staff, dt.datetime.now(dt.UTC))
    await request.app.state.links.save(new)
    link = _link(request, new.token)
    return render(
        request,
        "resets/link.html",
        account=staff,
        link=link,
        qr=request.app.state.qr_code(link),
        expires_at=new.link.expires_at,
    )


@router.get("/password/reset/{token}")
async def reset_page(request: Request, token: str) -> Response:
    return await _reset_form(request, token, {})


@router.post("/password/reset/{token}")
async def reset(
    request: Request,
    _form: CheckedForm,
    token: str,
    password: Annotated[str, Form(max_length=1000)] = "",
    again: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    errors: dict[str, FieldMessage] = {}
    if len(password) < MIN_PASSWORD_CHARACTERS:
        errors["password"] = FieldMessage(
            _("At least %(count)s characters.", count=MIN_PASSWORD_CHARACTERS)
        )
    elif again != password:
        errors["again"] = FieldMessage(_("The two passwords differ."))
    if errors:
        return await _reset_form(request, token, errors)
    state = request.app.state
    try:
        used = await state.links.use(token[:TOKEN_CHARACTERS], "reset", dt.datetime.now(dt.UTC))
    except (NotFound, Conflict):
        return _unusable(request)
    hashed = hash_password(password)
    account = await state.accounts.change(used.account_id, lambda a: set_password(a, hashed))
    await state.reset_requests.answered(account.id)
    return await start_session(request, account, see_other("/"))


async def _reset_form(request: Request, token: str, errors: dict[str, FieldMessage]) -> Response:
    try:
        usable(
            await request.app.state.links.find(token[:TOKEN_CHARACTERS]),
            "reset",
            dt.datetime.now(dt.UTC),
        )
    except (NotFound, Conflict):
        return _unusable(request)
    return render(
        request,
        "resets/new_password.html",
        status_code=422 if errors else 200,
        token=token,
        errors=errors,
        minimum=MIN_PASSWORD_CHARACTERS,
    )


def _unusable(request: Request) -> Response:
    return render(
        request,
        "error.html",
        status_code=410,
        title=_("Password reset link"),
        message=_("This link is used or no longer valid. Ask an organiser for a new one."),
    )


def _link(request: Request, token: str) -> str:
    return f"{request.base_url}password/reset/{token}"


def _organiser(account: Account | None) -> None:
    if account is None or account.role is not AccountRole.organiser:
        raise NotAllowed()
