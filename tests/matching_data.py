"""Sellers and products as the catalog publishes them, for matching tests and benchmarks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.contracts.catalog import (
    Contact,
    ExportReadiness,
    ListingStatus,
    LocalizedLongText,
    LocalizedText,
    ProductData,
    ReadinessGap,
    SellerData,
)


def seller(ident: str, **overrides: Any) -> SellerData:
    fields: dict[str, Any] = {
        "id": ident,
        "name": f"UMKM {ident}",
        "province": "ID-NT",
        "regency": "Kupang",
        "sectors": ["coffee"],
        "languages": ["id"],
        "contact": Contact(),
        "export_countries": [],
        "sales_terms": ["outright_purchase"],
        "status": ListingStatus.active,
        "version": 1,
    }
    fields.update(overrides)
    return SellerData(**fields)


def product(
    ident: str,
    seller_id: str,
    name_id: str | None = None,
    name_en: str | None = None,
    hs_code: str = "090111",
    sector: str = "coffee",
    gaps: list[tuple[str, str]] | None = None,
    **overrides: Any,
) -> ProductData:
    fields: dict[str, Any] = {
        "id": ident,
        "seller_id": seller_id,
        "name": LocalizedText(id=name_id, en=name_en),
        "description": LocalizedLongText(),
        "hs_code": hs_code,
        "sector": sector,
        "unit": "kg",
        "price": None,
        "monthly_capacity": 1000,
        "minimum_order": 10,
        "packaged": False,
        "branded": False,
        "certifications": [],
        "readiness": ExportReadiness(
            ready=not gaps,
            gaps=[
                ReadinessGap(kind=kind, reason=reason, detail=f"{kind} {reason}")
                for kind, reason in gaps or []
            ],
            assessed_on=dt.date(2019, 11, 1),
        ),
        "status": ListingStatus.active,
        "version": 1,
    }
    fields.update(overrides)
    return ProductData(**fields)
