"""How relevant one product is to a query and why, and the points a seller gets from it: what
the search works out in bulk through the index, for one product at a time."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from services.matching.ranking.index import (
    CatalogIndex,
    ProductProfile,
    SellerProfile,
    certification_bits,
)
from services.matching.ranking.query import Interest, ParsedQuery
from services.matching.ranking.weights import (
    BILINGUAL_TERM,
    CAPACITY_POINTS,
    CERTIFICATION_POINTS,
    EXPORT_ELSEWHERE_POINTS,
    EXPORT_POINTS,
    HS_CHAPTER,
    HS_CODE,
    HS_HEADING,
    LANGUAGE_POINTS,
    MIN_TEXT_SHARE,
    OTHER_VARIETY,
    PROVINCE_POINTS,
    RELEVANCE_POINTS,
    SECTOR,
    TEXT,
)


@dataclass(frozen=True, slots=True)
class ProductMatch:
    product: ProductProfile
    relevance: float
    how: str  # hs_code | bilingual_term | hs_heading | other_variety | hs_chapter | sector | text


# (relevance, score, seller id, how its best product matched, that product's id): plain tuples,
# because thousands are made per query and only the k shown become `SellerMatch`es.
Candidate = tuple[float, float, str, str, str]


class Scorer:
    """The query's side of the score, worked out once. `breakdown` gives the parts one by one
    (for the reasons); `product_points` sums a product's parts (for bounds), and
    `search._Search._best_of` inlines the same sum, term for term, for the hot path."""

    def __init__(self, parsed: ParsedQuery) -> None:
        query = parsed.query
        self.required = frozenset(query.required_certifications)
        self.required_bits = certification_bits(self.required)
        self.certification_unit = (
            CERTIFICATION_POINTS / len(self.required) if self.required else 0.0
        )
        self.volume = query.expected_volume or None
        self.country = (query.delegate_country or "").upper()
        self.languages = parsed.languages
        self.provinces = frozenset(query.preferred_provinces)

    def certifications(self, bits: int) -> float:
        if not self.required_bits:
            return CERTIFICATION_POINTS
        return self.certification_unit * (bits & self.required_bits).bit_count()

    def capacity(self, monthly_capacity: float) -> float:
        if self.volume is None:
            return CAPACITY_POINTS
        return CAPACITY_POINTS * min(1.0, monthly_capacity / self.volume)

    def product_points(self, readiness: float, bits: int, monthly_capacity: float) -> float:
        return readiness + self.certifications(bits) + self.capacity(monthly_capacity)

    def exports(self, seller: SellerProfile) -> float:
        if self.country in seller.export_countries:
            return EXPORT_POINTS
        return EXPORT_ELSEWHERE_POINTS if seller.export_countries else 0.0

    def language(self, seller: SellerProfile) -> float:
        shared = not self.languages or not self.languages.isdisjoint(seller.languages)
        return LANGUAGE_POINTS if shared else 0.0

    def province(self, seller: SellerProfile) -> float:
        preferred = not self.provinces or seller.province in self.provinces
        return PROVINCE_POINTS if preferred else 0.0

    def seller_points(self, seller: SellerProfile) -> float:
        return self.exports(seller) + self.language(seller) + self.province(seller)

    def breakdown(
        self, seller: SellerProfile, product: ProductProfile, relevance: float
    ) -> dict[str, float]:
        return {
            "relevance": RELEVANCE_POINTS * relevance,
            "certifications": self.certifications(product.certification_bits),
            "readiness": product.readiness_points,
            "exports": self.exports(seller),
            "capacity": self.capacity(product.monthly_capacity),
            "language": self.language(seller),
            "province": self.province(seller),
        }


def score_parts(
    parsed: ParsedQuery, seller: SellerProfile, product: ProductProfile, relevance: float
) -> dict[str, float]:
    """The score a seller gets from one product, part by part (the reasons explain these):
    relevance, certifications, readiness, exports, capacity, language, province."""
    return Scorer(parsed).breakdown(seller, product, relevance)


def _idf(word: str, index: CatalogIndex) -> float:
    """Rare words say more: a word in every product weighs ~1, one in none the most."""
    return math.log((1 + len(index.products)) / (1 + len(index.with_word(word)))) + 1


def _word_weights(interest: Interest, index: CatalogIndex) -> tuple[list[tuple[float, str]], float]:
    """The interest's words with their IDF weights, heaviest first, and their total."""
    weights = sorted(((_idf(word, index), word) for word in interest.words), reverse=True)
    return weights, sum(weight for weight, _ in weights)


def text_relevance(interest: Interest, index: CatalogIndex) -> dict[str, float]:
    """Products whose words carry at least MIN_TEXT_SHARE of the interest's IDF weight:
    TEXT times that share. Words too common to reach the share alone never list candidates (their
    postings are the longest); they only add to the share of products found otherwise."""
    if not interest.words:
        return {}
    weights, total = _word_weights(interest, index)
    needed = MIN_TEXT_SHARE * total
    # The commonest words whose weights together stay below `needed` cannot make a match.
    listing, remaining = 0, total
    while remaining >= needed and listing < len(weights):
        remaining -= weights[listing][0]
        listing += 1
    shares: dict[str, float] = defaultdict(float)
    for weight, word in weights[:listing]:
        for product_id in index.with_word(word):
            shares[product_id] += weight
    for weight, word in weights[listing:]:
        postings = index.with_word(word)
        for product_id in shares:
            if product_id in postings:
                shares[product_id] += weight
    return {
        product_id: TEXT * share / total for product_id, share in shares.items() if share >= needed
    }


def match_product(
    parsed: ParsedQuery, index: CatalogIndex, product: ProductProfile
) -> ProductMatch | None:
    """How relevant one product is and why; the same answer the indexes give in bulk."""
    relevance, how = 0.0, ""
    for level, relevance_there, name in ((6, HS_CODE, "hs_code"), (4, HS_HEADING, "hs_heading")):
        if relevance < relevance_there and any(
            len(c) >= level and product.hs_code[:level] == c[:level] for c in parsed.hs_codes
        ):
            relevance, how = relevance_there, name
    if relevance < BILINGUAL_TERM and parsed.names_a_concept_of(product):
        relevance, how = BILINGUAL_TERM, "bilingual_term"
    if relevance < OTHER_VARIETY and not parsed.concept_names.isdisjoint(product.concepts):
        relevance, how = OTHER_VARIETY, "other_variety"
    if relevance < HS_CHAPTER and any(product.hs_code[:2] == c[:2] for c in parsed.hs_codes):
        relevance, how = HS_CHAPTER, "hs_chapter"
    if relevance < SECTOR and product.sector in parsed.sectors:
        relevance, how = SECTOR, "sector"
    if relevance < TEXT:
        for interest in parsed.interests:
            if not interest.words & product.words:
                continue
            by_text = text_match(interest, index, product)
            if by_text > relevance:
                relevance, how = by_text, "text"
    return ProductMatch(product, relevance, how) if how else None


def text_match(interest: Interest, index: CatalogIndex, product: ProductProfile) -> float:
    """`text_relevance` for one product (0: no match), summed in the same order so that both
    give the same float."""
    if not interest.words:
        return 0.0
    weights, total = _word_weights(interest, index)
    shared = 0.0
    for weight, word in weights:
        if word in product.words:
            shared += weight
    return TEXT * shared / total if shared >= MIN_TEXT_SHARE * total else 0.0
