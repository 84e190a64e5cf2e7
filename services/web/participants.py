"""What the organiser's pages of delegates and of exhibitors share: reading a whole listing of
an API, whether a participant has an account and has signed in, making their invitation, and
starting to act as them (the audit trail records both people)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.web.accounts import Account, create_account
from services.web.api import Api, PersonApis
from services.web.i18n import _
from services.web.invitations import invite, require_organiser_of
from services.web.messages import FieldMessage, explain
from services.web.pages import render, see_other
from services.web.people import Visitor
from shared.contracts.identity import AccountRole, Language
from shared.errors import Conflict

PAGE = 200  # the APIs' largest page; an expo has hundreds of participants
STATES = ("none", "invited", "active")  # no account yet; invited, never signed in; signed in


async def every(api: PersonApis, service: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged listing: the first page tells how many there are, and the rest
    are asked for at once (the service answers them side by side while we wait)."""
    first = await api.get(service, path, limit=PAGE, offset=0, **params)
    rest = await asyncio.gather(
        *(
            api.get(service, path, limit=PAGE, offset=offset, **params)
            for offset in range(PAGE, first["total"], PAGE)
        )
    )
    return [item for page in (first, *rest) for item in page["items"]]


def state_of(account: Account | None) -> str:
    if account is None:
        return "none"
    return "active" if account.signed_in_at is not None else "invited"


@dataclass(frozen=True)
class Participant:
    """One delegate or exhibitor as their invitation and "act as" need them."""

    account_id: str  # the subject of their record: the account speaks for exactly it
    name: str
    role: AccountRole
    expo_id: str
    record_id: str
    page: str  # their page in the organiser's back office

    @classmethod
    def delegate(cls, delegate: dict[str, Any]) -> Participant:
        return cls(
            delegate["subject"],
            delegate["name"],
            AccountRole.delegate,
            delegate["expo_id"],
            delegate["id"],
            f"/expos/{delegate['expo_id']}/delegates/{delegate['id']}",
        )


def seller_participant(
    exhibitor: dict[str, Any], seller: dict[str, Any], account_id: str
) -> Participant:
    """An exhibitor's seller, whose account is the catalog seller's owner."""
    return Participant(
        account_id,
        seller["name"],
        AccountRole.seller,
        exhibitor["expo_id"],
        exhibitor["id"],
        f"/expos/{exhibitor['expo_id']}/exhibitors/{exhibitor['id']}",
    )


def account_problems(email: str, language: str) -> dict[str, FieldMessage]:
    problems: dict[str, FieldMessage] = {}
    if "@" not in email or "." not in email.rpartition("@")[2] or " " in email.strip():
        problems["email"] = explain("email", {}, "Enter an e-mail address.")
    if language not in {lang.value for lang in Language}:
        problems["language"] = explain("enum", {}, "Choose a language.")
    return problems


async def account_for(
    request: Request, participant: Participant, email: str, language: str
) -> Account | dict[str, FieldMessage]:
    """The participant's account, made now from the address and language given if they have
    none yet; or what is wrong with those, by field."""
    accounts = request.app.state.accounts
    account: Account | None = await accounts.find(participant.account_id)
    if account is not None:
        return account
    problems = account_problems(email, language)
    if problems:
        return problems
    try:
        made: Account = await accounts.create(
            participant.account_id,
            email,
            lambda holder: create_account(
                holder,
                participant.account_id,
                email,
                participant.name,
                participant.role,
                Language(language),
                expo_id=participant.expo_id,
                record_id=participant.record_id,
            ),
        )
    except Conflict:
        return {"email": FieldMessage(_("This e-mail address has an account already."))}
    return made


async def invitation_page(
    request: Request,
    visitor: Visitor,
    expo: dict[str, Any],
    participant: Participant,
    account: Account,
) -> Response:
    """A new sign-in link for the participant, shown to copy and printed with its QR code."""
    assert visitor.account is not None
    new = invite(visitor.account, account, expo["organiser"], dt.datetime.now(dt.UTC))
    await request.app.state.links.save(new)
    link = f"{request.base_url}invitations/{new.token}"
    return render(
        request,
        "participants/invitation.html",
        expo=expo,
        participant=participant,
        account=account,
        link=link,
        qr=request.app.state.qr_code(link),
        expires_at=new.link.expires_at,
    )


async def invitations_page(
    request: Request,
    visitor: Visitor,
    expo: dict[str, Any],
    waiting: list[tuple[Participant, Account]],
    without_account: int,
    back: str,
) -> Response:
    """A new link for each participant who has an account but has not signed in yet, on one
    page to copy from or to print, a sheet per person; and how many have no account yet."""
    assert visitor.account is not None
    now = dt.datetime.now(dt.UTC)
    made = [
        (participant, account, invite(visitor.account, account, expo["organiser"], now))
        for participant, account in waiting
    ]
    await request.app.state.links.save(*(new for _, _, new in made))
    invitations = []
    for participant, account, new in made:
        link = f"{request.base_url}invitations/{new.token}"
        invitations.append(
            {
                "participant": participant,
                "account": account,
                "link": link,
                "qr": request.app.state.qr_code(link),
                "expires_at": new.link.expires_at,
            }
        )
    return render(
        request,
        "participants/invitations.html",
        expo=expo,
        invitations=invitations,
        without_account=without_account,
        back=back,
    )


async def start_acting(
    request: Request, visitor: Visitor, expo: dict[str, Any], person: Account
) -> Response:
    """The organiser's session now acts as `person`, recorded in their audit trail."""
    assert visitor.account is not None and visitor.session_token and visitor.session
    require_organiser_of(visitor.account, person, expo["organiser"])
    acting = visitor.session.model_copy(update={"acting_as": person.id})
    await request.app.state.sessions.save(visitor.session_token, acting)
    await request.app.state.audit.record(
        person.id, visitor.account.id, "start", dt.datetime.now(dt.UTC)
    )
    return see_other("/me")


def first_invite() -> dict[str, FieldMessage]:
    return {
        "act_as": FieldMessage(
            _("Invite this person first: acting as someone needs their account.")
        )
    }


async def audit_of(request: Request, account: Account | None) -> list[dict[str, str]]:
    """Who acted as the account's holder and when, each organiser by name."""
    if account is None:
        return []
    entries: list[dict[str, str]] = await request.app.state.audit.entries(account.id)
    actors = await request.app.state.accounts.find_many(sorted({e["actor"] for e in entries}))
    return [
        {**e, "who": actors[e["actor"]].name if e["actor"] in actors else e["actor"]}
        for e in entries
    ]
