"""Who is asking: the session cookie read once per request (its account, whom an organiser acts
as, the language every string of the answer is in), the CSRF check of every form that changes
something, and the rules of who may open a page."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from services.web import accounts, i18n
from services.web.accounts import Account
from services.web.api import PersonApis
from services.web.store import AccountStore, Session, SessionStore
from shared.contracts.identity import Language

SESSION_COOKIE = "td_session"
LANGUAGE_COOKIE = "td_lang"
CSRF_COOKIE = "td_csrf"
PERSONLESS = (
    "/static/",
    "/healthz",
    "/readyz",
    "/metrics",
)  # for forms shown before sign-in (double-submit)


@dataclass(frozen=True)
class Visitor:
    """The person behind a request; `account` None before sign-in."""

    language: Language
    csrf: str
    account: Account | None = None
    session: Session | None = None
    session_token: str | None = None
    acting_as: Account | None = None  # the participant an organiser acts as

    @property
    def person(self) -> Account | None:
        """Whose pages these are: the participant while an organiser acts as them."""
        return self.acting_as or self.account


class SignInNeeded(Exception):
    """A page for people signed in, asked without a session: the answer is the sign-in page."""


class NotAllowed(Exception):
    """Signed in, but this page is not for this person: a 403 page in their language."""


class BadForm(Exception):
    """A form without its CSRF token (or with another session's): a 400 page."""


class Visitors:
    """ASGI middleware: puts the Visitor on `request.state.visitor` and sets the language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(PERSONLESS):
            # Assets and probes answer the same to anyone: no session read for them.
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        visitor = await _visitor(request)
        i18n.use(visitor.language)
        scope.setdefault("state", {})["visitor"] = visitor
        await self.app(scope, receive, send)


async def _visitor(request: Request) -> Visitor:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    language = (
        Language(chosen)
        if chosen in {lang.value for lang in Language}
        else i18n.negotiate(request.headers.get("accept-language"))
    )
    anonymous_csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    token = request.cookies.get(SESSION_COOKIE)
    sessions: SessionStore | None = getattr(request.app.state, "sessions", None)
    accounts: AccountStore | None = getattr(request.app.state, "accounts", None)
    if not token or sessions is None or accounts is None:
        return Visitor(language, anonymous_csrf)
    session = await sessions.read(token)
    account = await accounts.find(session.account_id) if session is not None else None
    if session is None or account is None or not account.active:
        return Visitor(language, anonymous_csrf)
    acting_as = await accounts.find(session.acting_as) if session.acting_as else None
    return Visitor(account.language, session.csrf, account, session, token, acting_as)


def visitor_of(request: Request) -> Visitor:
    """The request's visitor; a stranger in the negotiated language where none was read (an
    error page for a request the middleware could not finish)."""
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    if visitor is None:
        language = i18n.negotiate(request.headers.get("accept-language"))
        visitor = Visitor(language, secrets.token_urlsafe(24))
    return visitor


def signed_in(request: Request) -> Visitor:
    visitor = visitor_of(request)
    if visitor.account is None:
        raise SignInNeeded()
    return visitor


def staff(request: Request) -> Visitor:
    """Organisers and certifiers, on their own account (not while acting as someone)."""
    visitor = signed_in(request)
    assert visitor.account is not None
    if not visitor.account.is_staff:
        raise NotAllowed()
    return visitor


async def checked_form(
    request: Request, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Visitor:
    """Every form that changes something carries the CSRF token of the page it came from."""
    visitor = visitor_of(request)
    expected = (
        visitor.session.csrf if visitor.session is not None else request.cookies.get(CSRF_COOKIE)
    )
    if not expected or not hmac.compare_digest(expected, csrf):
        raise BadForm()
    return visitor


async def start_session(request: Request, account: Account, response: Response) -> Response:
    """Sign `account` in: their sign-in time kept, a new server-side session, its cookie."""
    state = request.app.state
    now = dt.datetime.now(dt.UTC)
    await state.accounts.change(account.id, lambda current: accounts.signed_in(current, now))
    token, _session = await state.sessions.open(account.id)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=state.settings.web_session_seconds,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def apis_of(request: Request, visitor: Visitor) -> PersonApis:
    """The APIs as the person whose pages these are (a participant an organiser acts as,
    with the organiser as the actor)."""
    person = visitor.person
    assert person is not None
    actor = visitor.account if visitor.acting_as is not None else None
    apis: PersonApis = request.app.state.apis.as_person(person, actor=actor)
    return apis


def staff_apis(request: Request, visitor: Visitor) -> PersonApis:
    """The APIs as the signed-in staff member themselves, acting as someone or not: the
    back office's pages are theirs."""
    assert visitor.account is not None
    apis: PersonApis = request.app.state.apis.as_person(visitor.account)
    return apis


AnyVisitor = Annotated[Visitor, Depends(visitor_of)]
SignedIn = Annotated[Visitor, Depends(signed_in)]
Staff = Annotated[Visitor, Depends(staff)]
CheckedForm = Annotated[Visitor, Depends(checked_form)]
