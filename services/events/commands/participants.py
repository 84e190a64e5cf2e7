"""Decisions on an expo's participants: delegates register (or are registered) and change
their profile; sellers of the catalog register as exhibitors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from services.events.access import (
    owns,
    require_exhibitor_or_organiser,
    require_organiser,
    require_self_or_organiser,
)
from services.events.domain import (
    DELEGATES_INDEX,
    EXHIBITORS_INDEX,
    SELLERS_INDEX,
    delegate_field,
    delegate_of_subject_field,
    exhibitor_field,
    exhibitor_of_seller_field,
    expand_availability,
    person_field,
    renamed_person,
)
from services.events.views import DelegateView, ExhibitorView, RegistrationView
from shared.atomic import Change
from shared.auth import Principal, Role
from shared.contracts.catalog import ListingStatus, SellerData
from shared.contracts.expo import (
    DelegateData,
    DelegateRegistered,
    DelegateUpdated,
    ExhibitorData,
    ExhibitorRegistered,
    ExhibitorUpdated,
    ExpoData,
    ExpoStatus,
)
from shared.errors import CommandConflict, Forbidden, InvalidCommand


@dataclass(frozen=True)
class Availability:
    """Whole sessions and/or single slots; both None for the whole expo."""

    sessions: list[str] | None = None
    slots: list[str] | None = None


def delegate_subject(principal: Principal, asked: str | None, generated: str) -> str:
    """Whose account the new delegate is: a delegate registers only themselves; organisers
    name the subject or get a generated one."""
    principal.require(Role.organiser, Role.delegate, Role.service)
    if principal.role is Role.delegate:
        if asked not in (None, principal.subject):
            raise InvalidCommand("a delegate registers only themselves", "subject")
        return principal.subject
    return asked or generated


def register_delegate(
    principal: Principal,
    view: RegistrationView,
    delegate_id: str,
    subject: str,
    profile: dict[str, Any],
    availability: Availability | None,
) -> tuple[Change, DelegateData]:
    if principal.role is not Role.delegate:
        require_organiser(principal, view.expo)
    _require_registration_open(view.expo)
    if view.registered_as is not None:
        raise CommandConflict(
            f"{subject} is already a delegate of this expo",
            "subject",
            code="delegate-registered",
            params={"delegate_id": view.registered_as, "name": profile["name"]},
        )
    if view.same_person is not None:
        raise CommandConflict(
            f"{profile['name']} of {profile['organisation']} is already delegate "
            f"{view.same_person} of this expo",
            "name",
            code="delegate-registered",
            params={"delegate_id": view.same_person, "name": profile["name"]},
        )
    delegate = DelegateData(
        id=delegate_id,
        expo_id=view.expo.id,
        subject=subject,
        available_slots=_slots(view.expo, availability),
        version=1,
        **profile,
    )
    change = Change()
    change.expect(delegate_of_subject_field(subject), None)
    change.put(delegate_of_subject_field(subject), delegate.id)
    change.put(delegate_field(delegate.id), delegate.model_dump_json())
    person = person_field(delegate.name, delegate.organisation, delegate.country)
    change.expect(person, None)
    change.put(person, delegate.id)
    change.add_to(DELEGATES_INDEX, delegate.id)
    change.announce(DelegateRegistered(delegate=delegate))
    return change, delegate


def update_delegate(
    principal: Principal,
    view: DelegateView,
    changes: dict[str, Any],
    availability: Availability | None,
    availability_given: bool,
) -> tuple[Change, DelegateData]:
    """`changes`: the profile fields given; availability replaced only when given."""
    require_self_or_organiser(principal, view.expo, view.delegate)
    delegate = view.delegate
    updated = _revised(delegate, changes, view.expo, availability, availability_given)
    change = _replacing(delegate_field(delegate.id), view.raw, updated)
    person = renamed_person(delegate, changes)
    if person is not None:
        # Renamed: the natural key moves with the delegate, unless it is someone else's.
        if view.raw.get(person) is not None:
            raise CommandConflict(
                f"{updated.name} of {updated.organisation} is already delegate "
                f"{view.raw[person]} of this expo",
                "name",
                code="delegate-registered",
                params={"delegate_id": view.raw[person], "name": updated.name},
            )
        change.expect(person, None)
        change.put(person, delegate.id)
        change.delete(person_field(delegate.name, delegate.organisation, delegate.country))
    change.announce(DelegateUpdated(delegate=updated))
    return change, updated


def register_exhibitor(
    principal: Principal,
    view: RegistrationView,
    seller: SellerData | None,
    seller_id: str,
    exhibitor_id: str,
    booth: str | None,
    availability: Availability | None,
    max_meetings: int | None,
) -> tuple[Change, ExhibitorData]:
    """`seller`: the catalog's seller as this service last heard of it (None: never)."""
    principal.require(Role.organiser, Role.seller, Role.service)
    if seller is None:
        raise InvalidCommand(
            f"no seller {seller_id} in the catalog (or not yet seen by this service)",
            "seller_id",
            code="seller-unseen",  # a seller registered a moment ago is on its way: retry
        )
    if seller.status is not ListingStatus.active:
        raise InvalidCommand(f"seller {seller.id} is delisted", "seller_id")
    if principal.role is Role.seller:
        if not owns(principal, seller):
            raise Forbidden(f"only the owner of {seller.id} or an organiser may register it")
    else:
        require_organiser(principal, view.expo)
    _require_registration_open(view.expo)
    if view.registered_as is not None:
        raise CommandConflict(f"{seller.name} already exhibits at this expo", "seller_id")
    exhibitor = ExhibitorData(
        id=exhibitor_id,
        expo_id=view.expo.id,
        seller_id=seller.id,
        seller_name=seller.name,
        booth=booth,
        available_slots=_slots(view.expo, availability),
        max_meetings=max_meetings,
        version=1,
    )
    change = Change()
    change.expect(exhibitor_of_seller_field(seller.id), None)
    change.put(exhibitor_of_seller_field(seller.id), exhibitor.id)
    change.put(exhibitor_field(exhibitor.id), exhibitor.model_dump_json())
    change.add_to(SELLERS_INDEX, seller.id)
    change.add_to(EXHIBITORS_INDEX, exhibitor.id)
    change.announce(ExhibitorRegistered(exhibitor=exhibitor))
    return change, exhibitor


