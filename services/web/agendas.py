"""The printed agendas: a sheet per delegate, per exhibitor and per table, each meeting with its
counterpart, place, the language the two share and its check-in code; each sheet in the
language its reader uses. Pure: built from what the APIs answered, printed by the templates
(a page) and by `pdf` (one file for the whole expo)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.checkin import check_in_code
from shared.contracts.identity import Language


class SheetKind(StrEnum):
    delegate = "delegate"
    exhibitor = "exhibitor"
    table = "table"


@dataclass(frozen=True)
class Line:
    """One meeting on a sheet."""

    request_id: str
    code: str  # for the check-in desk, under the QR code
    start: dt.datetime
    end: dt.datetime
    table: int | None
    delegate_id: str
    delegate: str
    organisation: str
    country: str
    exhibitor_id: str
    seller: str
    booth: str | None
    languages: tuple[str, ...]  # both speak these
    interpreter: bool  # they share none
    confirmed: bool  # published; a preliminary one may still move


@dataclass(frozen=True)
class Sheet:
    kind: SheetKind
    key: str  # the delegate's or exhibitor's id, or the table's number
    name: str
    detail: str  # organisation, or booth
    country: str | None
    language: Language
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class People:
    """Who the agenda's meetings involve, as the APIs describe them."""

    delegates: dict[str, dict[str, Any]]  # id → DelegateData
    exhibitors: dict[str, dict[str, Any]]  # id → ExhibitorData
    seller_languages: dict[str, list[str]]  # seller id → languages
    reads: dict[str, Language]  # delegate or exhibitor id → the language of their sheet


def reader_language(account_language: str | None, spoken: list[str]) -> Language:
    """Their account's choice, else Indonesian for whoever speaks it, else English."""
    if account_language in (Language.id.value, Language.en.value):
        return Language(account_language)
    return Language.id if any(tag.split("-")[0] == "id" for tag in spoken) else Language.en


def lines_of(expo_id: str, items: list[dict[str, Any]], people: People) -> list[Line]:
    lines = []
    for item in items:
        delegate = people.delegates.get(item["delegate_id"], {})
        exhibitor = people.exhibitors.get(item["exhibitor_id"], {})
        spoken = people.seller_languages.get(exhibitor.get("seller_id", ""), [])
        speaks = delegate.get("languages") or item.get("delegate_languages", [])
        common = tuple(tag for tag in speaks if tag in spoken)
        lines.append(
            Line(
                request_id=item["request_id"],
                code=check_in_code(expo_id, item["request_id"]),
                start=dt.datetime.fromisoformat(item["start"]),
                end=dt.datetime.fromisoformat(item["end"]),
                table=item.get("table"),
                delegate_id=item["delegate_id"],
                delegate=item["delegate"],
                organisation=delegate.get("organisation") or item.get("delegate_organisation", ""),
                country=item["delegate_country"],
                exhibitor_id=item["exhibitor_id"],
                seller=item["seller"],
                booth=exhibitor.get("booth"),
                languages=common,
                interpreter=bool(spoken) and not common,
                confirmed=bool(item.get("confirmed")),
            )
        )
    return sorted(lines, key=lambda line: (line.start, line.table or 0, line.request_id))


def sheets(
    kind: SheetKind,
    lines: list[Line],
    people: People,
    organiser_language: Language,
    only: str | None = None,
) -> list[Sheet]:
    """A sheet for each delegate (or exhibitor, or table) with meetings, or for `only` one;
    delegates by name, exhibitors by booth, tables by number."""
    by_key: dict[str, list[Line]] = {}
    for line in lines:
        key = {
            SheetKind.delegate: line.delegate_id,
            SheetKind.exhibitor: line.exhibitor_id,
            SheetKind.table: str(line.table),
        }[kind]
        if only is None or key == only:
            by_key.setdefault(key, []).append(line)
    made = [_sheet(kind, key, found, people, organiser_language) for key, found in by_key.items()]
    return sorted(made, key=_order)


def _sheet(
    kind: SheetKind, key: str, lines: list[Line], people: People, organiser: Language
) -> Sheet:
    if kind is SheetKind.delegate:
        person = people.delegates.get(key, {})
        return Sheet(
            kind,
            key,
            lines[0].delegate,
            person.get("organisation", ""),
            lines[0].country,
            people.reads.get(key, Language.en),
            tuple(lines),
        )
    if kind is SheetKind.exhibitor:
        return Sheet(
            kind,
            key,
            lines[0].seller,
            lines[0].booth or "",
            None,
            people.reads.get(key, Language.id),
            tuple(lines),
        )
    return Sheet(kind, key, key, "", None, organiser, tuple(lines))


def _order(sheet: Sheet) -> tuple[Any, ...]:
    if sheet.kind is SheetKind.table:
        return (int(sheet.key),)
    if sheet.kind is SheetKind.exhibitor:
        return (sheet.detail or "\uffff", sheet.name.casefold())
    return (sheet.name.casefold(), sheet.key)
