"""Catalog HTTP routes: sellers, products, certifications and export readiness."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.catalog import commands
from services.catalog.domain import Product, Seller, SellerCatalog, seller_id_of
from services.catalog.store import CatalogStore
from shared.auth import CurrentPrincipal, Principal, Role
from shared.contracts.catalog import (
    CertificationKind,
    CertificationStatus,
    Contact,
    GapReason,
    ListingStatus,
    LocalizedLongText,
    LocalizedText,
    PriceRange,
    SalesTerm,
    Sector,
)
from shared.errors import Forbidden, InvalidField, NotFound
from shared.http import Page, PageParams, page_params
from shared.types import (
    CountryCode,
    HsCode,
    HsPrefix,
    Identifier,
    LanguageTag,
    ShortText,
    SubdivisionCode,
)

router = APIRouter()
MAX_QUANTITY = 1e9


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def get_store(request: Request) -> CatalogStore:
    store: CatalogStore = request.app.state.store
    return store


Store = Annotated[CatalogStore, Depends(get_store)]


# -- request and response models ------------------------------------------------------------
class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class SellerPatch(Strict):
    name: ShortText | None = None
    province: SubdivisionCode | None = None
    regency: ShortText | None = None
    sectors: list[Sector] | None = Field(None, min_length=1, max_length=10)
    languages: list[LanguageTag] | None = Field(None, min_length=1, max_length=10)
    contact: Contact | None = None
    export_countries: list[CountryCode] | None = Field(None, max_length=100)
    sales_terms: list[SalesTerm] | None = Field(None, min_length=1, max_length=4)
    brand: ShortText | None = None


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


class CertificationIn(Strict):
    kind: CertificationKind
    number: ShortText = Field(max_length=64)
    issuer: ShortText = Field(examples=["BPJPH", "BPOM", "DJKI"])
    valid_from: dt.date
    valid_until: dt.date | None = None
    product_ids: list[Identifier] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> CertificationIn:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")
        return self


class RevocationIn(Strict):
    reason: ShortText


class GapOut(BaseModel):
    kind: CertificationKind
    reason: GapReason
    detail: str


class ReadinessOut(BaseModel):
    ready: bool
    gaps: list[GapOut]
    assessed_on: dt.date
    destination: str | None = None


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


class CertificationOut(BaseModel):
    id: str
    seller_id: str
    kind: CertificationKind
    number: str
    issuer: str
    valid_from: dt.date
    valid_until: dt.date | None
    product_ids: list[str]
    status: CertificationStatus
    revoked_reason: str | None
    version: int


def seller_out(catalog: SellerCatalog) -> SellerOut:
    return SellerOut.model_validate(catalog.seller.model_dump())


def product_out(
    catalog: SellerCatalog, product: Product, on: dt.date, destination: str | None = None
) -> ProductOut:
    readiness = catalog.readiness(product, on, destination)
    return ProductOut(
        **product.model_dump(),
        certifications=catalog.in_force(product, on),
        readiness=ReadinessOut(
            ready=readiness.ready,
            gaps=[GapOut(kind=g.kind, reason=g.reason, detail=g.detail) for g in readiness.gaps],
            assessed_on=readiness.assessed_on,
            destination=destination,
        ),
    )


# -- authorisation ---------------------------------------------------------------------------
def require_owner(principal: Principal, catalog: SellerCatalog) -> None:
    """Sellers change only their own data; organisers and services change anyone's."""
    if principal.is_staff:
        return
    if principal.role is Role.seller and catalog.seller.owner == principal.subject:
        return
    raise Forbidden(f"only the owner of seller {catalog.seller.id} or an organiser may change it")


# -- sellers ---------------------------------------------------------------------------------
@router.post("/sellers", status_code=status.HTTP_201_CREATED, tags=["sellers"])
async def register_seller(body: SellerIn, principal: CurrentPrincipal, store: Store) -> SellerOut:
    principal.require(Role.seller, Role.organiser, Role.service)
    if principal.role is Role.seller:
        if body.owner not in (None, principal.subject):
            raise InvalidField("a seller registers only themselves", "body.owner")
        owner: str | None = principal.subject
    else:
        owner = body.owner
    seller = Seller(id=f"slr-{uuid.uuid4().hex[:12]}", **{**body.model_dump(), "owner": owner})
    return seller_out(await store.create(commands.register_seller(seller)))


@router.get("/sellers", tags=["sellers"])
async def list_sellers(
    principal: CurrentPrincipal,
    store: Store,
    page: Annotated[PageParams, Depends(page_params)],
    province: SubdivisionCode | None = None,
    sector: Sector | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    include_delisted: bool = False,
) -> Page[SellerOut]:
    sellers = [
        seller_out(c)
        for c in await store.all_catalogs()
        if (include_delisted or c.seller.status is ListingStatus.active)
        and (province is None or c.seller.province == province)
        and (sector is None or sector in c.seller.sectors)
        and (q is None or q.casefold() in c.seller.name.casefold())
    ]
    return page.page(sorted(sellers, key=lambda s: (s.name, s.id)))


@router.get("/sellers/{seller_id}", tags=["sellers"])
async def get_seller(seller_id: Identifier, principal: CurrentPrincipal, store: Store) -> SellerOut:
    return seller_out(await store.load(seller_id))


@router.patch("/sellers/{seller_id}", tags=["sellers"])
async def update_seller(
    seller_id: Identifier, body: SellerPatch, principal: CurrentPrincipal, store: Store
) -> SellerOut:
    changes = body.model_dump(exclude_unset=True)

    def decide(catalog: SellerCatalog) -> commands.Decision:
        require_owner(principal, catalog)
        return commands.update_seller(catalog, changes)

    return seller_out(await store.change(seller_id, decide))


