"""Product routes: list a product under a seller, find, change and delist products."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from services.catalog import commands
from services.catalog.domain import Product, Seller, SellerCatalog, seller_id_of
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
from shared.http import Paging, Strict
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


class ProductPatch(Strict):
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

    def admits_seller(self, seller: Seller) -> bool:
        return (self.province is None or seller.province == self.province) and (
            self.seller_id is None or seller.id == self.seller_id
        )

    def admits_product(self, product: Product) -> bool:
        return (
            (self.include_delisted or product.status is ListingStatus.active)
            and (self.sector is None or product.sector is self.sector)
            and (self.hs is None or product.hs_code.startswith(self.hs))
            and (self.text is None or self.text in _searchable_text(product))
        )

    def admits_shown(self, shown: ProductOut) -> bool:
        """The criteria on what is computed per day: certificates in force and readiness."""
        return (self.certification is None or self.certification in shown.certifications) and (
            self.export_ready is None or shown.readiness.ready is self.export_ready
        )


def _searchable_text(product: Product) -> str:
    parts = [product.name.id, product.name.en, product.description.id, product.description.en]
    return " ".join(part for part in parts if part).casefold()


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
    found: list[ProductOut] = []
    for catalog in await store.all_catalogs():
        if not wanted.admits_seller(catalog.seller):
            continue
        for product in catalog.products.values():
            if not wanted.admits_product(product):
                continue
            shown = product_out(catalog, product, on)
            if wanted.admits_shown(shown):
                found.append(shown)
    return page.page(sorted(found, key=lambda p: p.id))


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
