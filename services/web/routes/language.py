"""The language switch on every page: remembered on the account, or in a cookie before sign-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web.accounts import choose_language
from services.web.pages import safe_next, see_other
from services.web.people import LANGUAGE_COOKIE, CheckedForm
from shared.contracts.identity import Language

router = APIRouter()
YEAR_SECONDS = 365 * 24 * 3600


@router.post("/language")
async def switch_language(
    request: Request,
    visitor: CheckedForm,
    language: Annotated[Language, Form()],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if visitor.account is not None:
        await request.app.state.accounts.change(
            visitor.account.id, lambda account: choose_language(account, language)
        )
    response = see_other(safe_next(next))
    response.set_cookie(
        LANGUAGE_COOKIE,
        language.value,
        max_age=YEAR_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response
