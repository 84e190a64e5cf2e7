"""An expo's statistics for its organiser: charts with their tables, and every meeting request
to take away as CSV or as a workbook with the summary beside it."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from openpyxl import Workbook

from services.web import i18n, statistics, vocabulary
from services.web.api import Api, PersonApis
from services.web.i18n import _
from services.web.pages import render
from services.web.participants import every
from services.web.people import Staff, staff_apis
from shared.checkin import check_in_code
from shared.contracts.identity import Language
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/statistics")
async def statistics_page(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    api = staff_apis(request, visitor)
    base = f"/expos/{expo_id}"
    expo, stats, exhibitors, products = await asyncio.gather(
        api.get(Api.events, base),
        api.get(Api.events, f"{base}/stats"),
        every(api, Api.events, f"{base}/exhibitors"),
        every(api, Api.catalog, "/products"),
    )
    exhibiting = {x["seller_id"] for x in exhibitors}
    theirs = [p for p in products if p["seller_id"] in exhibiting]
    return render(
        request,
        "statistics/page.html",
        expo=expo,
        figures=statistics.figures(stats, theirs),
        status_name=statistics.status_name,
    )


@router.get("/statistics/meetings.csv")
async def meetings_csv(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    """Every request with its meeting, as a spreadsheet in the reader's locale opens it (a
    semicolon between fields where the comma is the decimal sign, as in Indonesian)."""
    header, rows = await _meeting_rows(staff_apis(request, visitor), expo_id)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";" if i18n.current() is Language.id else ",")
    writer.writerow(header)
    writer.writerows(rows)
    # A byte-order mark: spreadsheet programs then read the names' accents as UTF-8.
    return _download("\ufeff" + text.getvalue(), "text/csv; charset=utf-8", f"{expo_id}.csv")


@router.get("/statistics.xlsx")
async def workbook(request: Request, visitor: Staff, expo_id: PathId) -> Response:
    """The figures on a first sheet, every request on a second."""
    api = staff_apis(request, visitor)
    stats, (header, rows) = await asyncio.gather(
        api.get(Api.events, f"/expos/{expo_id}/stats"), _meeting_rows(api, expo_id)
    )
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("Summary")[:31]
    summary.append([_("Status"), _("Requests")])
    for code, count in stats["by_status"].items():
        summary.append([statistics.status_name(code), count])
    for title, rows_by, name in (
        (_("Country"), stats["by_country"], vocabulary.country),
        (_("Sector"), stats["by_sector"], vocabulary.sector),
    ):
        summary.append([])
        summary.append([title, _("Requests"), _("With a meeting"), _("Held")])
        for code, counts in rows_by.items():
            placed = sum(counts.get(s, 0) for s in statistics.PLACED)
            summary.append([name(code), sum(counts.values()), placed, counts.get("held", 0)])
    summary.append([])
    summary.append([_("Currency"), _("Deal value")])
    for currency, total in stats["deals"].items():
        summary.append([currency, total])
    meetings = book.create_sheet(_("Meetings")[:31])
    meetings.append(header)
    for row in rows:
        meetings.append(row)
    meetings.freeze_panes = "A2"
    made = io.BytesIO()
    book.save(made)
    return _download(made.getvalue(), XLSX, f"{expo_id}.xlsx")


def _download(body: str | bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


async def _meeting_rows(api: PersonApis, expo_id: str) -> tuple[list[str], list[list[Any]]]:
    base = f"/expos/{expo_id}"
    expo, requests, delegates, exhibitors = await asyncio.gather(
        api.get(Api.events, base),
        every(api, Api.events, f"{base}/requests"),
        every(api, Api.events, f"{base}/delegates"),
        every(api, Api.events, f"{base}/exhibitors"),
    )
    zone = ZoneInfo(expo["time_zone"])
    people = {d["id"]: d for d in delegates}
    booths = {x["id"]: x for x in exhibitors}
    header = [
        _("Request"), _("Check-in code"), _("Delegate"), _("Organisation"), _("Country"),
        _("Exhibitor"), _("Booth"), _("Status"), _("Importance"), _("Day"), _("From"),
        _("Until"), _("Table"),
    ]  # fmt: skip
    rows: list[list[Any]] = []
    for item in requests:
        asked, meeting = item["request"], item["meeting"]
        delegate = people.get(asked["delegate_id"], {})
        booth = booths.get(asked["exhibitor_id"], {})
        start = dt.datetime.fromisoformat(meeting["start"]).astimezone(zone) if meeting else None
        end = dt.datetime.fromisoformat(meeting["end"]).astimezone(zone) if meeting else None
        rows.append([
            asked["id"],
            check_in_code(expo_id, asked["id"]) if meeting else "",
            delegate.get("name", asked["delegate_id"]),
            delegate.get("organisation", ""),
            vocabulary.country(delegate["country"]) if delegate else "",
            booth.get("seller_name", asked["exhibitor_id"]),
            booth.get("booth") or "",
            statistics.status_name(asked["status"]),
            asked["weight"],
            start.date().isoformat() if start else "",
            start.strftime("%H:%M") if start else "",
            end.strftime("%H:%M") if end else "",
            meeting["table"] if meeting and meeting["table"] is not None else "",
        ])  # fmt: skip
    rows.sort(key=lambda row: (row[9] or "9999", row[10], str(row[2]).casefold()))
    return header, rows
