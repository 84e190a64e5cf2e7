"""A participant's own page: their agenda as their printed sheet and, for a delegate, asking
an exhibitor for a meeting (optionally in some sessions) and following their requests."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web import agendas, i18n, pdf, qr, statistics
from services.web.accounts import Account
from services.web.agendas import SheetKind
from services.web.api import Api, ApiProblem, PersonApis
from services.web.i18n import _
from services.web.messages import FieldMessage, form_errors
from services.web.pages import render, see_other
from services.web.participants import every
from services.web.people import CheckedForm, SignedIn, Visitor
from shared.contracts.identity import AccountRole
from shared.types import PathId

router = APIRouter()


@router.get("/me")
async def my_page(request: Request, visitor: SignedIn) -> Response:
    """A participant's start page: their agenda; a delegate's requests and the form to ask."""
    person = visitor.person
    assert person is not None
    if person.is_staff:
        return see_other("/expos")
    return await _page(request, visitor, person, {}, {})


@router.post("/me/requests")
async def ask_for_meeting(request: Request, visitor: CheckedForm) -> Response:
    """A delegate asks an exhibitor for a meeting, in any time both attend or only in the
    sessions they tick; the refusal is shown next to the field, in the reader's words."""
    person = visitor.person
    if person is None or person.role is not AccountRole.delegate or not person.expo_id:
        return see_other("/me")
    posted = await request.form()
    exhibitor = str(posted.get("exhibitor_id") or "")
    sessions = [v for v in posted.getlist("sessions") if isinstance(v, str)]
    typed = {"exhibitor_id": exhibitor, "sessions": sessions}
    if not exhibitor:
        return await _page(
            request, visitor, person, {"exhibitor_id": FieldMessage(_("Choose an exhibitor."))},
            typed, status_code=422,
        )  # fmt: skip
    body: dict[str, Any] = {"delegate_id": person.record_id, "exhibitor_id": exhibitor}
    if sessions:
        body["window"] = {"sessions": sessions}
    try:
        await _apis(request, visitor, person).post(
            Api.events, f"/expos/{person.expo_id}/requests", body
        )
    except ApiProblem as refused:
        if refused.status not in (404, 409, 422):
            raise
        errors = {
            ("sessions" if name == "window" else name): message
            for name, message in form_errors(refused).items()
        }
        return await _page(request, visitor, person, errors, typed, status_code=422)
    return see_other("/me#requests")


@router.post("/me/requests/{request_id}/cancel")
async def cancel_request(request: Request, visitor: CheckedForm, request_id: PathId) -> Response:
    """A delegate withdraws one of their requests, saying why (the exhibitor is told)."""
    person = visitor.person
    if person is None or person.role is not AccountRole.delegate or not person.expo_id:
        return see_other("/me")
    reason = str((await request.form()).get("reason") or "").strip()
    typed = {"cancelling": request_id, "reason": reason}
    if not reason:
        errors = {f"reason-{request_id}": FieldMessage(_("Say why, in a few words."))}
        return await _page(request, visitor, person, errors, typed, status_code=422)
    path = f"/expos/{person.expo_id}/requests/{request_id}/cancel"
    try:
        await _apis(request, visitor, person).post(Api.events, path, {"reason": reason})
    except ApiProblem as refused:
        if refused.status not in (404, 409, 422):
            raise
        errors = {f"reason-{request_id}": message for message in form_errors(refused).values()}
        return await _page(request, visitor, person, errors, typed, status_code=422)
    return see_other("/me#requests")


def _apis(request: Request, visitor: Visitor, person: Account) -> PersonApis:
    apis: PersonApis = request.app.state.apis.as_person(
        person, actor=visitor.account if visitor.acting_as else None
    )
    return apis


