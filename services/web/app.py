"""Assembles the web app: pages for people over the public APIs, its own accounts and sessions
in Redis, and the `identity` topic its outbox feeds.

Errors are pages in the reader's language (sign-in, 403, 404, 500), never problem+json and
never a stack trace; an API's refusal of a form is shown next to its fields by the route.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.web import i18n, qr
from services.web.api import ApiProblem, Apis
from services.web.i18n import _
from services.web.pages import compile_templates, render, see_other
from services.web.people import BadForm, NotAllowed, SignInNeeded, Visitors
from services.web.routes import (
    agendas,
    board,
    delegates,
    exhibitors,
    expos,
    imports,
    invitations,
    language,
    me,
    publications,
    resets,
    schedule,
    signin,
    statistics,
)
from services.web.store import (
    AccountStore,
    AuditTrail,
    ImportStore,
    LinkStore,
    ResetRequests,
    SessionStore,
)
from shared.contracts import topics
from shared.ratelimit import Limits
from shared.runtime import Runtime, Workers, service_app

SERVICE = "web"
STATIC = Path(__file__).resolve().parent / "static"
# htmx as npm installed it (make; the image copies it to the same place under its WORKDIR).
HTMX = Path("node_modules") / "htmx.org" / "dist"
CHARTS = Path("node_modules") / "chart.js" / "dist"
API_TIMEOUT_S = 10
log = logging.getLogger(__name__)


async def _close_when_stopped(client: httpx.AsyncClient) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        await client.aclose()


async def assemble(runtime: Runtime, app: FastAPI) -> Workers:
    i18n.load_catalogs()
    compile_templates()
    app.state.accounts = AccountStore(runtime.redis, runtime.outbox)
    app.state.sessions = SessionStore(runtime.redis, runtime.settings.web_session_seconds)
    app.state.sign_in_limits = Limits(runtime.redis, runtime.settings.sign_in_limits)
    app.state.links = LinkStore(runtime.redis)
    app.state.audit = AuditTrail(runtime.redis)
    app.state.imports = ImportStore(runtime.redis)
    app.state.reset_requests = ResetRequests(runtime.redis)
    app.state.qr_code = qr.svg_data_uri
    client = httpx.AsyncClient(timeout=API_TIMEOUT_S)
    app.state.apis = Apis(client, runtime.settings)
    return Workers(loops=[_close_when_stopped(client)])


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    return render(request, "error.html", status_code=status, title=title, message=message)


async def _sign_in_needed(request: Request, _exc: Exception) -> Response:
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return see_other(f"/signin?next={quote(wanted, safe='/')}")


async def _not_allowed(request: Request, _exc: Exception) -> Response:
    return _error_page(
        request, 403, _("Not for this account"), _("This page is not open to your account.")
    )


async def _bad_form(request: Request, _exc: Exception) -> Response:
    return _error_page(
        request,
        400,
        _("The form has expired"),
        _("Go back, reload the page and send the form again."),
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 400
    if status == 404:
        return _error_page(request, 404, _("Page not found"), _("Nothing is at this address."))
    if status == 405:
        return _error_page(request, 405, _("Not possible here"), _("Use the page's own links."))
    return _error_page(request, status, _("Something is wrong"), _("The request was refused."))


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
        return _error_page(request, 404, _("Page not found"), _("Nothing is at this address."))
    return _error_page(request, 400, _("Something is wrong"), _("The request was refused."))


async def _api_problem(request: Request, exc: Exception) -> Response:
    """An API refusal no route turned into a form error: a page saying what happened."""
    assert isinstance(exc, ApiProblem)
    if exc.status == 404:
        return _error_page(request, 404, _("Page not found"), _("Nothing is at this address."))
    if exc.status in (401, 403):
        return await _not_allowed(request, exc)
    if exc.status == 429:
        return _error_page(
            request, 429, _("Please wait a moment"), _("Too many requests; try again shortly.")
        )
    log.warning("an API refused a page's call: %s", exc)
    return _unavailable(request)


def _unavailable(request: Request) -> Response:
    return _error_page(
        request,
        503,
        _("Temporarily unavailable"),
        _("Part of the system does not answer. Try again in a minute."),
    )


async def _api_unreachable(request: Request, exc: Exception) -> Response:
    log.warning("an API did not answer: %r", exc)
    return _unavailable(request)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return _error_page(
        request,
        500,
        _("Something went wrong on our side"),
        _("It has been logged. Try again, or go back to the previous page."),
    )


app = service_app(
    SERVICE,
    "Temu Dagang web",
    [
        signin.router,
        language.router,
        expos.router,
        delegates.router,
        exhibitors.router,
        imports.router,
        invitations.router,
        me.router,
        resets.router,
        schedule.router,
        board.router,
        publications.router,
        agendas.router,
        statistics.router,
    ],
    [topics.IDENTITY],
    assemble,
)
app.add_middleware(Visitors)
app.mount("/static/vendor/htmx", StaticFiles(directory=HTMX, check_dir=False), name="htmx")
app.mount("/static/vendor/chartjs", StaticFiles(directory=CHARTS, check_dir=False), name="charts")
app.mount("/static", StaticFiles(directory=STATIC), name="static")
for error, handler in [
    (SignInNeeded, _sign_in_needed),
    (NotAllowed, _not_allowed),
    (BadForm, _bad_form),
    (StarletteHTTPException, _http_error),
    (RequestValidationError, _invalid_request),
    (ApiProblem, _api_problem),
    (httpx.TransportError, _api_unreachable),
    (Exception, _unexpected),
]:
    app.add_exception_handler(error, handler)
