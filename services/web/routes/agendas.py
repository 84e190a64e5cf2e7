"""Printing the schedule: print-ready pages per delegate, per exhibitor and per table (a sheet
each, in its reader's language) and the whole expo as one PDF, each meeting with the QR code
and short code the check-in desk reads."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from services.web import agendas, i18n, pdf, qr
from services.web.agendas import People, SheetKind
from services.web.api import Api, PersonApis
from services.web.pages import environment, render
from services.web.participants import every
from services.web.people import Staff, staff_apis
from shared.contracts.identity import Language
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}")


class Printed(StrEnum):
    delegates = "delegates"
    exhibitors = "exhibitors"
    tables = "tables"


KINDS = {
    Printed.delegates: SheetKind.delegate,
    Printed.exhibitors: SheetKind.exhibitor,
    Printed.tables: SheetKind.table,
}


@router.get("/agendas")
async def choose(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    return render(request, "agendas/index.html", expo=expo)


@router.get("/agendas/{printed}")
async def print_sheets(
    request: Request, visitor: Staff, expo_id: PathId, printed: Printed, only: str = ""
) -> Response:
    """Every delegate's (exhibitor's, table's) sheet, or `only` one's, to print on A4."""
    expo, lines, people = await _read(request, staff_apis(request, visitor), expo_id)
    chosen = agendas.sheets(KINDS[printed], lines, people, i18n.current(), only or None)
    template = environment.get_template("agendas/sheet.html")
    links = {"url": pdf.check_in_url, "base_url": str(request.base_url), "qr": qr.svg_data_uri}
    shown = []
    for sheet in chosen:
        with i18n.speaking(sheet.language):
            page = template.render(expo=expo, sheet=sheet, zone=ZoneInfo, **links)
        shown.append(Markup(page))  # rendered, and so escaped, by our own environment
    return render(
        request, "agendas/sheets.html", expo=expo, printed=printed, sheets=shown, only=only
    )


@router.get("/agendas.pdf")
async def whole_expo(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    """Every delegate's sheet, then every exhibitor's, then every table's, in one file."""
    expo, lines, people = await _read(request, staff_apis(request, visitor), expo_id)
    organiser = i18n.current()
    every_sheet = [
        sheet
        for kind in SheetKind
        if kind is not SheetKind.table or expo["mode"] == "tables"
        for sheet in agendas.sheets(kind, lines, people, organiser)
    ]
    # Some seconds of CPU for a large expo: off the event loop, so other pages go on.
    made = await asyncio.to_thread(
        pdf.whole_expo, expo, every_sheet, str(request.base_url), organiser
    )
    return Response(
        made,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="agendas-{expo_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


async def _read(
    request: Request, api: PersonApis, expo_id: str
) -> tuple[dict[str, Any], list[agendas.Line], People]:
    base = f"/expos/{expo_id}"
    expo, agenda, delegates, exhibitors, sellers = await asyncio.gather(
        api.get(Api.events, base),
        api.get(Api.events, f"{base}/agenda"),
        every(api, Api.events, f"{base}/delegates"),
        every(api, Api.events, f"{base}/exhibitors"),
        every(api, Api.catalog, "/sellers"),
    )
    by_seller = {s["id"]: s for s in sellers}
    owners = {x["id"]: by_seller.get(x["seller_id"], {}).get("owner") for x in exhibitors}
    subjects = [d["subject"] for d in delegates] + [o for o in owners.values() if o]
    accounts = await request.app.state.accounts.find_many(subjects)

    def chosen(account_id: str | None) -> str | None:
        account = accounts.get(account_id) if account_id else None
        return account.language.value if account is not None else None

    reads: dict[str, Language] = {
        d["id"]: agendas.reader_language(chosen(d["subject"]), d["languages"]) for d in delegates
    }
    for x in exhibitors:
        spoken = by_seller.get(x["seller_id"], {}).get("languages", ["id"])
        reads[x["id"]] = agendas.reader_language(chosen(owners[x["id"]]), spoken)
    people = People(
        delegates={d["id"]: d for d in delegates},
        exhibitors={x["id"]: x for x in exhibitors},
        seller_languages={s["id"]: s["languages"] for s in sellers},
        reads=reads,
    )
    return expo, agendas.lines_of(expo_id, agenda["meetings"], people), people
