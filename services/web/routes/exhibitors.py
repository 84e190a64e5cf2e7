"""An expo's exhibitors for its organiser: the list with their export readiness, search and
filters, one exhibitor's page with its products, inviting the seller, and acting as them.

An exhibitor is a catalog seller with a booth at the expo: the events API knows the booth,
the catalog the seller, its products and their readiness; the seller's account is the
seller's `owner` in the catalog."""

from __future__ import annotations

import asyncio
import secrets
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web.api import Api, ApiProblem, PersonApis
from services.web.messages import FieldMessage, form_errors
from services.web.pages import render, see_other
from services.web.participants import (
    account_for,
    account_problems,
    audit_of,
    every,
    first_invite,
    invitation_page,
    invitations_page,
    seller_participant,
    start_acting,
    state_of,
)
from services.web.people import CheckedForm, Staff, Visitor, staff_apis
from services.web.seller_form import SellerForm
from shared.contracts.catalog import SalesTerm, Sector
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}/exhibitors")
READINESS = ("ready", "not-ready")  # at least one product ready for export; none


@dataclass(frozen=True)
class Row:
    """One line of the list: the booth, the catalog's seller, and how many of its products
    are ready for export (with no destination named: the requirements every buyer has)."""

    exhibitor: dict[str, Any]
    seller: dict[str, Any]
    products: int
    ready: int
    state: str


@router.get("")
async def list_exhibitors(
    request: Request,
    visitor: Staff,
    expo_id: PathId,
    q: str = "",
    province: str = "",
    sector: str = "",
    readiness: str = "",
    state: str = "",
) -> Response:
    api = staff_apis(request, visitor)
    expo, exhibitors, listed_sellers, listed_products = await asyncio.gather(
        api.get(Api.events, f"/expos/{expo_id}"),
        every(api, Api.events, f"/expos/{expo_id}/exhibitors"),
        every(api, Api.catalog, "/sellers"),
        every(api, Api.catalog, "/products"),
    )
    sellers = {s["id"]: s for s in listed_sellers}
    exhibiting = {e["seller_id"] for e in exhibitors}
    products: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for product in listed_products:
        if product["seller_id"] in exhibiting:
            products[product["seller_id"]].append(product)
    owners = [s["owner"] for s in sellers.values() if s["owner"] and s["id"] in exhibiting]
    accounts = await request.app.state.accounts.find_many(owners)
    rows = []
    for exhibitor in exhibitors:
        seller = sellers.get(exhibitor["seller_id"])
        if seller is None:  # delisted since: the catalog lists only active sellers
            continue
        listed = products[seller["id"]]
        ready = sum(1 for p in listed if p["readiness"]["ready"])
        account = accounts.get(seller["owner"] or "")
        rows.append(Row(exhibitor, seller, len(listed), ready, state_of(account)))
    wanted = q.strip().casefold()
    shown = [
        row
        for row in rows
        if (not wanted or wanted in f"{row.seller['name']} {row.seller['regency']}".casefold())
        and (not province or row.seller["province"] == province)
        and (not sector or sector in row.seller["sectors"])
        and (not readiness or (row.ready > 0) == (readiness == "ready"))
        and (not state or row.state == state)
    ]
    shown.sort(key=lambda row: str(row.seller["name"]).casefold())
    return render(
        request,
        "participants/exhibitors.html",
        expo=expo,
        rows=shown,
        total=len(rows),
        waiting=sum(1 for row in rows if row.state == "invited"),
        provinces=sorted({row.seller["province"] for row in rows}),
        sectors=sorted({s for row in rows for s in row.seller["sectors"]}),
        query={
            "q": q, "province": province, "sector": sector, "readiness": readiness, "state": state,
        },
    )  # fmt: skip


@router.post("/invite-all")
async def invite_every_exhibitor(
    request: Request, visitor: Staff, _form: CheckedForm, expo_id: PathId
) -> Response:
    """Every seller with an account who has not signed in yet (an import makes one for each
    address it is given) gets a new link; the others are invited from their page."""
    api = staff_apis(request, visitor)
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    booths = await every(api, Api.events, f"/expos/{expo_id}/exhibitors")
    sellers = {s["id"]: s for s in await every(api, Api.catalog, "/sellers")}
    pairs = [(b, sellers[b["seller_id"]]) for b in booths if b["seller_id"] in sellers]
    accounts = await request.app.state.accounts.find_many(
        [s["owner"] for _, s in pairs if s["owner"]]
    )
    waiting = [
        (seller_participant(booth, seller, seller["owner"]), accounts[seller["owner"]])
        for booth, seller in sorted(pairs, key=lambda pair: pair[1]["name"].casefold())
        if state_of(accounts.get(seller["owner"] or "")) == "invited"
    ]
    without = sum(1 for _, seller in pairs if (seller["owner"] or "") not in accounts)
    back = f"/expos/{expo_id}/exhibitors"
    return await invitations_page(request, visitor, expo, waiting, without, back)


@router.get("/{exhibitor_id}")
async def show_exhibitor(
    request: Request, visitor: Staff, expo_id: PathId, exhibitor_id: PathId
) -> Response:
    return await _exhibitor_page(request, visitor, expo_id, exhibitor_id, {}, {})


@router.get("/{exhibitor_id}/edit")
async def edit_exhibitor(
    request: Request, visitor: Staff, expo_id: PathId, exhibitor_id: PathId
) -> Response:
    expo, exhibitor, seller = await _read(staff_apis(request, visitor), expo_id, exhibitor_id)
    return _edit_page(
        request, expo, exhibitor, seller, SellerForm.from_exhibitor(exhibitor, seller), {}
    )


