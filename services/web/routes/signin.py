"""Signing in and out: e-mail and password, a server-side session, attempts counted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web import i18n
from services.web.accounts import check_password
from services.web.i18n import _
from services.web.pages import render, safe_next, see_other
from services.web.people import SESSION_COOKIE, AnyVisitor, CheckedForm, start_session
from shared.errors import TooManyRequests, Unauthenticated

router = APIRouter()


@router.get("/signin")
async def sign_in_page(request: Request, visitor: AnyVisitor, next: str = "/") -> Response:
    if visitor.account is not None:
        return see_other(safe_next(next))
    return render(request, "signin.html", next=safe_next(next), email="", errors={})


@router.post("/signin")
async def sign_in(
    request: Request,
    _form: CheckedForm,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    app = request.app.state
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = _("Enter your e-mail address.")
    if not password:
        errors["password"] = _("Enter your password.")
    if not errors:
        try:
            await app.sign_in_limits.count("sign-in attempts", "web", "sign-in", email.casefold())
            account = check_password(await app.accounts.by_email(email), password)
        except TooManyRequests as refused:
            minutes = max(1, round(refused.retry_after / 60))
            errors["email"] = i18n.ngettext(
                "Too many attempts. Try again in %(num)d minute.",
                "Too many attempts. Try again in %(num)d minutes.",
                minutes,
            )
        except Unauthenticated:
            errors["password"] = _("This e-mail address and password do not match.")
        else:
            return await start_session(request, account, see_other(safe_next(next)))
    return render(
        request, "signin.html", status_code=422, next=safe_next(next), email=email, errors=errors
    )


@router.post("/signout")
async def sign_out(request: Request, visitor: CheckedForm) -> Response:
    if visitor.session_token is not None:
        await request.app.state.sessions.close(visitor.session_token)
    response = see_other("/signin")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
async def home(visitor: AnyVisitor) -> Response:
    return see_other("/expos" if visitor.account is not None else "/signin")
