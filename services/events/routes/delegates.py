"""An expo's delegates: diplomats, trade attachés and buyers, with what they look for."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import Field

from services.events import queries, usecases
from services.events.routes.dependencies import AvailabilityIn, Store, availability
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.contracts.catalog import CertificationKind, Sector
from shared.contracts.expo import DelegateData, DelegateRole
from shared.http import Paging, Patch, Strict
from shared.paging import Page
from shared.types import (
    CountryCode,
    HsPrefix,
    Identifier,
    LanguageTag,
    PathId,
    ShortText,
    SubdivisionCode,
)

router = APIRouter(
    prefix="/expos/{expo_id}/delegates", tags=["delegates"], dependencies=AUTHENTICATED
)


class DelegateIn(Strict):
    name: ShortText = Field(examples=["Kenji Watanabe"])
    country: CountryCode
    organisation: ShortText = Field(examples=["Embassy of Japan, Jakarta"])
    role: DelegateRole
    languages: list[LanguageTag] = Field(min_length=1, max_length=10)
    interests: list[ShortText] = Field(default_factory=list, max_length=20)
    sectors: list[Sector] = Field(default_factory=list, max_length=21)
    hs_codes: list[HsPrefix] = Field(default_factory=list, max_length=50)
    required_certifications: list[CertificationKind] = Field(default_factory=list, max_length=10)
    preferred_provinces: list[SubdivisionCode] = Field(default_factory=list, max_length=38)
    availability: AvailabilityIn | None = None
    max_meetings: int | None = Field(None, ge=0, le=500)
    subject: Identifier | None = Field(
        None, description="The delegate's account subject (organisers only; delegates are self)"
    )


class DelegatePatch(Patch):
    clearable = frozenset({"max_meetings"})  # null: no limit

    interests: list[ShortText] | None = Field(None, max_length=20)
    sectors: list[Sector] | None = Field(None, max_length=21)
    hs_codes: list[HsPrefix] | None = Field(None, max_length=50)
    required_certifications: list[CertificationKind] | None = Field(None, max_length=10)
    preferred_provinces: list[SubdivisionCode] | None = Field(None, max_length=38)
    languages: list[LanguageTag] | None = Field(None, min_length=1, max_length=10)
    availability: AvailabilityIn | None = None
    max_meetings: int | None = Field(None, ge=0, le=500)


@router.post("", status_code=status.HTTP_201_CREATED)
async def register_delegate(
    expo_id: PathId, body: DelegateIn, principal: CurrentPrincipal, store: Store
) -> DelegateData:
    profile = body.model_dump(exclude={"availability", "subject"})
    return await usecases.register_delegate(
        store, principal, expo_id, profile, availability(body.availability), body.subject
    )


@router.get("")
async def list_delegates(
    expo_id: PathId,
    principal: CurrentPrincipal,
    store: Store,
    page: Paging,
    country: CountryCode | None = None,
) -> Page[DelegateData]:
    return page.page(await queries.delegates(store, principal, expo_id, country))


@router.get("/{delegate_id}")
async def get_delegate(
    expo_id: PathId, delegate_id: PathId, principal: CurrentPrincipal, store: Store
) -> DelegateData:
    return await queries.delegate(store, principal, expo_id, delegate_id)


@router.patch("/{delegate_id}")
async def update_delegate(
    expo_id: PathId,
    delegate_id: PathId,
    body: DelegatePatch,
    principal: CurrentPrincipal,
    store: Store,
) -> DelegateData:
    changes = body.model_dump(exclude_unset=True, exclude={"availability"})
    return await usecases.update_delegate(
        store,
        principal,
        expo_id,
        delegate_id,
        changes,
        availability(body.availability),
        "availability" in body.model_fields_set,
    )