@router.post("/{exhibitor_id}/edit")
async def change_exhibitor(
    request: Request, visitor: Staff, _form: CheckedForm, expo_id: PathId, exhibitor_id: PathId
) -> Response:
    """The booth and meeting limit at this expo (the events service's), and the seller's
    details as the trade office knows them (the catalog's: every expo it exhibits at shows
    the change). Each is saved only if it changed, and the errors of both are shown."""
    api = staff_apis(request, visitor)
    expo, exhibitor, seller = await _read(api, expo_id, exhibitor_id)
    posted = await request.form()
    single = {name: value for name, value in posted.items() if isinstance(value, str)}
    multiple = {
        name: [v for v in posted.getlist(name) if isinstance(v, str)]
        for name in ("sectors", "sales_terms")
    }
    form = SellerForm.from_form(single, multiple)
    errors: dict[str, FieldMessage] = {}
    at_this_expo = form.exhibitor_body()
    if any(exhibitor[name] != value for name, value in at_this_expo.items()):
        path = f"/expos/{expo_id}/exhibitors/{exhibitor_id}"
        errors |= await _refusals(api.patch(Api.events, path, at_this_expo))
    errors |= await _refusals(
        api.patch(Api.catalog, f"/sellers/{seller['id']}", form.seller_body(seller["contact"]))
    )
    if errors:
        return _edit_page(request, expo, exhibitor, seller, form, errors)
    return see_other(f"/expos/{expo_id}/exhibitors/{exhibitor_id}")


async def _refusals(change: Awaitable[object]) -> dict[str, FieldMessage]:
    """What the API refused of a change, by the form's field (a 409 or 422); none if made."""
    try:
        await change
    except ApiProblem as refused:
        if refused.status not in (409, 422):
            raise
        return form_errors(refused)
    return {}


def _edit_page(
    request: Request,
    expo: dict[str, Any],
    exhibitor: dict[str, Any],
    seller: dict[str, Any],
    form: SellerForm,
    errors: dict[str, FieldMessage],
) -> Response:
    return render(
        request,
        "participants/seller_form.html",
        status_code=422 if errors else 200,
        expo=expo,
        exhibitor=exhibitor,
        seller=seller,
        form=form,
        errors=errors,
        sectors=[s.value for s in Sector],
        sales_terms=[t.value for t in SalesTerm],
    )


@router.post("/{exhibitor_id}/invite")
async def invite_exhibitor(
    request: Request,
    visitor: Staff,
    _form: CheckedForm,
    expo_id: PathId,
    exhibitor_id: PathId,
    email: Annotated[str, Form(max_length=254)] = "",
    language: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    api = staff_apis(request, visitor)
    expo, exhibitor, seller = await _read(api, expo_id, exhibitor_id)
    owner = seller["owner"]
    if owner is None:
        problems = account_problems(email, language)
        if problems:
            typed = {"email": email, "language": language}
            return await _exhibitor_page(request, visitor, expo_id, exhibitor_id, problems, typed)
        # The catalog learns whose account the seller is before the account exists, so a
        # failure in between leaves an owner to reuse, never an account speaking for no one.
        owner = f"acc-{secrets.token_hex(8)}"
        seller = await api.patch(Api.catalog, f"/sellers/{seller['id']}", {"owner": owner})
    participant = seller_participant(exhibitor, seller, owner)
    account = await account_for(request, participant, email, language)
    if isinstance(account, dict):
        typed = {"email": email, "language": language}
        return await _exhibitor_page(request, visitor, expo_id, exhibitor_id, account, typed)
    return await invitation_page(request, visitor, expo, participant, account)


@router.post("/{exhibitor_id}/act-as")
async def act_as_exhibitor(
    request: Request, visitor: Staff, _form: CheckedForm, expo_id: PathId, exhibitor_id: PathId
) -> Response:
    api = staff_apis(request, visitor)
    expo, _exhibitor, seller = await _read(api, expo_id, exhibitor_id)
    person = await request.app.state.accounts.find(seller["owner"]) if seller["owner"] else None
    if person is None:
        return await _exhibitor_page(request, visitor, expo_id, exhibitor_id, first_invite(), {})
    return await start_acting(request, visitor, expo, person)


async def _read(
    api: PersonApis, expo_id: str, exhibitor_id: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    expo = await api.get(Api.events, f"/expos/{expo_id}")
    exhibitor = await api.get(Api.events, f"/expos/{expo_id}/exhibitors/{exhibitor_id}")
    seller = await api.get(Api.catalog, f"/sellers/{exhibitor['seller_id']}")
    return expo, exhibitor, seller


async def _exhibitor_page(
    request: Request,
    visitor: Visitor,
    expo_id: str,
    exhibitor_id: str,
    errors: dict[str, FieldMessage],
    typed: dict[str, str],
) -> Response:
    api = staff_apis(request, visitor)
    expo, exhibitor, seller = await _read(api, expo_id, exhibitor_id)
    products = await every(api, Api.catalog, "/products", seller_id=seller["id"])
    account = await request.app.state.accounts.find(seller["owner"]) if seller["owner"] else None
    return render(
        request,
        "participants/exhibitor.html",
        status_code=422 if errors else 200,
        expo=expo,
        exhibitor=exhibitor,
        seller=seller,
        products=products,
        account=account,
        state=state_of(account),
        audit=await audit_of(request, account),
        errors=errors,
        typed=typed,
        invite_action=f"/expos/{expo_id}/exhibitors/{exhibitor_id}/invite",
        act_as_action=f"/expos/{expo_id}/exhibitors/{exhibitor_id}/act-as",
        default_language="id",  # the producers read Indonesian, most of them only that
    )
