"""Seller routes: register, find, change and delist a seller."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, ValidationError

from services.catalog import commands
from services.catalog.domain import Seller, seller_key
from services.catalog.routes.dependencies import Store
from shared.auth import AUTHENTICATED, CurrentPrincipal, Role
from shared.contracts.catalog import Contact, ListingStatus, SalesTerm, Sector
from shared.errors import Problem
from shared.http import FieldError, Paging, Patch, Strict, field_errors, problem_errors
from shared.paging import Page
from shared.types import CountryCode, Identifier, LanguageTag, PathId, ShortText, SubdivisionCode

router = APIRouter(tags=["sellers"], dependencies=AUTHENTICATED)


class SellerIn(Strict):
    name: ShortText = Field(examples=["Koperasi Kopi Arabika Bajawa"])
    province: SubdivisionCode
    regency: ShortText = Field(examples=["Ngada"])
    sectors: list[Sector] = Field(min_length=1, max_length=10)
    languages: list[LanguageTag] = Field(min_length=1, max_length=10, examples=[["id", "en"]])
    contact: Contact = Field(default_factory=Contact)
    export_countries: list[CountryCode] = Field(default_factory=list, max_length=100)
    sales_terms: list[SalesTerm] = Field(min_length=1, max_length=4)
    brand: ShortText | None = None
    owner: Identifier | None = Field(
        None, description="The seller account's subject id (organisers only; sellers are owners)"
    )


class SellerPatch(Patch):
    clearable = frozenset({"brand"})

    name: ShortText | None = None
    province: SubdivisionCode | None = None
    regency: ShortText | None = None
    sectors: list[Sector] | None = Field(None, min_length=1, max_length=10)
    languages: list[LanguageTag] | None = Field(None, min_length=1, max_length=10)
    contact: Contact | None = None
    export_countries: list[CountryCode] | None = Field(None, max_length=100)
    sales_terms: list[SalesTerm] | None = Field(None, min_length=1, max_length=4)
    brand: ShortText | None = None
    owner: Identifier | None = Field(
        None, description="The seller account's subject id (organisers only)"
    )


class SellerOut(BaseModel):
    id: str
    owner: str | None
    name: str
    province: str
    regency: str
    sectors: list[Sector]
    languages: list[str]
    contact: Contact
    export_countries: list[str]
    sales_terms: list[SalesTerm]
    brand: str | None
    status: ListingStatus
    version: int


def seller_out(seller: Seller) -> SellerOut:
    return SellerOut.model_validate(seller.model_dump())


def new_seller_id() -> str:
    # Random, so a new seller never collides with one registered at the same moment.
    return f"slr-{uuid.uuid4().hex[:12]}"


@router.post("/sellers", status_code=status.HTTP_201_CREATED)
async def register_seller(body: SellerIn, principal: CurrentPrincipal, store: Store) -> SellerOut:
    decision = commands.register_seller(principal, new_seller_id(), body.model_dump())
    registered = await store.create(decision)
    return seller_out(registered.changed)


MAX_BATCH = 1000  # an import file's rows, as for delegates


class SellerBatchIn(Strict):
    sellers: list[dict[str, Any]] = Field(max_length=MAX_BATCH)
    dry_run: bool = Field(False, description="Check every row, register none")


class SellerBatchRowOut(BaseModel):
    row: int
    status: Literal["created", "valid", "exists", "repeated", "invalid", "refused"]
    seller: SellerOut | None = Field(
        None, description="created: the new one; exists: the one it is"
    )
    same_as_row: int | None = Field(None, description="status repeated: the earlier row")
    errors: list[FieldError] = Field(default_factory=list)


class SellerBatchOut(BaseModel):
    results: list[SellerBatchRowOut]


@router.post("/sellers/batch")
async def register_sellers(
    body: SellerBatchIn, principal: CurrentPrincipal, store: Store
) -> SellerBatchOut:
    """Register many sellers (the trade office's list), each row on its own: a row that
    breaks a rule comes back with its fields' errors and codes; one naming a seller the
    catalog has (the same name in the same province, whatever the case and accents) is
    `exists` with that seller, so a second import of the same list registers nobody. With
    `dry_run` nothing is registered: the same answers, as a preview."""
    principal.require(Role.organiser, Role.service)
    known = {
        seller_key(seller.name, seller.province): seller
        for seller in await store.sellers()
        if seller.status is ListingStatus.active
    }
    results: list[SellerBatchRowOut] = []
    seen: dict[str, int] = {}  # a seller's key → the first row naming it
    for row, raw in enumerate(body.sellers):
        try:
            given = SellerIn.model_validate(raw)
        except ValidationError as invalid:
            results.append(
                SellerBatchRowOut(row=row, status="invalid", errors=field_errors(invalid))
            )
            continue
        key = seller_key(given.name, given.province)
        if key in seen:
            results.append(SellerBatchRowOut(row=row, status="repeated", same_as_row=seen[key]))
            continue
        seen[key] = row
        if key in known:
            results.append(
                SellerBatchRowOut(row=row, status="exists", seller=seller_out(known[key]))
            )
            continue
        try:
            decision = commands.register_seller(principal, new_seller_id(), given.model_dump())
        except Problem as refused:
            errors = problem_errors(refused)
            results.append(SellerBatchRowOut(row=row, status="refused", errors=errors))
            continue
        if body.dry_run:
            results.append(SellerBatchRowOut(row=row, status="valid"))
        else:
            made = (await store.create(decision)).changed
            results.append(SellerBatchRowOut(row=row, status="created", seller=seller_out(made)))
    return SellerBatchOut(results=results)


@router.get("/sellers")
async def list_sellers(
    store: Store,
    page: Paging,
    province: SubdivisionCode | None = None,
    sector: Sector | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    include_delisted: bool = False,
) -> Page[SellerOut]:
    chosen = sorted(
        (
            seller
            for seller in await store.sellers()
            if (include_delisted or seller.status is ListingStatus.active)
            and (province is None or seller.province == province)
            and (sector is None or sector in seller.sectors)
            and (q is None or q.casefold() in seller.name.casefold())
        ),
        key=lambda seller: (seller.name, seller.id),
    )
    return page.page_of([seller_out(s) for s in page.window(chosen)], len(chosen))


@router.get("/sellers/{seller_id}")
async def get_seller(seller_id: PathId, store: Store) -> SellerOut:
    return seller_out((await store.load(seller_id)).seller)


@router.patch("/sellers/{seller_id}")
async def update_seller(
    seller_id: PathId, body: SellerPatch, principal: CurrentPrincipal, store: Store
) -> SellerOut:
    changes = body.model_dump(exclude_unset=True)
    decision = await store.change(
        seller_id, lambda catalog: commands.update_seller(catalog, principal, changes)
    )
    return seller_out(decision.changed)


@router.delete("/sellers/{seller_id}")
async def delist_seller(seller_id: PathId, principal: CurrentPrincipal, store: Store) -> SellerOut:
    decision = await store.change(
        seller_id, lambda catalog: commands.delist_seller(catalog, principal)
    )
    return seller_out(decision.changed)
