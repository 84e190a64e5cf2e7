"""The whole expo's agendas as one PDF (fpdf2): A4, each sheet on pages of its own in its
reader's language, each meeting with its QR code and check-in code. DejaVu Sans, as npm
installs it beside htmx, writes every name (Vietnamese, Turkish, Polish) as it is spelt."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF

from services.web import i18n, qr, vocabulary
from services.web.agendas import Line, Sheet, SheetKind
from shared.contracts.identity import Language

FONTS = Path("node_modules") / "dejavu-fonts-ttf" / "ttf"
FONT = "DejaVu"
INK, MUTED, DANGER = (28, 31, 36), (74, 82, 96), (163, 38, 27)
MARGIN, ROW_MM, QR_MM = 15.0, 25.0, 19.0
TIME_X, WHO_X, PLACE_X, QR_X = 15.0, 45.0, 138.0, 176.0


def check_in_url(base_url: str, code: str) -> str:
    """What each QR code holds: the desk's page for the meeting (a phone's camera opens it)."""
    return f"{base_url.rstrip('/')}/checkin/{code}"


class AgendaPdf(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=False)
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_creator("Temu Dagang")
        self.codes: dict[str, io.BytesIO] = {}  # a meeting on three sheets: one QR image

    def text_line(self, size: float, text: str, bold: bool = False, colour: Any = INK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


def whole_expo(
    expo: dict[str, Any], sheets: Iterable[Sheet], base_url: str, organiser: Language
) -> bytes:
    """Every sheet, one after another, each starting on a new page."""
    with i18n.speaking(organiser):
        pdf = AgendaPdf(i18n._("Agendas of %(expo)s", expo=expo["name"]))
    for sheet in sheets:
        with i18n.speaking(sheet.language):
            _sheet(pdf, expo, sheet, base_url)
    return bytes(pdf.output())


def _heading(pdf: AgendaPdf, expo: dict[str, Any], sheet: Sheet, continued: bool) -> None:
    pdf.add_page()
    pdf.set_lang(sheet.language.value)
    pdf.text_line(9, f"{expo['name']} · {expo['venue']}", colour=MUTED)
    title = _title(sheet)
    heading = i18n._("%(title)s (continued)", title=title) if continued else title
    pdf.text_line(16, heading, bold=True)
    detail = sheet.detail
    if sheet.kind is SheetKind.exhibitor and detail:
        detail = i18n._("Booth %(booth)s", booth=detail)
    if detail or sheet.country:
        parts = [part for part in (detail, _country(sheet.country)) if part]
        pdf.text_line(10, ", ".join(parts))
    if not continued and not all(line.confirmed for line in sheet.lines):
        pdf.text_line(
            9, i18n._("Preliminary: these times may change until they are published."), True, DANGER
        )
    pdf.ln(3)


def _title(sheet: Sheet) -> str:
    if sheet.kind is SheetKind.table:
        return i18n._("Table %(number)s", number=sheet.key)
    return sheet.name


def _country(code: str | None) -> str:
    return vocabulary.country(code) if code else ""


def _sheet(pdf: AgendaPdf, expo: dict[str, Any], sheet: Sheet, base_url: str) -> None:
    zone = expo["time_zone"]
    _heading(pdf, expo, sheet, continued=False)
    day = None
    for line in sheet.lines:
        local = line.start.astimezone(ZoneInfo(zone))
        needs_day = local.date() != day
        if pdf.get_y() + ROW_MM + (8 if needs_day else 0) > pdf.h - MARGIN:
            _heading(pdf, expo, sheet, continued=True)
            needs_day = True
        if needs_day:
            day = local.date()
            pdf.text_line(11, i18n.date(day), bold=True)
            pdf.ln(1)
        _line(pdf, sheet, line, zone, base_url)


def _line(pdf: AgendaPdf, sheet: Sheet, line: Line, zone: str, base_url: str) -> None:
    top = pdf.get_y()
    pdf.set_draw_color(201, 206, 214)
    pdf.line(MARGIN, top, pdf.w - MARGIN, top)
    pdf.set_xy(TIME_X, top + 2)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(WHO_X - TIME_X, 5, i18n.time(line.start, zone))
    pdf.set_xy(TIME_X, top + 7.5)
    pdf.set_font(FONT, "", 9)
    pdf.cell(WHO_X - TIME_X, 4, f"– {i18n.time(line.end, zone)}")
    pdf.set_xy(WHO_X, top + 2)
    for size, text, bold in _who(sheet, line):
        pdf.set_x(WHO_X)
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.cell(PLACE_X - WHO_X - 3, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(PLACE_X, top + 2)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(QR_X - PLACE_X - 2, 5, _place(line))
    if line.request_id not in pdf.codes:
        pdf.codes[line.request_id] = qr.png(check_in_url(base_url, line.code))
    pdf.image(
        pdf.codes[line.request_id],
        x=QR_X,
        y=top + 1,
        w=QR_MM,
        h=QR_MM,
        alt_text=i18n._("Check-in code %(code)s", code=line.code),
    )
    pdf.set_xy(QR_X - 4, top + QR_MM + 1)
    pdf.set_font(FONT, "B", 8)
    pdf.cell(QR_MM + 8, 3.5, line.code, align="C")
    pdf.set_y(top + ROW_MM)


def _who(sheet: Sheet, line: Line) -> list[tuple[float, str, bool]]:
    """The counterpart in bold, then what helps to find and talk to them."""
    delegate = f"{line.organisation}, {_country(line.country)}".strip(", ")
    booth = i18n._("Booth %(booth)s", booth=line.booth) if line.booth else ""
    spoken = (
        i18n._("Interpreter needed")
        if line.interpreter
        else ", ".join(vocabulary.language(tag) for tag in line.languages)
    )
    if sheet.kind is SheetKind.delegate:
        rows = [(11.0, line.seller, True), (9.0, booth, False)]
    elif sheet.kind is SheetKind.exhibitor:
        rows = [(11.0, line.delegate, True), (9.0, delegate, False)]
    else:
        rows = [(10.0, line.delegate, True), (8.0, delegate, False), (10.0, line.seller, True)]
    return [row for row in [*rows, (9.0, spoken, False)] if row[1]]


def _place(line: Line) -> str:
    if line.table is not None:
        return i18n._("Table %(number)s", number=line.table)
    if line.booth:
        return i18n._("Booth %(booth)s", booth=line.booth)
    return i18n._("At the exhibitor's booth")
