"""The organiser's form for a delegate's details: what the delegate record holds, as inputs
people fill (languages and a country by name in either language, interests one per line),
and back into the events API's PATCH body. Pure: no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from services.web.imports import country_code, languages

TEXT_FIELDS = ("name", "organisation", "country", "role", "languages", "interests", "max_meetings")


@dataclass(frozen=True)
class DelegateForm:
    name: str = ""
    organisation: str = ""
    country: str = ""
    role: str = ""
    languages: str = ""  # as typed: "Japanese, English" or "ja, en"
    interests: str = ""  # one per line
    max_meetings: str = ""  # empty: no limit
    sectors: list[str] = field(default_factory=list)
    required_certifications: list[str] = field(default_factory=list)

    @classmethod
    def from_delegate(cls, delegate: dict[str, Any]) -> DelegateForm:
        limit = delegate.get("max_meetings")
        return cls(
            name=delegate["name"],
            organisation=delegate["organisation"],
            country=delegate["country"],
            role=delegate["role"],
            languages=", ".join(delegate["languages"]),
            interests="\n".join(delegate["interests"]),
            max_meetings="" if limit is None else str(limit),
            sectors=list(delegate["sectors"]),
            required_certifications=list(delegate["required_certifications"]),
        )

    @classmethod
    def from_form(cls, single: dict[str, str], multiple: dict[str, list[str]]) -> DelegateForm:
        return cls(
            **{name: single.get(name, "").strip() for name in TEXT_FIELDS},
            sectors=multiple.get("sectors", []),
            required_certifications=multiple.get("required_certifications", []),
        )

    def body(self) -> dict[str, Any]:
        """The PATCH body: every field the form shows, so what the page says is what is kept."""
        limit = self.max_meetings
        return {
            "name": self.name,
            "organisation": self.organisation,
            "country": country_code(self.country),
            "role": self.role,
            "languages": languages(self.languages),
            "interests": [
                line.strip() for line in re.split(r"[\n;]", self.interests) if line.strip()
            ],
            "max_meetings": int(limit) if limit.isdigit() else (limit or None),
            "sectors": self.sectors,
            "required_certifications": self.required_certifications,
        }
