"""Who may act on what in an expo: the authorisation rules the use cases apply beside the
decisions they guard. Pure: the principal and the entities in, an error or nothing out.

Access is decided on (role, subject) together, and an organiser is staff only of the expos
they organise: for any other expo they are an outsider like any delegate or seller."""

from __future__ import annotations

from shared.auth import Principal, Role
from shared.contracts.catalog import SellerData
from shared.contracts.expo import DelegateData, ExpoData
from shared.errors import Forbidden


def runs(principal: Principal, expo: ExpoData) -> bool:
    """The expo's own organiser, or a service acting for the system."""
    return principal.role is Role.service or (
        principal.role is Role.organiser and principal.subject == expo.organiser
    )


def require_organiser(principal: Principal, expo: ExpoData) -> None:
    if not runs(principal, expo):
        raise Forbidden(f"only the organiser of expo {expo.id} may do this")


def is_delegate(principal: Principal, delegate: DelegateData) -> bool:
    return principal.role is Role.delegate and delegate.subject == principal.subject


def require_self_or_organiser(principal: Principal, expo: ExpoData, delegate: DelegateData) -> None:
    if runs(principal, expo) or is_delegate(principal, delegate):
        return
    raise Forbidden("a delegate sees only their own data; an organiser those of their expos")


def owns(principal: Principal, seller: SellerData | None) -> bool:
    return (
        principal.role is Role.seller and seller is not None and seller.owner == principal.subject
    )


def require_exhibitor_or_organiser(
    principal: Principal, expo: ExpoData, seller: SellerData | None
) -> None:
    if runs(principal, expo) or owns(principal, seller):
        return
    raise Forbidden("a seller sees only their own meetings; an organiser those of their expos")


def is_party(
    principal: Principal, expo: ExpoData, delegate: DelegateData, seller: SellerData | None
) -> bool:
    """The expo's organiser sees every request; a delegate or a seller only their own."""
    return runs(principal, expo) or is_delegate(principal, delegate) or owns(principal, seller)


def require_party(
    principal: Principal, expo: ExpoData, delegate: DelegateData, seller: SellerData | None
) -> None:
    """The expo's organiser, and the meeting's delegate or seller, may cancel it or record
    its outcome."""
    if principal.role is Role.organiser:
        require_organiser(principal, expo)
    elif not is_party(principal, expo, delegate, seller):
        raise Forbidden("only the meeting's delegate or seller, or the organiser, may do this")
