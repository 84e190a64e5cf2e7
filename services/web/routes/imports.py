"""Importing an expo's delegates or exhibitors from CSV or XLSX: upload, match the columns
(suggested), preview every row's problems (the APIs' dry runs), then register what is ready.
Nothing is saved before the confirmation, and a second import of the same file adds nobody
twice: delegates are registered by the events service's batch, exhibitors' sellers by the
catalog's (which recognises a seller it has), then each seller gets its booth at the expo."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from services.web.accounts import create_account
from services.web.api import Api, PersonApis
from services.web.exhibiting import exhibit
from services.web.i18n import _
from services.web.imports import (
    DELEGATES,
    KINDS,
    Kind,
    Row,
    Table,
    UnreadableFile,
    read_table,
    rows_of,
    suggest,
)
from services.web.messages import FieldMessage, explain_field, input_of
from services.web.pages import render, see_other
from services.web.people import CheckedForm, Staff, Visitor, staff_apis
from services.web.store import StoredImport
from shared.contracts.identity import AccountRole, Language
from shared.errors import Conflict
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}/import")


def _field_labels(kind: Kind) -> dict[str, str]:
    labels = {
        "name": _("Name"),
        "email": _("E-mail address"),
        "organisation": _("Organisation"),
        "country": _("Country"),
        "role": _("Role"),
        "languages": _("Languages"),
        "interests": _("Looking for"),
        "province": _("Province"),
        "regency": _("Regency or city"),
        "sectors": _("Sectors"),
        "booth": _("Booth"),
        "phone": _("Phone"),
        "brand": _("Brand"),
    }
    return {name: labels[name] for name in kind.fields}


def _kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise HTTPException(404)
    return kind


def _titles(kind: Kind) -> dict[str, Any]:
    """What the pages call this import, and the columns its rows are shown by."""
    if kind is DELEGATES:
        return {"title": _("Import delegates"), "columns": ("name", "organisation", "country")}
    return {"title": _("Import exhibitors"), "columns": ("name", "regency", "province")}


def _unreadable(reason: str) -> str:
    return {
        "too-large": _("The file is larger than 5 MB."),
        "too-many-rows": _("The file has more than 1,000 rows; split it."),
        "empty": _("The file has no rows."),
    }.get(reason, _("Choose a CSV or Excel (.xlsx) file."))


@router.get("")
async def upload_page(
    request: Request, visitor: Staff, expo_id: PathId, kind: str = "delegates"
) -> Response:
    chosen = _kind(kind)
    expo = await staff_apis(request, visitor).get(Api.events, f"/expos/{expo_id}")
    return render(
        request, "imports/upload.html", expo=expo, errors={}, kind=chosen, **_titles(chosen)
    )


EXAMPLES = {
    "delegates": [
        "Kenji Watanabe", "kenji.watanabe@example.org", "Embassy of Japan, Jakarta", "JP",
        "trade attaché", "English, Jepang", "specialty arabica coffee; cashew kernels",
    ],
    "exhibitors": [
        "Kelompok Tenun Ina Ndao", "inandao@example.id", "Nusa Tenggara Timur", "Kupang",
        "tenun ikat", "Indonesia", "A12", "+62 812 3456 7890", "Ina Ndao",
    ],
}  # fmt: skip


@router.get("/template.csv")
async def template(_visitor: Staff, expo_id: PathId, kind: str = "delegates") -> Response:
    """A file to fill in, with the columns in the reader's language and one example row."""
    chosen = _kind(kind)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_field_labels(chosen).values())
    writer.writerow(EXAMPLES[chosen.name])
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM, so Excel opens the UTF-8 as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{chosen.name}-{expo_id}.csv"'},
    )


@router.post("")
async def upload(
    request: Request,
    visitor: Staff,
    _form: CheckedForm,
    expo_id: PathId,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form(max_length=20)] = "delegates",
) -> Response:
    assert visitor.account is not None
    chosen = _kind(kind)
    expo = await staff_apis(request, visitor).get(Api.events, f"/expos/{expo_id}")
    try:
        table = read_table(file.filename or "", await file.read())
    except UnreadableFile as unreadable:
        errors = {"file": FieldMessage(_unreadable(unreadable.reason))}
        return render(
            request, "imports/upload.html", status_code=422, expo=expo, errors=errors,
            kind=chosen, **_titles(chosen),
        )  # fmt: skip
    stored = StoredImport(
        account_id=visitor.account.id,
        expo_id=expo_id,
        kind=chosen.name,
        filename=file.filename or "",
        headers=table.headers,
        rows=table.rows,
    )
    import_id = await request.app.state.imports.keep(stored)
    return see_other(f"/expos/{expo_id}/import/{import_id}")


