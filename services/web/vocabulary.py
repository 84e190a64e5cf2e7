"""The contracts' words as a reader says them: sectors, delegates' roles, certificates, the
reasons a product is not ready for export, and a product's name in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pycountry

from services.web import i18n
from services.web.messages import N_

SECTORS = {
    "coffee": N_("Coffee"), "cocoa": N_("Cocoa"), "cashew": N_("Cashew"),
    "seaweed": N_("Seaweed"), "salt": N_("Salt"), "fisheries": N_("Fisheries"),
    "woven_textiles": N_("Woven textiles (ikat, songket)"), "moringa": N_("Moringa"),
    "essential_oils": N_("Essential oils"), "batik": N_("Batik"), "footwear": N_("Footwear"),
    "processed_food": N_("Processed food"), "crafts": N_("Crafts"), "garments": N_("Garments"),
    "spices": N_("Spices"), "coconut": N_("Coconut"), "honey": N_("Honey"),
    "vanilla": N_("Vanilla"), "it_services": N_("IT services"), "machinery": N_("Machinery"),
    "pharmaceuticals": N_("Pharmaceuticals"),
}  # fmt: skip
ROLES = {
    "diplomat": N_("Diplomat"), "trade_attache": N_("Trade attaché"),
    "importer": N_("Importer"), "buyer": N_("Buyer"),
}  # fmt: skip
SALES_TERMS = {
    "consignment": N_("Consignment (konsinyasi)"),
    "outright_purchase": N_("Outright purchase (beli putus)"),
    "export_fob": N_("Export, FOB"),
    "export_cif": N_("Export, CIF"),
}
CERTIFICATES = {
    "halal": N_("Halal (BPJPH)"), "bpom": N_("BPOM permit (MD/ML)"),
    "pirt": N_("P-IRT home-industry permit"), "trademark": N_("Registered trademark (DJKI)"),
    "sni": N_("SNI national standard"), "organic": N_("Organic"),
    "english_label": N_("English label"), "haccp": N_("HACCP"), "fair_trade": N_("Fair trade"),
    "health_certificate": N_("Health certificate"),
}  # fmt: skip
GAPS = {
    "missing": N_("%(certificate)s: missing"),
    "expired": N_("%(certificate)s: expired"),
    "revoked": N_("%(certificate)s: revoked"),
    "unverified": N_("%(certificate)s: awaiting verification"),
    "rejected": N_("%(certificate)s: rejected"),
}


def country(code: str) -> str:
    return str(i18n.locale().territories.get(code, code))


def language(tag: str) -> str:
    """A language's name in the reader's language (`ja` is Jepang or Japanese)."""
    return str(i18n.locale().languages.get(tag.split("-")[0], tag))


def province(code: str) -> str:
    """ISO 3166-2's own name: Indonesia's provinces are called by their Indonesian names in
    either language (Nusa Tenggara Timur)."""
    found = pycountry.subdivisions.get(code=code)
    return str(found.name) if found is not None else code


def sector(code: str) -> str:
    return i18n._(SECTORS[code]) if code in SECTORS else code


def role(code: str) -> str:
    return i18n._(ROLES[code]) if code in ROLES else code


def sales_term(code: str) -> str:
    return i18n._(SALES_TERMS[code]) if code in SALES_TERMS else code


def certificate(code: str) -> str:
    return i18n._(CERTIFICATES[code]) if code in CERTIFICATES else code


def gap(kind: str, reason: str) -> str:
    template = GAPS.get(reason)
    return i18n._(template, certificate=certificate(kind)) if template else f"{kind}: {reason}"


@dataclass(frozen=True)
class Shown:
    """Text in the reader's language, or in the other one (`language` then says which, so the
    page marks it with `lang` and a visible sign)."""

    text: str
    language: str | None = None


def localized(text: dict[str, Any] | None) -> Shown:
    """A LocalizedText (`{"id": …, "en": …}`) for the reader."""
    reader = i18n.current().value
    other = "en" if reader == "id" else "id"
    text = text or {}
    if text.get(reader):
        return Shown(str(text[reader]))
    if text.get(other):
        return Shown(str(text[other]), other)
    return Shown("—")
