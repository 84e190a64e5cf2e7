"""Where an invitation link leads, and an organiser's way back from acting as someone."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web import i18n
from services.web.i18n import _
from services.web.links import usable
from services.web.pages import render, see_other
from services.web.people import LANGUAGE_COOKIE, CheckedForm, start_session
from shared.contracts.identity import AccountRole
from shared.errors import Conflict, NotFound

router = APIRouter()
TOKEN_CHARACTERS = 100


@router.get("/invitations/{token}")
async def invitation(request: Request, token: str) -> Response:
    """A page with one button: link previews and mail scanners open links, and must not use
    the invitation up; only the person's click (a POST) does."""
    try:
        found = usable(
            await request.app.state.links.find(token[:TOKEN_CHARACTERS]),
            "invitation",
            dt.datetime.now(dt.UTC),
        )
    except (NotFound, Conflict) as unusable_link:
        return _unusable(request, unusable_link.code == "invitation-used")
    account = await request.app.state.accounts.find(found.account_id)
    if account is None:
        return _unusable(request, False)
    if LANGUAGE_COOKIE not in request.cookies:
        i18n.use(account.language)  # the language the organiser chose for them
    return render(request, "invitations/accept.html", account=account, token=token)


@router.post("/invitations/{token}")
async def accept_invitation(request: Request, _form: CheckedForm, token: str) -> Response:
    state = request.app.state
    now = dt.datetime.now(dt.UTC)
    try:
        used = await state.links.use(token[:TOKEN_CHARACTERS], "invitation", now)
    except NotFound:
        return _unusable(request, False)
    except Conflict as refused:
        return _unusable(request, refused.code == "invitation-used")
    account = await state.accounts.load(used.account_id)
    return await start_session(request, account, see_other("/me"))


def _unusable(request: Request, used: bool) -> Response:
    message = (
        _("This invitation link has been used already. Ask the organiser for a new one.")
        if used
        else _("This invitation link is not valid any more. Ask the organiser for a new one.")
    )
    return render(
        request, "error.html", status_code=410, title=_("Invitation link"), message=message
    )


@router.post("/act-as/stop")
async def stop_acting(request: Request, visitor: CheckedForm) -> Response:
    if visitor.session is None or visitor.session_token is None or visitor.acting_as is None:
        return see_other("/")
    assert visitor.account is not None
    participant = visitor.acting_as
    back = visitor.session.model_copy(update={"acting_as": None})
    await request.app.state.sessions.save(visitor.session_token, back)
    await request.app.state.audit.record(
        participant.id, visitor.account.id, "stop", dt.datetime.now(dt.UTC)
    )
    if participant.expo_id and participant.record_id:
        kind = "delegates" if participant.role is AccountRole.delegate else "exhibitors"
        return see_other(f"/expos/{participant.expo_id}/{kind}/{participant.record_id}")
    return see_other("/expos")
