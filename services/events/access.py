"""Who may act on what in an expo: the authorisation rules the use cases apply beside the
decisions they guard. Pure: the principal and the entities in, an error or nothing out."""

from __future__ import annotations

from shared.auth import Principal, Role
from shared.contracts.catalog import SellerData
from shared.contracts.expo import DelegateData, ExpoData
from shared.errors import Forbidden


def require_organiser(principal: Principal, expo: ExpoData) -> None:
    """The expo's own organiser, or a service; organisers of other expos may not."""
    if principal.role is Role.service:
        return
    if principal.role is Role.organiser and principal.subject == expo.organiser:
        return
    raise Forbidden(f"only the organiser of expo {expo.id} may do this")


def require_self_or_staff(principal: Principal, delegate: DelegateData) -> None:
    if principal.is_staff or (
        principal.role is Role.delegate and delegate.subject == principal.subject
    ):
        return
    raise Forbidden("a delegate sees only their own data")


def owns(principal: Principal, seller: SellerData | None) -> bool:
    return (
        principal.role is Role.seller and seller is not None and seller.owner == principal.subject
    )


def require_exhibitor_or_staff(principal: Principal, seller: SellerData | None) -> None:
    if principal.is_staff or owns(principal, seller):
        return
    raise Forbidden("a seller sees only their own meetings")


def is_party(principal: Principal, delegate: DelegateData, seller: SellerData | None) -> bool:
    """Staff see every request; a delegate or a seller only their own."""
    if principal.is_staff:
        return True
    if principal.role is Role.delegate:
        return delegate.subject == principal.subject
    return owns(principal, seller)


def require_party(
    principal: Principal, expo: ExpoData, delegate: DelegateData, seller: SellerData | None
) -> None:
    """Organisers of the expo, and the meeting's delegate or seller, may cancel it or record
    its outcome."""
    if principal.role is Role.organiser:
        require_organiser(principal, expo)
    elif not is_party(principal, delegate, seller):
        raise Forbidden("only the meeting's delegate or seller, or the organiser, may do this")