@router.get("/{import_id}")
async def preview(request: Request, visitor: Staff, expo_id: PathId, import_id: PathId) -> Response:
    """The columns as matched (suggested first, then as the organiser chose) and what the
    API would make of every row."""
    stored = await _stored(request, visitor, import_id)
    kind = _kind(stored.kind)
    mapping = _mapping(stored, kind, request.query_params)
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    missing = [name for name in kind.required if mapping[name] is None]
    rows = rows_of(_table(stored), mapping, kind)
    results = [] if missing else await _batch(api, kind, expo_id, rows, dry_run=True)
    return render(
        request,
        "imports/preview.html",
        expo=expo,
        import_id=import_id,
        stored=stored,
        mapping=mapping,
        labels=_field_labels(kind),
        missing=missing,
        rows=rows,
        results=_explained(results),
        counts=_counts(results),
        kind=kind,
        **_titles(kind),
    )


@router.post("/{import_id}")
async def confirm(
    request: Request, visitor: Staff, _form: CheckedForm, expo_id: PathId, import_id: PathId
) -> Response:
    stored = await _stored(request, visitor, import_id)
    kind = _kind(stored.kind)
    form = await request.form()
    mapping = _mapping(stored, kind, {k: v for k, v in form.items() if isinstance(v, str)})
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    rows = rows_of(_table(stored), mapping, kind)
    results = await _batch(api, kind, expo_id, rows, dry_run=False)
    if kind is DELEGATES:
        problems = await _accounts_for(request, expo_id, rows, results)
    else:
        problems = await exhibit(request, api, expo_id, rows, results)
    return render(
        request,
        "imports/done.html",
        expo=expo,
        rows=rows,
        results=_explained(results),
        counts=_counts(results),
        accounts=problems,
        labels=_field_labels(kind),
        kind=kind,
        **_titles(kind),
    )


async def _stored(request: Request, visitor: Visitor, import_id: str) -> StoredImport:
    assert visitor.account is not None
    stored: StoredImport | None = await request.app.state.imports.find(
        import_id, visitor.account.id
    )
    if stored is None:
        raise HTTPException(404)  # gone after two hours, or another person's
    return stored


def _table(stored: StoredImport) -> Table:
    return Table(stored.headers, stored.rows)


def _mapping(stored: StoredImport, kind: Kind, chosen: Any) -> dict[str, int | None]:
    """The suggestions, replaced by what the organiser chose (`col_<field>`: a column's
    number, or empty for none)."""
    mapping = suggest(stored.headers, kind)
    for name in kind.fields:
        value = chosen.get(f"col_{name}")
        if value is None:
            continue
        mapping[name] = int(value) if value.isdigit() and int(value) < len(stored.headers) else None
    return mapping


async def _batch(
    api: PersonApis, kind: Kind, expo_id: str, rows: list[Row], dry_run: bool
) -> list[dict[str, Any]]:
    bodies = [row.body for row in rows]
    if kind is DELEGATES:
        path, body = f"/expos/{expo_id}/delegates/batch", {"delegates": bodies}
        answer = await api.post(Api.events, path, {**body, "dry_run": dry_run})
    else:
        answer = await api.post(
            Api.catalog, "/sellers/batch", {"sellers": bodies, "dry_run": dry_run}
        )
    results: list[dict[str, Any]] = answer["results"]
    return results


def _explained(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's result with its problems in the reader's language."""
    return [
        {**result, "problems": [_problem(error) for error in result.get("errors", [])]}
        for result in results
    ]


def _problem(error: dict[str, Any]) -> tuple[str, FieldMessage]:
    """The input a row's error belongs to (a column's field), and the error in its words."""
    name = str(error["field"])
    message = explain_field(
        name, error.get("code"), error.get("params") or {}, str(error["message"])
    )
    return input_of(name), message


def _counts(results: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(("valid", "created", "exists", "repeated", "invalid", "refused"), 0)
    for result in results:
        counts[result["status"]] += 1
    return counts


async def _accounts_for(
    request: Request, expo_id: str, rows: list[Row], results: list[dict[str, Any]]
) -> dict[int, str]:
    """An account (not yet invited) for each new delegate with an e-mail address, so that all
    can be invited at once; returns, by row, why one could not be made."""
    accounts = request.app.state.accounts
    problems: dict[int, str] = {}
    for row, result in zip(rows, results, strict=True):
        if result["status"] != "created" or not row.email:
            continue
        made = result["delegate"]
        try:
            await accounts.create(
                made["subject"],
                row.email,
                lambda holder, made=made, row=row: create_account(
                    holder,
                    made["subject"],
                    row.email,
                    made["name"],
                    AccountRole.delegate,
                    Language.en,
                    expo_id=expo_id,
                    record_id=made["id"],
                ),
            )
        except Conflict:
            problems[row.number] = _("This e-mail address has an account already.")
    return problems
