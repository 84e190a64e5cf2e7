"""Why a seller ranks where it does: the reasons shown with each of the k best, one sentence
each in words a delegate reads, with the points each adds to the score or costs it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import langcodes
import pycountry

from services.matching.ranking.index import CatalogIndex, ProductProfile, SellerProfile
from services.matching.ranking.query import ParsedQuery
from services.matching.ranking.scoring import (
    Candidate,
    ProductMatch,
    match_product,
    score_parts,
    text_match,
)
from services.matching.ranking.weights import (
    BILINGUAL_TERM,
    CAPACITY_POINTS,
    CERTIFICATION_POINTS,
    EXPORT_ELSEWHERE_POINTS,
    EXPORT_POINTS,
    LANGUAGE_POINTS,
    PROVINCE_POINTS,
    READINESS_POINTS,
    tier,
)
from services.matching.terms import BOTH

PROVINCE_NAMES = {
    "ID-NT": "East Nusa Tenggara", "ID-NB": "West Nusa Tenggara", "ID-BA": "Bali",
    "ID-JT": "Central Java", "ID-JI": "East Java", "ID-JB": "West Java", "ID-SN": "South Sulawesi",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str
    weight: float  # points of the score it adds, or (negative) what it costs of the maximum
    product_id: str | None = None


@dataclass(frozen=True, slots=True)
class SellerMatch:
    seller_id: str
    seller_name: str
    score: float  # 0-100
    relevance: float  # of its best product, 0-1
    reasons: tuple[Reason, ...]
    best_products: tuple[ProductMatch, ...]  # the one that decided the score first

    @property
    def tier(self) -> int:
        return tier(self.relevance)

    @property
    def products(self) -> tuple[ProductMatch, ...]:
        return self.best_products


def explain(parsed: ParsedQuery, index: CatalogIndex, candidate: Candidate) -> SellerMatch:
    relevance, score, seller_id, how, product_id = candidate
    seller = index.sellers[seller_id]
    best = ProductMatch(index.products[product_id], relevance, how)
    # The best product decided the score; up to two more matching ones are shown with it.
    others = [
        match
        for pid in sorted(index.products_of.get(seller_id, ()))
        if pid != product_id and index.products[pid].active
        if (match := match_product(parsed, index, index.products[pid])) is not None
    ]
    others.sort(key=lambda m: (-m.relevance, not m.product.ready, m.product.id))
    shown = (best, *others[:2])
    points = score_parts(parsed, seller, best.product, relevance)
    reasons = [
        Reason(how, describe(parsed, index, best), round(points["relevance"], 2), product_id)
    ]
    if how != "bilingual_term" and parsed.names_a_concept_of(best.product):
        # An HS code decided the relevance; the term it also matches is worth saying.
        as_concept = ProductMatch(best.product, BILINGUAL_TERM, "bilingual_term")
        reasons.append(
            Reason("bilingual_term", describe(parsed, index, as_concept), 0.0, product_id)
        )
    reasons += [
        Reason(o.how, "Also: " + describe(parsed, index, o), 0.0, o.product.id) for o in shown[1:]
    ]
    reasons += _product_reasons(parsed, best.product, points)
    reasons += _seller_reasons(parsed, seller)
    return SellerMatch(
        seller_id=seller_id,
        seller_name=seller.name,
        score=round(score, 2),
        relevance=relevance,
        reasons=tuple(reasons),
        best_products=shown,
    )


def describe(parsed: ParsedQuery, index: CatalogIndex, match: ProductMatch) -> str:
    """One sentence on why a product matches, naming the interest and the term or code."""
    product = match.product
    name, hs = product.name, product.hs_code
    if match.how in ("hs_code", "hs_heading", "hs_chapter"):
        level = {"hs_code": 6, "hs_heading": 4, "hs_chapter": 2}[match.how]
        code = next(c for c in parsed.hs_codes if len(c) >= level and hs[:level] == c[:level])
        part = {"hs_code": "subheading", "hs_heading": "heading", "hs_chapter": "chapter"}
        asked = "you asked for" if len(code) == level else f"of the code {code} you asked for"
        return f"{name} (HS {hs}) is in HS {part[match.how]} {code[:level]} {asked}"
    if match.how == "other_variety":
        concept = min(c for c in parsed.varieties if c in product.concepts)
        interest = next(i for i in parsed.interests if concept in i.varieties)
        offered = " and ".join(sorted(product.varieties[concept]))
        asked = " or ".join(sorted(parsed.varieties[concept]))
        what = concept.replace("_", " ")
        return (
            f"{name} is {what}, as your interest '{interest.text}' asks, but {offered}, not {asked}"
        )
    if match.how == "bilingual_term":
        parts = []
        interests = {interest.text: interest for interest in parsed.interests}
        for concept, named_by in parsed.concepts.items():
            if concept not in product.concepts:
                continue
            found = product.concepts[concept]
            for interest_text, asked_as in named_by:
                if not interests[interest_text].accepts(concept, product):
                    continue
                if found is None:
                    via = f"its HS code {hs}, which is {concept.replace('_', ' ')}"
                elif found.language not in (BOTH, asked_as.language):
                    language = "Indonesian" if found.language == "id" else "English"
                    via = f"the {language} term '{found.term}' (HS {hs[:4]})"
                else:
                    via = f"the term '{found.term}' (HS {hs[:4]})"
                parts.append(f"your interest '{interest_text}' via {via}")
        return f"{name} matches " + "; and ".join(parts)
    if match.how == "text":
        interest = max(parsed.interests, key=lambda i: text_match(i, index, product))
        shared = ", ".join(
            f"'{interest.spelled.get(w, w)}'" for w in sorted(interest.words & product.words)
        )
        return f"{name} shares the words {shared} with your interest '{interest.text}'"
    return f"{name} is in the {product.sector.replace('_', ' ')} sector you asked for"


def _product_reasons(
    parsed: ParsedQuery, product: ProductProfile, points: Mapping[str, float]
) -> list[Reason]:
    query = parsed.query
    reasons = []
    required = sorted(query.required_certifications)
    for kind in required:
        share = CERTIFICATION_POINTS / len(required)
        if kind in product.certifications:
            text = f"{product.name} holds the {kind} certification you require"
            reasons.append(Reason("certification_satisfied", text, round(share, 2), product.id))
        else:
            text = f"{product.name} lacks the {kind} certification you require"
            reasons.append(Reason("certification_missing", text, -round(share, 2), product.id))
    if product.ready:
        text = f"{product.name} is export-ready"
        reasons.append(Reason("export_ready", text, READINESS_POINTS, product.id))
    else:
        gaps = ", ".join(f"{kind} {why}" for kind, why in product.gaps) or "not assessed"
        text = f"{product.name} is not yet export-ready: {gaps}"
        cost = round(points["readiness"] - READINESS_POINTS, 2)
        reasons.append(Reason("readiness_gap", text, cost, product.id))
    volume = query.expected_volume
    if volume:
        capacity, unit = product.monthly_capacity, product.unit
        if capacity >= volume:
            text = (
                f"{product.name}: {capacity:g} {unit} a month, enough for the {volume:g} you expect"
            )
            reasons.append(Reason("capacity_ok", text, CAPACITY_POINTS, product.id))
        else:
            text = (
                f"{product.name}: {capacity:g} {unit} a month, short of the {volume:g} you expect"
            )
            cost = round(points["capacity"] - CAPACITY_POINTS, 2)
            reasons.append(Reason("capacity_short", text, cost, product.id))
    return reasons


def _seller_reasons(parsed: ParsedQuery, seller: SellerProfile) -> list[Reason]:
    query = parsed.query
    reasons = []
    country = (query.delegate_country or "").upper()
    if country and country in seller.export_countries:
        text = f"{seller.name} has exported to {country} before"
        reasons.append(Reason("prior_export", text, EXPORT_POINTS))
    elif seller.export_countries:
        places = ", ".join(sorted(seller.export_countries))
        text = f"{seller.name} has exported before (to {places})"
        reasons.append(Reason("prior_export", text, EXPORT_ELSEWHERE_POINTS))
    if parsed.languages:
        shared = parsed.languages & seller.languages
        if shared:
            text = f"{seller.name} speaks {_languages(shared)} with you"
            reasons.append(Reason("shared_language", text, LANGUAGE_POINTS))
        else:
            text = (
                f"{seller.name} speaks {_languages(seller.languages)}, you speak "
                f"{_languages(parsed.languages)}: an interpreter is needed"
            )
            reasons.append(Reason("interpreter_needed", text, -LANGUAGE_POINTS))
    if query.preferred_provinces and seller.province in query.preferred_provinces:
        place = province_name(seller.province)
        text = f"{seller.name} is in {place} ({seller.province}), a province you prefer"
        reasons.append(Reason("preferred_province", text, PROVINCE_POINTS))
    return reasons


def _languages(codes: Iterable[str]) -> str:
    names = sorted(language_name(code) for code in codes)
    if len(names) <= 1:
        return names[0] if names else "nothing"
    return ", ".join(names[:-1]) + " and " + names[-1]


def province_name(code: str) -> str:
    """English names for the provinces the expos draw from; the ISO 3166-2 name elsewhere."""
    if code in PROVINCE_NAMES:
        return PROVINCE_NAMES[code]
    subdivision = pycountry.subdivisions.get(code=code)
    return subdivision.name if subdivision is not None else code


@lru_cache(maxsize=1024)
def language_name(tag: str) -> str:
    """The English name of a language tag ("sn": "Shona", "tpi": "Tok Pisin") from CLDR; the
    tag itself when CLDR has no name for it."""
    name = langcodes.Language.get(tag).display_name()
    return tag if name.startswith("Unknown language") else name