async def _page(
    request: Request,
    visitor: Visitor,
    person: Account,
    errors: dict[str, FieldMessage],
    typed: dict[str, Any],
    status_code: int = 200,
) -> Response:
    api = _apis(request, visitor, person)
    expo = await api.get(Api.events, f"/expos/{person.expo_id}") if person.expo_id else None
    record = seller = sheet = None
    asking: dict[str, Any] = {}
    if expo is not None and person.record_id and person.role is AccountRole.delegate:
        base = f"/expos/{expo['id']}"
        # The exhibitors are read once: for the form, the request list and the agenda's booths.
        record, agenda, exhibitors, requests = await asyncio.gather(
            api.get(Api.events, f"{base}/delegates/{person.record_id}"),
            api.get(Api.events, f"{base}/agenda", delegate=person.record_id),
            every(api, Api.events, f"{base}/exhibitors"),
            every(api, Api.events, f"{base}/requests"),
        )
        booths = {x["id"]: x for x in exhibitors}
        sheet = await _delegate_sheet(api, expo, record, agenda["meetings"], booths)
        asking = _requests(expo, booths, requests)
    if expo is not None and person.record_id and person.role is AccountRole.seller:
        base = f"/expos/{expo['id']}"
        booth, agenda = await asyncio.gather(
            api.get(Api.events, f"{base}/exhibitors/{person.record_id}"),
            api.get(Api.events, f"{base}/agenda", exhibitor=person.record_id),
        )
        seller = await api.get(Api.catalog, f"/sellers/{booth['seller_id']}")
        people = agendas.People(
            delegates={},  # an exhibitor may not read them: the agenda says who they are
            exhibitors={booth["id"]: booth},
            seller_languages={seller["id"]: seller["languages"]},
            reads={booth["id"]: i18n.current()},
        )
        record = booth
        sheet = _own_sheet(expo, SheetKind.exhibitor, booth, agenda["meetings"], people)
    return render(
        request, "me.html", status_code=status_code, person=person, expo=expo, record=record,
        seller=seller, sheet=sheet, zone=ZoneInfo, url=pdf.check_in_url,
        base_url=str(request.base_url), qr=qr.svg_data_uri, errors=errors, typed=typed,
        status_name=statistics.status_name,
        **asking,
    )  # fmt: skip


def _requests(
    expo: dict[str, Any], booths: dict[str, dict[str, Any]], requests: list[dict[str, Any]]
) -> dict[str, Any]:
    """The exhibitors a delegate may ask, and their requests: each with the exhibitor, the
    sessions it is limited to (none: any time) and its meeting, if placed."""
    session_of = {slot["id"]: slot["session_id"] for slot in expo["slots"]}
    rows = []
    for item in requests:
        asked = item["request"]
        within = {session_of[s] for s in asked.get("window") or [] if s in session_of}
        rows.append(
            {
                "exhibitor": booths.get(asked["exhibitor_id"]),
                "id": asked["id"],
                "status": asked["status"],
                "open": asked["status"] in ("requested", "scheduled"),
                "sessions": [s for s in expo["sessions"] if s["id"] in within],
                "meeting": item.get("meeting"),
            }
        )
    rows.sort(key=lambda row: (row["exhibitor"] or {}).get("seller_name", "").casefold())
    return {
        "exhibitors": sorted(booths.values(), key=lambda x: str(x["seller_name"]).casefold()),
        "requests": rows,
    }


async def _delegate_sheet(
    api: PersonApis,
    expo: dict[str, Any],
    record: dict[str, Any],
    items: list[dict[str, Any]],
    booths: dict[str, dict[str, Any]],
) -> agendas.Sheet | None:
    """The delegate's sheet; the languages of the sellers they meet come from the catalog."""
    met = [booths[i] for i in sorted({item["exhibitor_id"] for item in items}) if i in booths]
    sellers = await asyncio.gather(
        *(api.get(Api.catalog, f"/sellers/{booth['seller_id']}") for booth in met)
    )
    people = agendas.People(
        delegates={record["id"]: record},
        exhibitors=booths,
        seller_languages={s["id"]: s["languages"] for s in sellers},
        reads={record["id"]: i18n.current()},
    )
    return _own_sheet(expo, SheetKind.delegate, record, items, people)


def _own_sheet(
    expo: dict[str, Any],
    kind: SheetKind,
    record: dict[str, Any],
    items: list[dict[str, Any]],
    people: agendas.People,
) -> agendas.Sheet | None:
    """The participant's own agenda as their printed sheet shows it, from what they may read:
    their meetings, the exhibitors (public) and what the agenda says of each delegate; None
    while they have no meeting."""
    lines = agendas.lines_of(expo["id"], items, people)
    own = agendas.sheets(kind, lines, people, i18n.current(), only=record["id"])
    return own[0] if own else None