def update_exhibitor(
    principal: Principal,
    view: ExhibitorView,
    changes: dict[str, Any],
    availability: Availability | None,
    availability_given: bool,
) -> tuple[Change, ExhibitorData]:
    """`changes`: the booth and meeting limit given; availability replaced only when given.
    The expo's organiser or the seller's owner may change them."""
    require_exhibitor_or_organiser(principal, view.expo, view.seller)
    exhibitor = view.exhibitor
    updated = _revised(exhibitor, changes, view.expo, availability, availability_given)
    change = _replacing(exhibitor_field(exhibitor.id), view.raw, updated)
    change.announce(ExhibitorUpdated(exhibitor=updated))
    return change, updated


Participant = TypeVar("Participant", DelegateData, ExhibitorData)


def _revised(
    participant: Participant,
    changes: dict[str, Any],
    expo: ExpoData,
    availability: Availability | None,
    availability_given: bool,
) -> Participant:
    """The participant with `changes` (checked as a whole again) and its next version."""
    if availability_given:
        changes = {**changes, "available_slots": _slots(expo, availability)}
    updated = participant.model_copy(update={**changes, "version": participant.version + 1})
    return type(participant).model_validate(updated.model_dump())


def _replacing(name: str, raw: dict[str, str], updated: Participant) -> Change:
    """A change putting `updated` in field `name`, if that is still as it was read."""
    change = Change()
    change.expect(name, raw[name])
    change.put(name, updated.model_dump_json())
    return change


def _slots(expo: ExpoData, availability: Availability | None) -> list[str] | None:
    if availability is None:
        return None
    return expand_availability(expo, availability.sessions, availability.slots)


def _require_registration_open(expo: ExpoData) -> None:
    if expo.status is ExpoStatus.closed:
        raise CommandConflict("the expo is closed")
