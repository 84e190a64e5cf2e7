"""The organiser's form for an exhibitor: its booth and meeting limit at this expo (the events
service's) and what the catalog holds of its seller, as inputs people fill (a province by name
or code, languages by name), and back into the two PATCH bodies. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.web.imports import languages, province_code

TEXT_FIELDS = (
    "booth", "max_meetings", "name", "province", "regency", "languages", "brand", "phone", "email",
)  # fmt: skip


@dataclass(frozen=True)
class SellerForm:
    booth: str = ""
    max_meetings: str = ""  # empty: no limit
    name: str = ""
    province: str = ""
    regency: str = ""
    languages: str = ""
    brand: str = ""
    phone: str = ""
    email: str = ""
    sectors: list[str] = field(default_factory=list)
    sales_terms: list[str] = field(default_factory=list)

    @classmethod
    def from_exhibitor(cls, exhibitor: dict[str, Any], seller: dict[str, Any]) -> SellerForm:
        contact = seller.get("contact") or {}
        limit = exhibitor.get("max_meetings")
        return cls(
            booth=exhibitor.get("booth") or "",
            max_meetings="" if limit is None else str(limit),
            name=seller["name"],
            province=seller["province"],
            regency=seller["regency"],
            languages=", ".join(seller["languages"]),
            brand=seller.get("brand") or "",
            phone=contact.get("phone") or "",
            email=contact.get("email") or "",
            sectors=list(seller["sectors"]),
            sales_terms=list(seller["sales_terms"]),
        )

    @classmethod
    def from_form(cls, single: dict[str, str], multiple: dict[str, list[str]]) -> SellerForm:
        return cls(
            **{name: single.get(name, "").strip() for name in TEXT_FIELDS},
            sectors=multiple.get("sectors", []),
            sales_terms=multiple.get("sales_terms", []),
        )

    def exhibitor_body(self) -> dict[str, Any]:
        """The events service's PATCH body: an empty booth is none yet, an empty limit none;
        a limit that is not a number goes as typed, for the API to name."""
        limit = self.max_meetings
        return {
            "booth": self.booth or None,
            "max_meetings": int(limit) if limit.isdigit() else (limit or None),
        }

    def seller_body(self, contact: dict[str, Any]) -> dict[str, Any]:
        """The catalog's PATCH body; `contact` is the seller's, whose other parts the form
        leaves as they are."""
        return {
            "name": self.name,
            "province": province_code(self.province),
            "regency": self.regency,
            "languages": languages(self.languages),
            "sectors": self.sectors,
            "sales_terms": self.sales_terms,
            "brand": self.brand or None,
            "contact": {**contact, "phone": self.phone or None, "email": self.email or None},
        }
