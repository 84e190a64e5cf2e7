"""The catalog's domain: a seller with its products and certifications, and export readiness.

Pure: no I/O and no framework. A seller is one aggregate (its products and certificates change
with it and share one version counter), which keeps every change a single-key transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

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
from shared.text import folded

Kind = CertificationKind


class Seller(BaseModel):
    model_config = ConfigDict(frozen=True)

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
    brand: str | None = None
    status: ListingStatus = ListingStatus.active
    version: int = 1


class Product(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    seller_id: str
    name: LocalizedText
    description: LocalizedLongText = Field(default_factory=LocalizedLongText)
    hs_code: str
    sector: Sector
    unit: str
    price: PriceRange | None = None
    monthly_capacity: float
    minimum_order: float
    packaged: bool
    branded: bool
    status: ListingStatus = ListingStatus.active
    version: int = 1


class ProductFacets(BaseModel):
    """What a catalogue listing filters a product on without its certificates: the product's
    own stored fields and its seller's province. The store keeps one per product in an index,
    so a listing reads these small records and loads whole aggregates only for the page."""

    model_config = ConfigDict(frozen=True)

    seller_id: str
    province: str
    sector: Sector
    hs_code: str
    listed: bool
    text: str  # both languages' names and descriptions, case-folded


def facets_of(seller: Seller, product: Product) -> ProductFacets:
    parts = [product.name.id, product.name.en, product.description.id, product.description.en]
    return ProductFacets(
        seller_id=seller.id,
        province=seller.province,
        sector=product.sector,
        hs_code=product.hs_code,
        listed=product.status is ListingStatus.active,
        text=" ".join(part for part in parts if part).casefold(),
    )


class Certification(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    seller_id: str
    kind: CertificationKind
    number: str
    issuer: str
    valid_from: dt.date
    valid_until: dt.date | None
    product_ids: list[str] = Field(default_factory=list)
    # Stored before certificates were reviewed: valid, as the trade office recorded them.
    status: CertificationStatus = CertificationStatus.valid
    revoked_reason: str | None = None
    rejected_reason: str | None = None
    reviewed_by: str | None = None
    version: int = 1

    def covers(self, product_id: str) -> bool:
        return not self.product_ids or product_id in self.product_ids

    def in_force(self, today: dt.date) -> bool:
        return (
            self.status is CertificationStatus.valid
            and self.valid_from <= today
            and (self.valid_until is None or today <= self.valid_until)
        )

    def lapsed(self, today: dt.date) -> bool:
        """Past its end date while still marked valid: due to be announced as expired."""
        return (
            self.status is CertificationStatus.valid
            and self.valid_until is not None
            and self.valid_until < today
        )


@dataclass(frozen=True)
class Requirement:
    kind: CertificationKind
    why: str


@dataclass(frozen=True)
class Gap:
    kind: CertificationKind
    reason: GapReason
    detail: str


@dataclass(frozen=True)
class Readiness:
    gaps: tuple[Gap, ...]
    assessed_on: dt.date

    @property
    def ready(self) -> bool:
        return not self.gaps


# Destinations that ask for more than the general rules (kept short and explicit on purpose).
HALAL_FOR_ALL_FOOD = frozenset({"MY", "BN", "SA", "AE", "SD", "MA", "PK", "BD"})
FISH_HEALTH_CERTIFICATE = frozenset({"CN", "JP", "AU", "KR", "SG", "MY"})


def is_food(hs_code: str) -> bool:
    return 1 <= int(hs_code[:2]) <= 24


# Raw commodities that sit in the processed-food chapters: cocoa beans and cocoa shells.
RAW_IN_FOOD_INDUSTRY_CHAPTERS = frozenset({"1801", "1802"})


def is_processed_food(hs_code: str) -> bool:
    """Processed food (chapters 15 to 24, roasted coffee): what BPOM registers as MD/ML."""
    if hs_code[:4] in RAW_IN_FOOD_INDUSTRY_CHAPTERS:
        return False
    return 15 <= int(hs_code[:2]) <= 24 or hs_code[:6] in {"090121", "090122"}


def is_cosmetic_or_essential_oil(hs_code: str) -> bool:
    return hs_code[:4] in {"3301", "3303", "3304", "3305", "3307", "3401"}


def is_fish(hs_code: str) -> bool:
    return hs_code[:2] == "03" or hs_code[:4] in {"1604", "1605"}


def required_certifications(product: Product, destination: str | None = None) -> list[Requirement]:
    """What a product needs before it can be exported, each with the reason a seller reads."""
    code = product.hs_code
    needs: list[Requirement] = []
    if is_processed_food(code) or (is_food(code) and product.packaged):
        needs.append(
            Requirement(Kind.halal, "Processed or packaged food needs a halal certificate")
        )
        needs.append(
            Requirement(Kind.bpom, "Processed or packaged food needs a BPOM permit (MD/ML)")
        )
    elif is_cosmetic_or_essential_oil(code):
        needs.append(
            Requirement(Kind.halal, "Cosmetics and essential oils need a halal certificate")
        )
        needs.append(
            Requirement(Kind.bpom, "Cosmetics and essential oils need a BPOM notification")
        )
    elif is_food(code) and destination in HALAL_FOR_ALL_FOOD:
        needs.append(
            Requirement(Kind.halal, f"{destination} asks a halal certificate for all food")
        )
    if product.packaged:
        needs.append(Requirement(Kind.english_label, "Packaged goods need English labelling"))
    if product.branded:
        needs.append(Requirement(Kind.trademark, "A brand needs a registered trademark (merek)"))
    if is_fish(code) and destination in FISH_HEALTH_CERTIFICATE:
        needs.append(
            Requirement(Kind.health_certificate, f"{destination} asks a fish health certificate")
        )
    return needs


def assess_readiness(
    product: Product,
    certifications: list[Certification],
    today: dt.date,
    destination: str | None = None,
) -> Readiness:
    """Which required certifications are missing, expired or revoked for this product."""
    covering = [c for c in certifications if c.covers(product.id)]
    gaps = []
    for requirement in required_certifications(product, destination):
        of_kind = [c for c in covering if c.kind is requirement.kind]
        if any(c.in_force(today) for c in of_kind):
            continue
        gaps.append(_gap(requirement, of_kind, today))
    return Readiness(gaps=tuple(gaps), assessed_on=today)


def _gap(requirement: Requirement, held: list[Certification], today: dt.date) -> Gap:
    """Why the requirement is not met, the most actionable reason first: one awaiting
    verification, else the last one's fate (expired, revoked, rejected), else none at all."""
    if any(c.status is CertificationStatus.submitted for c in held):
        return Gap(
            requirement.kind,
            GapReason.unverified,
            f"{requirement.why}; the one submitted awaits a certifier",
        )
    expired = [
        c
        for c in held
        if c.status is not CertificationStatus.rejected
        and c.valid_until is not None
        and c.valid_until < today
    ]
    if expired and all(c.status is not CertificationStatus.revoked for c in expired):
        last = max(c.valid_until for c in expired if c.valid_until is not None)
        return Gap(requirement.kind, GapReason.expired, f"{requirement.why}; it expired on {last}")
    if any(c.status is CertificationStatus.revoked for c in held):
        return Gap(requirement.kind, GapReason.revoked, f"{requirement.why}; it was revoked")
    rejected = [c for c in held if c.status is CertificationStatus.rejected]
    if rejected:
        why = rejected[-1].rejected_reason or "no reason given"
        return Gap(requirement.kind, GapReason.rejected, f"{requirement.why}; rejected: {why}")
    return Gap(requirement.kind, GapReason.missing, requirement.why)


