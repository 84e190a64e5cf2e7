"""Certification routes: submit or record a seller's certificate, review it (verify or
reject), list them (a seller's, or every one awaiting review), and revoke one."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, model_validator

from services.catalog import commands
from services.catalog.domain import Certification, seller_id_of
from services.catalog.routes.dependencies import Store, today
from shared.auth import AUTHENTICATED, CurrentPrincipal
from shared.contracts.catalog import CertificationKind, CertificationStatus
from shared.http import Paging, Strict
from shared.paging import Page
from shared.types import Identifier, PathId, ShortText

router = APIRouter(tags=["certifications"], dependencies=AUTHENTICATED)


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


class RejectionIn(Strict):
    reason: ShortText = Field(
        examples=["The number is not in the BPJPH registry; send the certificate's scan"]
    )


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
    rejected_reason: str | None
    reviewed_by: str | None
    version: int


def certification_out(certification: Certification) -> CertificationOut:
    return CertificationOut.model_validate(certification.model_dump())


@router.post("/sellers/{seller_id}/certifications", status_code=status.HTTP_201_CREATED)
async def record_certification(
    seller_id: PathId, body: CertificationIn, principal: CurrentPrincipal, store: Store
) -> CertificationOut:
    """A seller submits a certificate (`submitted` until a certifier reviews it); a certifier
    or organiser records one from the document, `valid` at once."""
    on = today()
    fields = body.model_dump()
    decision = await store.change(
        seller_id, lambda catalog: commands.record_certification(catalog, principal, fields, on)
    )
    return certification_out(decision.changed)


@router.get("/sellers/{seller_id}/certifications")
async def list_certifications(
    seller_id: PathId, store: Store, status: CertificationStatus | None = None
) -> list[CertificationOut]:
    catalog = await store.load(seller_id)
    return [
        certification_out(c)
        for c in sorted(catalog.certifications.values(), key=lambda c: c.id)
        if status is None or c.status is status
    ]


@router.get("/certifications/awaiting-review")
async def awaiting_review(store: Store, page: Paging) -> Page[CertificationOut]:
    """Every submitted certificate, seller by seller: a certifier's work list."""
    waiting = [
        certification_out(c)
        for catalog in await store.catalogs_awaiting_review()
        for c in sorted(catalog.certifications.values(), key=lambda c: c.id)
        if c.status is CertificationStatus.submitted
    ]
    return page.page(waiting)


@router.post("/certifications/{certification_id}/verify")
async def verify_certification(
    certification_id: PathId, principal: CurrentPrincipal, store: Store
) -> CertificationOut:
    """The certifier (the token's subject) has checked the document: it counts from now."""
    on = today()
    decision = await store.change(
        seller_id_of(certification_id),
        lambda catalog: commands.verify_certification(catalog, principal, certification_id, on),
    )
    return certification_out(decision.changed)


@router.post("/certifications/{certification_id}/reject")
async def reject_certification(
    certification_id: PathId, body: RejectionIn, principal: CurrentPrincipal, store: Store
) -> CertificationOut:
    decision = await store.change(
        seller_id_of(certification_id),
        lambda catalog: commands.reject_certification(
            catalog, principal, certification_id, body.reason
        ),
    )
    return certification_out(decision.changed)


@router.post("/certifications/{certification_id}/revoke")
async def revoke_certification(
    certification_id: PathId, body: RevocationIn, principal: CurrentPrincipal, store: Store
) -> CertificationOut:
    on = today()
    decision = await store.change(
        seller_id_of(certification_id),
        lambda catalog: commands.revoke_certification(
            catalog, principal, certification_id, body.reason, on
        ),
    )
    return certification_out(decision.changed)
