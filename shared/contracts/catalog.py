"""Events of the catalog service (topic `catalog`, keyed by seller id).

Snapshots carry the whole aggregate and its `version` (one counter per seller, shared by the
seller's products and certifications), so a projection applies an event only when its version
is newer than what it holds, which makes replays and redeliveries harmless.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts import topics
from shared.contracts.base import Event
from shared.types import (
    CountryCode,
    CurrencyCode,
    HsCode,
    Identifier,
    LanguageTag,
    LongText,
    ShortText,
    SubdivisionCode,
)


class Sector(StrEnum):
    coffee = "coffee"
    cocoa = "cocoa"
    cashew = "cashew"
    seaweed = "seaweed"
    salt = "salt"
    fisheries = "fisheries"
    woven_textiles = "woven_textiles"
    moringa = "moringa"
    essential_oils = "essential_oils"
    batik = "batik"
    footwear = "footwear"
    processed_food = "processed_food"
    crafts = "crafts"
    garments = "garments"
    spices = "spices"
    coconut = "coconut"
    honey = "honey"
    vanilla = "vanilla"
    it_services = "it_services"
    machinery = "machinery"
    pharmaceuticals = "pharmaceuticals"


class SalesTerm(StrEnum):
    consignment = "consignment"  # konsinyasi
    outright_purchase = "outright_purchase"  # beli putus
    export_fob = "export_fob"
    export_cif = "export_cif"


class CertificationKind(StrEnum):
    halal = "halal"  # BPJPH halal certificate
    bpom = "bpom"  # food & drug permit (MD/ML/NA/TR numbers)
    pirt = "pirt"  # home-industry food permit
    trademark = "trademark"  # registered merek
    sni = "sni"  # national standard
    organic = "organic"
    english_label = "english_label"  # packaging labelled in English
    haccp = "haccp"
    fair_trade = "fair_trade"
    health_certificate = "health_certificate"  # fisheries / quarantine


class CertificationStatus(StrEnum):
    """A seller's certificate is `submitted` until a certifier verifies it (then `valid`, until
    it is revoked or expires) or rejects it. Only `valid` ones count for readiness."""

    submitted = "submitted"
    valid = "valid"
    rejected = "rejected"
    revoked = "revoked"
    expired = "expired"


class ListingStatus(StrEnum):
    active = "active"
    delisted = "delisted"


class GapReason(StrEnum):
    missing = "missing"
    expired = "expired"
    revoked = "revoked"
    unverified = "unverified"  # submitted, awaiting a certifier
    rejected = "rejected"  # a certifier refused the one submitted


class LocalizedText(BaseModel):
    """Text in Indonesian (`id`) and/or English (`en`): at least one of them."""

    model_config = ConfigDict(frozen=True)

    id: ShortText | None = Field(None, description="Bahasa Indonesia", examples=["Kopi Arabika"])
    en: ShortText | None = Field(None, description="English", examples=["Arabica coffee"])

    @model_validator(mode="after")
    def _at_least_one_language(self) -> LocalizedText:
        if self.id is None and self.en is None:
            raise ValueError("give the text in at least one of 'id' or 'en'")
        return self


class LocalizedLongText(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: LongText | None = None
    en: LongText | None = None


class Contact(BaseModel):
    model_config = ConfigDict(frozen=True)

    person: ShortText | None = None
    phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9 ()-]{6,32}$")
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    website: str | None = Field(None, max_length=300, pattern=r"^https?://\S+$")


class PriceRange(BaseModel):
    model_config = ConfigDict(frozen=True)

    minimum: float = Field(ge=0, le=1e12)
    maximum: float = Field(ge=0, le=1e12)
    currency: CurrencyCode
    per: ShortText = Field(description="Unit the price is for", examples=["kg"])

    @model_validator(mode="after")
    def _ordered(self) -> PriceRange:
        if self.maximum < self.minimum:
            raise ValueError("maximum must not be below minimum")
        return self


class SellerData(BaseModel):
    """A seller (UMKM/IKM) as the catalog knows it."""

    model_config = ConfigDict(frozen=True)

    id: Identifier = Field(examples=["slr-7f3a"])
    owner: Identifier | None = Field(None, description="Subject id of the seller's account")
    name: ShortText = Field(examples=["Koperasi Kopi Bajawa"])
    province: SubdivisionCode
    regency: ShortText = Field(examples=["Ngada"])
    sectors: list[Sector] = Field(max_length=10)
    languages: list[LanguageTag] = Field(max_length=10)
    contact: Contact
    export_countries: list[CountryCode] = Field(
        max_length=100, description="Countries already exported to"
    )
    sales_terms: list[SalesTerm] = Field(max_length=4)
    brand: ShortText | None = None
    status: ListingStatus
    version: int = Field(ge=1)


class ReadinessGap(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: CertificationKind
    reason: GapReason
    detail: str = Field(examples=["Processed food needs a BPOM permit (MD/ML) for export"])


class ExportReadiness(BaseModel):
    model_config = ConfigDict(frozen=True)

    ready: bool
    gaps: list[ReadinessGap]
    assessed_on: dt.date


class ProductData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier = Field(examples=["prd-91c2"])
    seller_id: Identifier
    name: LocalizedText
    description: LocalizedLongText
    hs_code: HsCode
    sector: Sector
    unit: ShortText = Field(examples=["kg"])
    price: PriceRange | None
    monthly_capacity: float = Field(ge=0, description="In `unit` per month")
    minimum_order: float = Field(ge=0, description="In `unit`")
    packaged: bool = Field(description="Sold in retail packaging (labelling rules apply)")
    branded: bool = Field(description="Sold under the seller's brand (trademark rules apply)")
    certifications: list[CertificationKind] = Field(description="Valid certifications held")
    readiness: ExportReadiness
    status: ListingStatus
    version: int = Field(ge=1)


class CertificationData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier
    seller_id: Identifier
    kind: CertificationKind
    number: ShortText = Field(examples=["ID33110000123450821"])
    issuer: ShortText = Field(examples=["BPJPH"])
    valid_from: dt.date
    valid_until: dt.date | None
    product_ids: list[Identifier] = Field(
        description="Products it covers; empty means all of the seller's products"
    )
    status: CertificationStatus
    version: int = Field(ge=1)
    reviewed_by: Identifier | None = Field(
        None, description="The certifier who verified or rejected it (none while submitted)"
    )


class SellerEvent(Event):
    topic: ClassVar[str] = topics.CATALOG


class SellerRegistered(SellerEvent):
    type: ClassVar[str] = "catalog.seller.registered"
    summary: ClassVar[str] = "A seller joined the catalog."
    seller: SellerData

    @property
    def key(self) -> str:
        return self.seller.id


class SellerUpdated(SellerEvent):
    type: ClassVar[str] = "catalog.seller.updated"
    summary: ClassVar[str] = "A seller's details changed (the whole seller is carried)."
    seller: SellerData

    @property
    def key(self) -> str:
        return self.seller.id


class SellerDelisted(SellerEvent):
    type: ClassVar[str] = "catalog.seller.delisted"
    summary: ClassVar[str] = "A seller left the catalog; its products are delisted with it."
    seller_id: Identifier
    version: int = Field(ge=1)

    @property
    def key(self) -> str:
        return self.seller_id


class ProductListed(SellerEvent):
    type: ClassVar[str] = "catalog.product.listed"
    summary: ClassVar[str] = "A seller listed a new product, with its export readiness."
    product: ProductData

    @property
    def key(self) -> str:
        return self.product.seller_id


class ProductUpdated(SellerEvent):
    type: ClassVar[str] = "catalog.product.updated"
    summary: ClassVar[str] = (
        "A product changed, or its export readiness did (a certificate was granted, revoked or "
        "expired); the whole product is carried."
    )
    product: ProductData

    @property
    def key(self) -> str:
        return self.product.seller_id


class ProductDelisted(SellerEvent):
    type: ClassVar[str] = "catalog.product.delisted"
    summary: ClassVar[str] = "A product was withdrawn from the catalog."
    product_id: Identifier
    seller_id: Identifier
    version: int = Field(ge=1)

    @property
    def key(self) -> str:
        return self.seller_id


class CertificationSubmitted(SellerEvent):
    type: ClassVar[str] = "catalog.certification.submitted"
    summary: ClassVar[str] = (
        "A seller submitted a certificate; it counts for nothing until a certifier verifies it."
    )
    certification: CertificationData

    @property
    def key(self) -> str:
        return self.certification.seller_id


class CertificationGranted(SellerEvent):
    type: ClassVar[str] = "catalog.certification.granted"
    summary: ClassVar[str] = (
        "A certification is in the catalog as verified (a certifier checked a submitted one, "
        "or recorded it from the document), for a seller or some of its products."
    )
    certification: CertificationData

    @property
    def key(self) -> str:
        return self.certification.seller_id


class CertificationRejected(SellerEvent):
    type: ClassVar[str] = "catalog.certification.rejected"
    summary: ClassVar[str] = "A certifier refused a submitted certificate, saying why."
    certification: CertificationData
    reason: ShortText

    @property
    def key(self) -> str:
        return self.certification.seller_id


class CertificationRevoked(SellerEvent):
    type: ClassVar[str] = "catalog.certification.revoked"
    summary: ClassVar[str] = "A certification was withdrawn before its end date."
    certification: CertificationData
    reason: ShortText

    @property
    def key(self) -> str:
        return self.certification.seller_id


class CertificationExpired(SellerEvent):
    type: ClassVar[str] = "catalog.certification.expired"
    summary: ClassVar[str] = "A certification reached its end date."
    certification: CertificationData

    @property
    def key(self) -> str:
        return self.certification.seller_id