@router.delete("/sellers/{seller_id}", tags=["sellers"])
async def delist_seller(
    seller_id: Identifier, principal: CurrentPrincipal, store: Store
) -> SellerOut:
    def decide(catalog: SellerCatalog) -> commands.Decision:
        require_owner(principal, catalog)
        return commands.delist_seller(catalog)

    return seller_out(await store.change(seller_id, decide))


# -- products --------------------------------------------------------------------------------
@router.post(
    "/sellers/{seller_id}/products", status_code=status.HTTP_201_CREATED, tags=["products"]
)
async def list_product(
    seller_id: Identifier, body: ProductIn, principal: CurrentPrincipal, store: Store
) -> ProductOut:
    on = today()
    created: list[str] = []

    def decide(catalog: SellerCatalog) -> commands.Decision:
        require_owner(principal, catalog)
        created[:] = [catalog.next_id("p")]
        return commands.list_product(catalog, body.model_dump(), on)

    catalog = await store.change(seller_id, decide)
    return product_out(catalog, catalog.products[created[0]], on)


@router.get("/products", tags=["products"])
async def list_products(
    principal: CurrentPrincipal,
    store: Store,
    page: Annotated[PageParams, Depends(page_params)],
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
    needle = q.casefold() if q else None
    found: list[ProductOut] = []
    for catalog in await store.all_catalogs():
        if province is not None and catalog.seller.province != province:
            continue
        if seller_id is not None and catalog.seller.id != seller_id:
            continue
        for product in catalog.products.values():
            if not include_delisted and product.status is not ListingStatus.active:
                continue
            if sector is not None and product.sector is not sector:
                continue
            if hs is not None and not product.hs_code.startswith(hs):
                continue
            if needle is not None and needle not in _searchable_text(product):
                continue
            shown = product_out(catalog, product, on)
            if certification is not None and certification not in shown.certifications:
                continue
            if export_ready is not None and shown.readiness.ready is not export_ready:
                continue
            found.append(shown)
    return page.page(sorted(found, key=lambda p: p.id))


def _searchable_text(product: Product) -> str:
    parts = [product.name.id, product.name.en, product.description.id, product.description.en]
    return " ".join(part for part in parts if part).casefold()


@router.get("/products/{product_id}", tags=["products"])
async def get_product(
    product_id: Identifier, principal: CurrentPrincipal, store: Store
) -> ProductOut:
    catalog, product = await _find_product(store, product_id)
    return product_out(catalog, product, today())


@router.get("/products/{product_id}/readiness", tags=["products"])
async def product_readiness(
    product_id: Identifier,
    principal: CurrentPrincipal,
    store: Store,
    destination: CountryCode | None = None,
) -> ReadinessOut:
    catalog, product = await _find_product(store, product_id)
    return product_out(catalog, product, today(), destination).readiness


@router.patch("/products/{product_id}", tags=["products"])
async def update_product(
    product_id: Identifier, body: ProductPatch, principal: CurrentPrincipal, store: Store
) -> ProductOut:
    on = today()
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)

    def decide(catalog: SellerCatalog) -> commands.Decision:
        require_owner(principal, catalog)
        return commands.update_product(catalog, product_id, changes, on)

    catalog = await store.change(seller_id_of(product_id), decide)
    return product_out(catalog, catalog.products[product_id], on)


@router.delete("/products/{product_id}", tags=["products"])
async def delist_product(
    product_id: Identifier, principal: CurrentPrincipal, store: Store
) -> ProductOut:
    def decide(catalog: SellerCatalog) -> commands.Decision:
        require_owner(principal, catalog)
        return commands.delist_product(catalog, product_id)

    catalog = await store.change(seller_id_of(product_id), decide)
    return product_out(catalog, catalog.products[product_id], today())


async def _find_product(store: CatalogStore, product_id: str) -> tuple[SellerCatalog, Product]:
    try:
        catalog = await store.load(seller_id_of(product_id))
    except NotFound:
        raise NotFound(f"no product {product_id}") from None
    product = catalog.products.get(product_id)
    if product is None:
        raise NotFound(f"no product {product_id}")
    return catalog, product


# -- certifications --------------------------------------------------------------------------
@router.post(
    "/sellers/{seller_id}/certifications",
    status_code=status.HTTP_201_CREATED,
    tags=["certifications"],
)
async def grant_certification(
    seller_id: Identifier, body: CertificationIn, principal: CurrentPrincipal, store: Store
) -> CertificationOut:
    on = today()

    created: list[str] = []

    def decide(catalog: SellerCatalog) -> commands.Decision:
        require_owner(principal, catalog)
        created[:] = [catalog.next_id("c")]
        return commands.grant_certification(catalog, body.model_dump(), on)

    catalog = await store.change(seller_id, decide)
    return CertificationOut.model_validate(catalog.certifications[created[0]].model_dump())


@router.get("/sellers/{seller_id}/certifications", tags=["certifications"])
async def list_certifications(
    seller_id: Identifier, principal: CurrentPrincipal, store: Store
) -> list[CertificationOut]:
    catalog = await store.load(seller_id)
    return [
        CertificationOut.model_validate(c.model_dump())
        for c in sorted(catalog.certifications.values(), key=lambda c: c.id)
    ]


@router.post("/certifications/{certification_id}/revoke", tags=["certifications"])
async def revoke_certification(
    certification_id: Identifier, body: RevocationIn, principal: CurrentPrincipal, store: Store
) -> CertificationOut:
    on = today()

    def decide(catalog: SellerCatalog) -> commands.Decision:
        require_owner(principal, catalog)
        return commands.revoke_certification(catalog, certification_id, body.reason, on)

    catalog = await store.change(seller_id_of(certification_id), decide)
    return CertificationOut.model_validate(catalog.certifications[certification_id].model_dump())
