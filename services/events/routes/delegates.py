"""An expo's delegates: diplomats, trade attachés and buyers, with what they look for."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, ValidationError

from services.events import queries, usecases
from services.events.domain import person_field
from services.events.routes.dependencies import AvailabilityIn, Store, availability
from shared.auth import AUTHENTICATED, CurrentPrincipal, Role
from shared.contracts.catalog import CertificationKind, Sector
from shared.contracts.expo import DelegateData, DelegateRole
from shared.errors import Forbidden, NotFound, Problem
from shared.http import FieldError, Paging, Patch, Strict, field_errors, problem_errors
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

    name: ShortText | None = None
    country: CountryCode | None = None
    organisation: ShortText | None = None
    role: DelegateRole | None = None
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


MAX_BATCH = 1000  # an import file's rows; a regional expo has hundreds of delegates


class BatchIn(Strict):
    delegates: list[dict[str, Any]] = Field(max_length=MAX_BATCH)
    dry_run: bool = Field(False, description="Check every row, register none")


class BatchRowOut(BaseModel):
    row: int
    status: Literal["created", "valid", "exists", "repeated", "invalid", "refused"]
    delegate: DelegateData | None = None
    existing_id: str | None = Field(None, description="status exists: the delegate it is")
    same_as_row: int | None = Field(None, description="status repeated: the earlier row")
    errors: list[FieldError] = Field(default_factory=list)


class BatchOut(BaseModel):
    results: list[BatchRowOut]


@router.post("/batch")
async def register_delegates(
    expo_id: PathId, body: BatchIn, principal: CurrentPrincipal, store: Store
) -> BatchOut:
    """Register many delegates (an import), each row on its own: a row that breaks a rule
    is reported with its fields' errors and codes, one that is a delegate already (the same
    subject, or the same name, organisation and country) as `exists` with its id. With
    `dry_run` nothing is registered: the same answers, as a preview."""
    principal.require(Role.organiser, Role.service)
    results: list[BatchRowOut] = []
    seen: dict[str, int] = {}  # a person's key → the first row naming them
    for row, raw in enumerate(body.delegates):
        try:
            delegate = DelegateIn.model_validate(raw)
        except ValidationError as invalid:
            results.append(BatchRowOut(row=row, status="invalid", errors=field_errors(invalid)))
            continue
        person = person_field(delegate.name, delegate.organisation, delegate.country)
        if person in seen:
            results.append(BatchRowOut(row=row, status="repeated", same_as_row=seen[person]))
            continue
        seen[person] = row
        profile = delegate.model_dump(exclude={"availability", "subject"})
        args = (store, principal, expo_id, profile, availability(delegate.availability))
        try:
            if body.dry_run:
                await usecases.check_delegate(*args, delegate.subject)
                results.append(BatchRowOut(row=row, status="valid"))
            else:
                made = await usecases.register_delegate(*args, delegate.subject)
                results.append(BatchRowOut(row=row, status="created", delegate=made))
        except Problem as refused:
            if refused.status >= 500 or isinstance(refused, NotFound | Forbidden):
                raise  # the expo, not the row: the whole batch is refused
            known = refused.code == "delegate-registered"
            results.append(
                BatchRowOut(
                    row=row,
                    status="exists" if known else "refused",
                    existing_id=str(refused.params["delegate_id"]) if known else None,
                    errors=problem_errors(refused),
                )
            )
    return BatchOut(results=results)


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
