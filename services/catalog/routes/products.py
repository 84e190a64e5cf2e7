"""Product routes: list a product under a seller, find, change and delist products."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from services.catalog import commands
from services.catalog.domain import Product, ProductFacets, SellerCatalog, seller_id_of
from services.catalog.routes.dependencies import Store, today
from services.catalog.routes.readiness import ReadinessOut, readiness_out
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.contracts.catalog import (
    CertificationKind,
    ListingStatus,
    LocalizedLongText,
    LocalizedText,
    PriceRange,
    Sector,
)
from shared.http import Paging, Patch, Strict
from shared.paging import Page
from shared.types import HsCode, HsPrefix, Identifier, PathId, ShortText, SubdivisionCode

router = APIRouter(tags=["products"], dependencies=AUTHENTICATED)
MAX_QUANTITY = 1e9


class ProductIn(Strict):
    name: LocalizedText
    description: LocalizedLongText = Field(default_factory=LocalizedLongText)
    hs_code: HsCode
    sector: Sector
    unit: ShortText = Field(max_length=20, examples=["kg"])
    price: PriceRange | None = None
    monthly_capacity: float = Field(ge=0, le=MAX_QUANTITY)
    minimum_order: float = Field(0, ge=0, le=MAX_QUANTITY)
    packaged: bool = False
    branded: bool = False


class ProductPatch(Patch):
    clearable = frozenset({"price"})

    name: LocalizedText | None = None
    description: LocalizedLongText | None = None
    hs_code: HsCode | None = None
    sector: Sector | None = None
    unit: ShortText | None = Field(None, max_length=20)
    price: PriceRange | None = None
    monthly_capacity: float | None = Field(None, ge=0, le=MAX_QUANTITY)
    minimum_order: float | None = Field(None, ge=0, le=MAX_QUANTITY)
    packaged: bool | None = None
    branded: bool | None = None


class ProductOut(BaseModel):
    id: str
    seller_id: str
    name: LocalizedText
    description: LocalizedLongText
    hs_code: str
    sector: Sector
    unit: str
    price: PriceRange | None
    monthly_capacity: float
    minimum_order: float
    packaged: bool
    branded: bool
    status: ListingStatus
    version: int
    certifications: list[CertificationKind]
    readiness: ReadinessOut


def product_out(catalog: SellerCatalog, product: Product, on: dt.date) -> ProductOut:
    return ProductOut(
        **product.model_dump(),
        certifications=catalog.in_force(product, on),
        readiness=readiness_out(catalog, product, on),
    )


@router.post("/sellers/{seller_id}/products", status_code=status.HTTP_201_CREATED)
async def list_product(
    seller_id: PathId, body: ProductIn, principal: CurrentPrincipal, store: Store
) -> ProductOut:
    on = today()
    fields = body.model_dump()
    decision = await store.change(
        seller_id, lambda catalog: commands.list_product(catalog, principal, fields, on)
    )
    return product_out(decision.catalog, decision.changed, on)


@dataclass(frozen=True)
class ProductFilter:
    """What GET /products asks for; each field left out (None) admits everything."""

    province: str | None
    seller_id: str | None
    include_delisted: bool
    sector: Sector | None
    hs: str | None
    text: str | None  # case-folded
    certification: CertificationKind | None
    export_ready: bool | None

    def admits_facets(self, facets: ProductFacets) -> bool:
        """The criteria on what is stored: decided from the facet index alone."""
        return (
            (self.province is None or facets.province == self.province)
            and (self.seller_id is None or facets.seller_id == self.seller_id)
            and (self.include_delisted or facets.listed)
            and (self.sector is None or facets.sector is self.sector)
            and (self.hs is None or facets.hs_code.startswith(self.hs))
            and (self.text is None or self.text in facets.text)
        )

    @property
    def depends_on_the_day(self) -> bool:
        return self.certification is not None or self.export_ready is not None

    def admits_on(self, catalog: SellerCatalog, product: Product, on: dt.date) -> bool:
        """The criteria on what is computed per day: certificates in force and readiness."""
        return (
            self.certification is None or self.certification in catalog.in_force(product, on)
        ) and (
            self.export_ready is None or catalog.readiness(product, on).ready is self.export_ready
        )


@router.get("/products")
async def list_products(
    store: Store,
    page: Paging,
    sector: Sector | None = None,
    hs: Annotated[HsPrefix | None, Query(description="HS code prefix: 2, 4, 6 or 8 digits")] = None,
    province: SubdivisionCode | None = None,
    certification: CertificationKind | None = None,
    export_ready: bool | None = None,
    seller_id: Identifier | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in either language")] = None,
    include_delisted: bool = False,
) -> Page[ProductOut]:
    on = today()
    wanted = ProductFilter(
        province=province,
        seller_id=seller_id,
        include_delisted=include_delisted,
        sector=sector,
        hs=hs,
        text=q.casefold() if q else None,
        certification=certification,
        export_ready=export_ready,
    )
    ids = await store.product_ids(wanted.admits_facets)
    if not wanted.depends_on_the_day:
        # Everything asked for is stored: build only the page.
        window = page.window(ids)
        catalogs = await store.catalogs_of(window)
        shown = [_shown(catalogs, product_id, on) for product_id in window]
        return page.page_of(shown, len(ids))
    # Certificates in force and readiness change with the date, so they are computed for every
    # product the stored criteria admit (at most the caps' worth per seller).
    catalogs = await store.catalogs_of(ids)
    admitted = [
        product_id
        for product_id in ids
        if wanted.admits_on(catalogs[seller_id_of(product_id)], _product(catalogs, product_id), on)
    ]
    window = page.window(admitted)
    return page.page_of([_shown(catalogs, product_id, on) for product_id in window], len(admitted))


def _product(catalogs: dict[str, SellerCatalog], product_id: str) -> Product:
    return catalogs[seller_id_of(product_id)].products[product_id]


def _shown(catalogs: dict[str, SellerCatalog], product_id: str, on: dt.date) -> ProductOut:
    return product_out(catalogs[seller_id_of(product_id)], _product(catalogs, product_id), on)


@router.get("/products/{product_id}")
async def get_product(product_id: PathId, store: Store) -> ProductOut:
    catalog, product = await store.load_product(product_id)
    return product_out(catalog, product, today())


@router.patch("/products/{product_id}")
async def update_product(
    product_id: PathId, body: ProductPatch, principal: CurrentPrincipal, store: Store
) -> ProductOut:
    on = today()
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    decision = await store.change(
        seller_id_of(product_id),
        lambda catalog: commands.update_product(catalog, principal, product_id, changes, on),
    )
    return product_out(decision.catalog, decision.changed, on)


@router.delete("/products/{product_id}")
async def delist_product(
    product_id: PathId, principal: CurrentPrincipal, store: Store
) -> ProductOut:
    decision = await store.change(
        seller_id_of(product_id),
        lambda catalog: commands.delist_product(catalog, principal, product_id),
    )
    return product_out(decision.catalog, decision.changed, today())
