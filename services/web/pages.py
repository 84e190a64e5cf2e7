"""Rendering: one Jinja2 environment (autoescaped, gettext in the request's language), and the
answer every page gives, with the cookies a form before sign-in needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.web import i18n, scheduling, vocabulary
from services.web.people import CSRF_COOKIE, visitor_of

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Stricter than the APIs' pages: no inline style either; every asset is ours.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
# Newstyle gettext: Jinja fills the placeholders itself, escaping the values it puts in.
environment.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=lambda message: i18n.translations(i18n.current()).gettext(message),
    ngettext=lambda singular, plural, count: i18n.translations(i18n.current()).ngettext(
        singular, plural, count
    ),
    newstyle=True,
)
environment.globals.update(
    format_date=i18n.date,
    format_time=i18n.time,
    format_datetime=i18n.datetime,
    zone_name=i18n.zone_name,
    format_number=i18n.number,
    format_money=i18n.money,
    country_name=vocabulary.country,
    province_name=vocabulary.province,
    language_name=vocabulary.language,
    sector_name=vocabulary.sector,
    role_name=vocabulary.role,
    certificate_name=vocabulary.certificate,
    sales_term_name=vocabulary.sales_term,
    gap_text=vocabulary.gap,
    localized=vocabulary.localized,
    format_percent=scheduling.percent,
    phase_name=scheduling.phase,
    scope_name=scheduling.scope,
    unplaced_reason=scheduling.unplaced,
    conflict_text=scheduling.conflict,
    run_problem=scheduling.run_problem,
    quality=scheduling.quality,
    reasons=scheduling.reasons,
)
# The same names as filters, for lists: `{{ delegate.sectors | map("sector_name") | join }}`.
FILTERS = ("country", "province", "language", "sector", "certificate", "sales_term")
for name in (f"{word}_name" for word in FILTERS):
    environment.filters[name] = environment.globals[name]


def compile_templates() -> None:
    """Every template compiled as the app starts, not by the first page that shows it."""
    for name in environment.list_templates():
        environment.get_template(name)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    visitor = visitor_of(request)
    html = environment.get_template(template).render(
        request=request,
        visitor=visitor,
        language=i18n.current().value,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if visitor.session is None:
        # The double-submit token of forms shown before sign-in; Strict: never sent cross-site.
        response.set_cookie(
            CSRF_COOKIE,
            visitor.csrf,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    # Pages show one person's data: never kept by a shared proxy or the back button's cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def see_other(url: str) -> RedirectResponse:
    """After a form: the browser asks for `url` with GET (post/redirect/get)."""
    return RedirectResponse(url, status_code=303)


def safe_next(url: str | None, fallback: str = "/") -> str:
    """Where to go after sign-in: only a path of ours, never another host."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return fallback
