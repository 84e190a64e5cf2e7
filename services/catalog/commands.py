"""What the catalog does for each request: decide the aggregate's next state and the events
that announce it. Pure functions; the store commits state and events in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.catalog.domain import Certification, Product, Seller, SellerCatalog
from shared.contracts import Event
from shared.contracts import catalog as contract
from shared.contracts.catalog import CertificationStatus, ListingStatus
from shared.errors import Conflict, InvalidField, NotFound

Decision = tuple[SellerCatalog, list[Event]]


def register_seller(seller: Seller) -> Decision:
    catalog = SellerCatalog(seller=seller, products={}, certifications={})
    return catalog, [contract.SellerRegistered(seller=seller_data(seller))]


def update_seller(catalog: SellerCatalog, changes: dict[str, Any]) -> Decision:
    _require_active(catalog)
    seller = catalog.seller.model_copy(update={**changes, "version": catalog.version + 1})
    updated = SellerCatalog(seller, catalog.products, catalog.certifications)
    return updated, [contract.SellerUpdated(seller=seller_data(seller))]


def delist_seller(catalog: SellerCatalog) -> Decision:
    _require_active(catalog)
    version = catalog.version + 1
    seller = catalog.seller.model_copy(
        update={"status": ListingStatus.delisted, "version": version}
    )
    products = {
        pid: p.model_copy(update={"status": ListingStatus.delisted, "version": version})
        for pid, p in catalog.products.items()
    }
    updated = SellerCatalog(seller, products, catalog.certifications)
    return updated, [contract.SellerDelisted(seller_id=seller.id, version=version)]


def list_product(catalog: SellerCatalog, fields: dict[str, Any], today: dt.date) -> Decision:
    _require_active(catalog)
    version = catalog.version + 1
    product = Product(
        id=catalog.next_id("p"), seller_id=catalog.seller.id, version=version, **fields
    )
    updated = _bump(catalog, version, products={**catalog.products, product.id: product})
    return updated, [contract.ProductListed(product=product_data(updated, product, today))]


def update_product(
    catalog: SellerCatalog, product_id: str, changes: dict[str, Any], today: dt.date
) -> Decision:
    current = _active_product(catalog, product_id)
    version = catalog.version + 1
    product = current.model_copy(update={**changes, "version": version})
    product = Product.model_validate(product.model_dump())
    updated = _bump(catalog, version, products={**catalog.products, product.id: product})
    return updated, [contract.ProductUpdated(product=product_data(updated, product, today))]


def delist_product(catalog: SellerCatalog, product_id: str) -> Decision:
    current = _active_product(catalog, product_id)
    version = catalog.version + 1
    product = current.model_copy(update={"status": ListingStatus.delisted, "version": version})
    updated = _bump(catalog, version, products={**catalog.products, product.id: product})
    event = contract.ProductDelisted(
        product_id=product_id, seller_id=product.seller_id, version=version
    )
    return updated, [event]


def grant_certification(catalog: SellerCatalog, fields: dict[str, Any], today: dt.date) -> Decision:
    _require_active(catalog)
    for index, product_id in enumerate(fields.get("product_ids", [])):
        if product_id not in catalog.products:
            raise InvalidField(
                f"{product_id} is not a product of this seller", f"body.product_ids[{index}]"
            )
    version = catalog.version + 1
    certification = Certification(
        id=catalog.next_id("c"), seller_id=catalog.seller.id, version=version, **fields
    )
    updated = _bump(
        catalog, version, certifications={**catalog.certifications, certification.id: certification}
    )
    granted = contract.CertificationGranted(certification=certification_data(certification))
    # A certificate recorded after its end date is announced as expired at once.
    updated, expired = _expire(updated, today, version)
    return _with_readiness_changes(catalog, updated, [granted, *expired], today)


def revoke_certification(
    catalog: SellerCatalog, certification_id: str, reason: str, today: dt.date
) -> Decision:
    current = catalog.certifications.get(certification_id)
    if current is None:
        raise NotFound(f"no certification {certification_id}")
    if current.status is not CertificationStatus.valid:
        raise Conflict(f"the certification is already {current.status.value}")
    version = catalog.version + 1
    certification = current.model_copy(
        update={"status": CertificationStatus.revoked, "revoked_reason": reason, "version": version}
    )
    updated = _bump(
        catalog, version, certifications={**catalog.certifications, certification.id: certification}
    )
    announced = contract.CertificationRevoked(
        certification=certification_data(certification), reason=reason
    )
    return _with_readiness_changes(catalog, updated, [announced], today)


def expire_certifications(catalog: SellerCatalog, today: dt.date) -> Decision:
    """Mark the certifications past their end date as expired (nothing to do is no change)."""
    updated, announced = _expire(catalog, today, catalog.version + 1)
    if not announced:
        return catalog, []
    return _with_readiness_changes(catalog, updated, announced, today)


def _expire(catalog: SellerCatalog, today: dt.date, version: int) -> Decision:
    lapsed = [c for c in catalog.certifications.values() if c.lapsed(today)]
    if not lapsed:
        return catalog, []
    expired = {
        c.id: c.model_copy(update={"status": CertificationStatus.expired, "version": version})
        for c in lapsed
    }
    updated = _bump(catalog, version, certifications={**catalog.certifications, **expired})
    return updated, [
        contract.CertificationExpired(certification=certification_data(c)) for c in expired.values()
    ]


def _with_readiness_changes(
    before: SellerCatalog, after: SellerCatalog, events: list[Event], today: dt.date
) -> Decision:
    """Add a ProductUpdated for each active product whose readiness or certificates changed."""
    changed: list[Event] = []
    for product in after.products.values():
        if product.status is not ListingStatus.active:
            continue
        if before.readiness(product, today) != after.readiness(product, today) or before.in_force(
            product, today
        ) != after.in_force(product, today):
            changed.append(contract.ProductUpdated(product=product_data(after, product, today)))
    return after, [*events, *changed]


def _bump(catalog: SellerCatalog, version: int, **parts: Any) -> SellerCatalog:
    return SellerCatalog(
        seller=catalog.seller.model_copy(update={"version": version}),
        products=parts.get("products", catalog.products),
        certifications=parts.get("certifications", catalog.certifications),
    )


def _require_active(catalog: SellerCatalog) -> None:
    if catalog.seller.status is not ListingStatus.active:
        raise Conflict(f"seller {catalog.seller.id} is delisted")


def _active_product(catalog: SellerCatalog, product_id: str) -> Product:
    _require_active(catalog)
    product = catalog.products.get(product_id)
    if product is None:
        raise NotFound(f"no product {product_id}")
    if product.status is not ListingStatus.active:
        raise Conflict(f"product {product_id} is delisted")
    return product


# -- domain to contract: explicit, so the domain can change without changing the contract -----
def seller_data(seller: Seller) -> contract.SellerData:
    return contract.SellerData.model_validate(seller.model_dump())


def product_data(catalog: SellerCatalog, product: Product, today: dt.date) -> contract.ProductData:
    readiness = catalog.readiness(product, today)
    return contract.ProductData(
        **product.model_dump(exclude={"status", "version"}),
        certifications=catalog.in_force(product, today),
        readiness=contract.ExportReadiness(
            ready=readiness.ready,
            gaps=[
                contract.ReadinessGap(kind=gap.kind, reason=gap.reason, detail=gap.detail)
                for gap in readiness.gaps
            ],
            assessed_on=readiness.assessed_on,
        ),
        status=product.status,
        version=product.version,
    )


def certification_data(certification: Certification) -> contract.CertificationData:
    return contract.CertificationData.model_validate(
        certification.model_dump(exclude={"revoked_reason"})
    )