def certifications_in_force(
    product: Product, certifications: list[Certification], today: dt.date
) -> list[CertificationKind]:
    kinds = {c.kind for c in certifications if c.covers(product.id) and c.in_force(today)}
    return sorted(kinds, key=lambda kind: kind.value)


@dataclass(frozen=True)
class SellerCatalog:
    """The aggregate: a seller, its products and its certifications, at one version."""

    seller: Seller
    products: dict[str, Product]
    certifications: dict[str, Certification]

    @property
    def version(self) -> int:
        return self.seller.version

    def next_id(self, prefix: str) -> str:
        """Child ids embed the seller id, so any product or certificate leads to its aggregate."""
        return f"{self.seller.id}.{prefix}{self.version + 1}"

    def readiness(
        self, product: Product, today: dt.date, destination: str | None = None
    ) -> Readiness:
        return assess_readiness(product, list(self.certifications.values()), today, destination)

    def in_force(self, product: Product, today: dt.date) -> list[CertificationKind]:
        return certifications_in_force(product, list(self.certifications.values()), today)


def seller_id_of(child_id: str) -> str:
    """The seller a product or certification id belongs to (see SellerCatalog.next_id)."""
    return child_id.rsplit(".", 1)[0]


def seller_key(name: str, province: str) -> str:
    """The seller a registration names already: the same name in the same province, whatever
    the case and accents (an import of the trade office's list, once more)."""
    return f"{province}\x1f{folded(name)}"
