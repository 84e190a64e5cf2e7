"""Export readiness of a product: the certifications it still lacks, for a destination."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel

from services.catalog.domain import Product, SellerCatalog
from services.catalog.routes.dependencies import Store, today
from shared.auth import AUTHENTICATED
from shared.contracts.catalog import CertificationKind, GapReason
from shared.types import CountryCode, PathId

router = APIRouter(tags=["products"], dependencies=AUTHENTICATED)


class GapOut(BaseModel):
    kind: CertificationKind
    reason: GapReason
    detail: str


class ReadinessOut(BaseModel):
    ready: bool
    gaps: list[GapOut]
    assessed_on: dt.date
    destination: str | None = None


def readiness_out(
    catalog: SellerCatalog, product: Product, on: dt.date, destination: str | None = None
) -> ReadinessOut:
    readiness = catalog.readiness(product, on, destination)
    return ReadinessOut(
        ready=readiness.ready,
        gaps=[GapOut(kind=g.kind, reason=g.reason, detail=g.detail) for g in readiness.gaps],
        assessed_on=readiness.assessed_on,
        destination=destination,
    )


@router.get("/products/{product_id}/readiness")
async def product_readiness(
    product_id: PathId, store: Store, destination: CountryCode | None = None
) -> ReadinessOut:
    catalog, product = await store.load_product(product_id)
    return readiness_out(catalog, product, today(), destination)
