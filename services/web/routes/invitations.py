"""Where an invitation link leads, the participant's own start page, and an organiser's way
back from acting as someone."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web import agendas, i18n, pdf, qr
from services.web.agendas import SheetKind
from services.web.api import Api, PersonApis
from services.web.i18n import _
from services.web.links import usable
from services.web.pages import render, see_other
from services.web.people import LANGUAGE_COOKIE, CheckedForm, SignedIn, start_session
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


@router.get("/me")
async def my_page(request: Request, visitor: SignedIn) -> Response:
    """A participant's start page (their agenda and matches come with their own pages)."""
    person = visitor.person
    assert person is not None
    if person.is_staff:
        return see_other("/expos")
    api = request.app.state.apis.as_person(
        person, actor=visitor.account if visitor.acting_as else None
    )
    expo = await api.get(Api.events, f"/expos/{person.expo_id}") if person.expo_id else None
    record = seller = sheet = None
    if expo is not None and person.record_id and person.role is AccountRole.delegate:
        record = await api.get(Api.events, f"/expos/{expo['id']}/delegates/{person.record_id}")
        sheet = await _own_sheet(api, expo, SheetKind.delegate, record)
    if expo is not None and person.record_id and person.role is AccountRole.seller:
        record = await api.get(Api.events, f"/expos/{expo['id']}/exhibitors/{person.record_id}")
        seller = await api.get(Api.catalog, f"/sellers/{record['seller_id']}")
        sheet = await _own_sheet(api, expo, SheetKind.exhibitor, record, seller)
    return render(
        request, "me.html", person=person, expo=expo, record=record, seller=seller,
        sheet=sheet, zone=ZoneInfo, url=pdf.check_in_url, base_url=str(request.base_url),
        qr=qr.svg_data_uri,
    )  # fmt: skip


async def _own_sheet(
    api: PersonApis,
    expo: dict[str, Any],
    kind: SheetKind,
    record: dict[str, Any],
    seller: dict[str, Any] | None = None,
) -> agendas.Sheet | None:
    """The participant's own agenda, as their printed sheet shows it, from what they may read:
    their meetings, the exhibitors' booths and languages (public), and what the agenda says
    of each delegate. None while they have no meeting."""
    base = f"/expos/{expo['id']}/agenda"
    if kind is SheetKind.delegate:
        found = await api.get(Api.events, base, delegate=record["id"])
    else:
        found = await api.get(Api.events, base, exhibitor=record["id"])
    items = found["meetings"]
    if kind is SheetKind.delegate:
        booth_ids = sorted({item["exhibitor_id"] for item in items})
        booths = await asyncio.gather(
            *(api.get(Api.events, f"/expos/{expo['id']}/exhibitors/{i}") for i in booth_ids)
        )
        sellers = await asyncio.gather(
            *(api.get(Api.catalog, f"/sellers/{b['seller_id']}") for b in booths)
        )
        people = agendas.People(
            delegates={record["id"]: record},
            exhibitors={b["id"]: b for b in booths},
            seller_languages={s["id"]: s["languages"] for s in sellers},
            reads={record["id"]: i18n.current()},
        )
    else:
        assert seller is not None
        people = agendas.People(
            delegates={},
            exhibitors={record["id"]: record},
            seller_languages={seller["id"]: seller["languages"]},
            reads={record["id"]: i18n.current()},
        )
    lines = agendas.lines_of(expo["id"], items, people)
    own = agendas.sheets(kind, lines, people, i18n.current(), only=record["id"])
    return own[0] if own else None


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
