"""Seller routes: register, find, change and delist a seller."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from services.catalog import commands
from services.catalog.domain import Seller
from services.catalog.routes.dependencies import Store
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.contracts.catalog import Contact, ListingStatus, SalesTerm, Sector
from shared.http import Paging, Patch, Strict
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
