"""What the catalog does for each request: check who may do it, decide the aggregate's next
state and the events that announce it. Pure functions; the store commits state and events in
one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from services.catalog.domain import Certification, Product, Seller, SellerCatalog
from shared.auth import VERIFIERS, Principal, Role
from shared.contracts import Event
from shared.contracts import catalog as contract
from shared.contracts.catalog import CertificationStatus, ListingStatus
from shared.errors import Conflict, Forbidden, InvalidCommand, NotFound, Problem

# One seller is one Redis hash read whole by every change and listing: these caps keep it to a
# few hundred kilobytes. A cooperative lists tens of products; the caps are far above that.
MAX_PRODUCTS = 200
MAX_CERTIFICATIONS = 400

Changed = TypeVar("Changed")


@dataclass(frozen=True)
class Decision(Generic[Changed]):
    """The aggregate's next state, the events that announce it, and what the request changed
    (the seller, product or certification as decided), so the caller need not look it up."""

    catalog: SellerCatalog
    events: list[Event]
    changed: Changed


# -- sellers ---------------------------------------------------------------------------------
def register_seller(
    principal: Principal, seller_id: str, fields: dict[str, Any]
) -> Decision[Seller]:
    principal.require(Role.seller, Role.organiser, Role.service)
    owner = _owner_of_new_seller(principal, fields.get("owner"))
    seller = Seller(id=seller_id, **{**fields, "owner": owner})
    catalog = SellerCatalog(seller=seller, products={}, certifications={})
    return Decision(catalog, [contract.SellerRegistered(seller=seller_data(seller))], seller)


def _owner_of_new_seller(principal: Principal, requested: str | None) -> str | None:
    """A seller registers only themselves; organisers and services name the owner, if any."""
    if principal.role is not Role.seller:
        return requested
    if requested not in (None, principal.subject):
        raise InvalidCommand("a seller registers only themselves", "owner")
    return principal.subject


def update_seller(
    catalog: SellerCatalog, principal: Principal, changes: dict[str, Any]
) -> Decision[Seller]:
    _require_owner(catalog, principal)
    _require_active(catalog)
    if "owner" in changes and principal.role is Role.seller:
        # An owner handing the seller to another account would lock themselves out; the trade
        # office, which knows the producer, assigns accounts (the web app's invitation).
        raise Forbidden("only an organiser assigns a seller's account", "owner")
    # Validated whole, so nested changes (a contact) become models, not plain dicts.
    seller = Seller.model_validate(
        {**catalog.seller.model_dump(), **changes, "version": catalog.version + 1}
    )
    updated = SellerCatalog(seller, catalog.products, catalog.certifications)
    return Decision(updated, [contract.SellerUpdated(seller=seller_data(seller))], seller)


def delist_seller(catalog: SellerCatalog, principal: Principal) -> Decision[Seller]:
    _require_owner(catalog, principal)
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
    return Decision(
        updated, [contract.SellerDelisted(seller_id=seller.id, version=version)], seller
    )


# -- products --------------------------------------------------------------------------------
def list_product(
    catalog: SellerCatalog, principal: Principal, fields: dict[str, Any], today: dt.date
) -> Decision[Product]:
    _require_owner(catalog, principal)
    _require_active(catalog)
    if len(catalog.products) >= MAX_PRODUCTS:
        raise InvalidCommand(
            f"a seller lists at most {MAX_PRODUCTS} products (delisted ones count: they stay "
            "in the seller's history); update one instead"
        )
    version = catalog.version + 1
    product = Product(
        id=catalog.next_id("p"), seller_id=catalog.seller.id, version=version, **fields
    )
    updated = _bump(catalog, version, products={**catalog.products, product.id: product})
    listed = contract.ProductListed(product=product_data(updated, product, today))
    return Decision(updated, [listed], product)


def update_product(
    catalog: SellerCatalog,
    principal: Principal,
    product_id: str,
    changes: dict[str, Any],
    today: dt.date,
) -> Decision[Product]:
    _require_owner(catalog, principal)
    current = _active_product(catalog, product_id)
    version = catalog.version + 1
    product = Product.model_validate({**current.model_dump(), **changes, "version": version})
    updated = _bump(catalog, version, products={**catalog.products, product.id: product})
    announced = contract.ProductUpdated(product=product_data(updated, product, today))
    return Decision(updated, [announced], product)


def delist_product(
    catalog: SellerCatalog, principal: Principal, product_id: str
) -> Decision[Product]:
    _require_owner(catalog, principal)
    current = _active_product(catalog, product_id)
    version = catalog.version + 1
    product = current.model_copy(update={"status": ListingStatus.delisted, "version": version})
    updated = _bump(catalog, version, products={**catalog.products, product.id: product})
    event = contract.ProductDelisted(
        product_id=product_id, seller_id=product.seller_id, version=version
    )
    return Decision(updated, [event], product)


# -- certifications --------------------------------------------------------------------------
def record_certification(
    catalog: SellerCatalog, principal: Principal, fields: dict[str, Any], today: dt.date
) -> Decision[Certification]:
    """A seller (or a service) submits a certificate, which counts for nothing until a
    certifier verifies it; a certifier or organiser records one from the document they hold,
    verified at once."""
    verifier = principal.role in VERIFIERS
    if not verifier:
        _require_owner(catalog, principal)
    _require_active(catalog)
    if len(catalog.certifications) >= MAX_CERTIFICATIONS:
        raise InvalidCommand(f"a seller records at most {MAX_CERTIFICATIONS} certificates")
    unknown: list[Problem] = [
        InvalidCommand(f"{product_id} is not a product of this seller", f"product_ids[{index}]")
        for index, product_id in enumerate(fields.get("product_ids", []))
        if product_id not in catalog.products
    ]
    if unknown:
        raise Problem.all_of(unknown)
    version = catalog.version + 1
    certification = Certification(
        id=catalog.next_id("c"),
        seller_id=catalog.seller.id,
        version=version,
        status=CertificationStatus.submitted,
        **fields,
    )
    if verifier:
        return _verified(catalog, principal, certification, today)
    submitted = _bump(
        catalog, version, certifications={**catalog.certifications, certification.id: certification}
    )
    event = contract.CertificationSubmitted(certification=certification_data(certification))
    return Decision(submitted, [event], certification)


def verify_certification(
    catalog: SellerCatalog, principal: Principal, certification_id: str, today: dt.date
) -> Decision[Certification]:
    """A certifier has checked a submitted certificate: it now counts for readiness."""
    current = _submitted(catalog, principal, certification_id)
    reviewed = current.model_copy(update={"version": catalog.version + 1})
    return _verified(catalog, principal, reviewed, today)


def reject_certification(
    catalog: SellerCatalog, principal: Principal, certification_id: str, reason: str
) -> Decision[Certification]:
    """A certifier refuses a submitted certificate, saying why (the seller may submit again)."""
    current = _submitted(catalog, principal, certification_id)
    version = catalog.version + 1
    certification = current.model_copy(
        update={
            "status": CertificationStatus.rejected,
            "rejected_reason": reason,
            "reviewed_by": principal.subject,
            "version": version,
        }
    )
    updated = _bump(
        catalog, version, certifications={**catalog.certifications, certification.id: certification}
    )
    event = contract.CertificationRejected(
        certification=certification_data(certification), reason=reason
    )
    return Decision(updated, [event], certification)


def _submitted(
    catalog: SellerCatalog, principal: Principal, certification_id: str
) -> Certification:
    """The certificate under review, once it is clear the principal may review it: a
    certifier or an organiser, never the seller."""
    if principal.role not in VERIFIERS:
        allowed = ", ".join(role.value for role in VERIFIERS)
        raise Forbidden(f"only a {allowed} verifies or rejects a certificate")
    current = catalog.certifications.get(certification_id)
    if current is None:
        raise NotFound(f"no certification {certification_id}")
    if current.status is not CertificationStatus.submitted:
        raise Conflict(
            f"the certification is {current.status.value}; only a submitted one is reviewed "
            "(a seller submits a new one to replace it)"
        )
    return current


def _verified(
    catalog: SellerCatalog, principal: Principal, certification: Certification, today: dt.date
) -> Decision[Certification]:
    """`certification` made valid by the principal's review, with what that announces: the
    grant, its expiry if it ended already, and the readiness it changes."""
    version = certification.version
    verified = certification.model_copy(
        update={"status": CertificationStatus.valid, "reviewed_by": principal.subject}
    )
    recorded = _bump(
        catalog, version, certifications={**catalog.certifications, verified.id: verified}
    )
    granted = contract.CertificationGranted(certification=certification_data(verified))
    # A certificate verified after its end date is announced as expired at once.
    expiry = _expire(recorded, today, version)
    readiness = _readiness_changes(catalog, expiry.catalog, today)
    events = [granted, *expiry.events, *readiness.events]
    return Decision(readiness.catalog, events, readiness.catalog.certifications[verified.id])


def revoke_certification(
    catalog: SellerCatalog,
    principal: Principal,
    certification_id: str,
    reason: str,
    today: dt.date,
) -> Decision[Certification]:
    """The seller withdraws a certificate, or a certifier or organiser revokes it."""
    if principal.role not in VERIFIERS:
        _require_owner(catalog, principal)
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
    readiness = _readiness_changes(catalog, updated, today)
    return Decision(readiness.catalog, [announced, *readiness.events], certification)


def expire_certifications(catalog: SellerCatalog, today: dt.date) -> Decision[list[Certification]]:
    """Mark the certifications past their end date as expired (nothing to do is no change)."""
    expiry = _expire(catalog, today, catalog.version + 1)
    if not expiry.events:
        return expiry
    readiness = _readiness_changes(catalog, expiry.catalog, today)
    return Decision(readiness.catalog, [*expiry.events, *readiness.events], expiry.changed)


def _expire(catalog: SellerCatalog, today: dt.date, version: int) -> Decision[list[Certification]]:
    lapsed = [c for c in catalog.certifications.values() if c.lapsed(today)]
    if not lapsed:
        return Decision(catalog, [], [])
    expired = {
        c.id: c.model_copy(update={"status": CertificationStatus.expired, "version": version})
        for c in lapsed
    }
    updated = _bump(catalog, version, certifications={**catalog.certifications, **expired})
    events: list[Event] = [
        contract.CertificationExpired(certification=certification_data(c)) for c in expired.values()
    ]
    return Decision(updated, events, list(expired.values()))


def _readiness_changes(
    before: SellerCatalog, after: SellerCatalog, today: dt.date
) -> Decision[list[Product]]:
    """`after` with each active product whose readiness or certificates changed carried at
    the aggregate's new version, and a ProductUpdated for each: a product's version says when
    any of what its events carry last changed, so a consumer that keeps the newest version
    takes the update."""
    changed = {
        product.id: product.model_copy(update={"version": after.version})
        for product in after.products.values()
        if product.status is ListingStatus.active
        and (
            before.readiness(product, today) != after.readiness(product, today)
            or before.in_force(product, today) != after.in_force(product, today)
        )
    }
    if not changed:
        return Decision(after, [], [])
    updated = _bump(after, after.version, products={**after.products, **changed})
    events: list[Event] = [
        contract.ProductUpdated(product=product_data(updated, product, today))
        for product in changed.values()
    ]
    return Decision(updated, events, list(changed.values()))


# -- rules every change shares ---------------------------------------------------------------
def _require_owner(catalog: SellerCatalog, principal: Principal) -> None:
    """Sellers change only their own data; organisers and services change anyone's."""
    if principal.is_staff:
        return
    if principal.role is Role.seller and catalog.seller.owner == principal.subject:
        return
    raise Forbidden(f"only the owner of seller {catalog.seller.id} or an organiser may change it")


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


def _bump(catalog: SellerCatalog, version: int, **parts: Any) -> SellerCatalog:
    return SellerCatalog(
        seller=catalog.seller.model_copy(update={"version": version}),
        products=parts.get("products", catalog.products),
        certifications=parts.get("certifications", catalog.certifications),
    )


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
        certification.model_dump(exclude={"revoked_reason", "rejected_reason"})
    )
