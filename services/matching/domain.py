"""Ranking sellers for a delegate's interests, with the reasons for each rank.

Pure: no I/O and no framework. The catalogue lives in a `CatalogIndex` (inverted indexes by
concept, HS prefix, word and sector, updated one seller or product at a time), so a query
scores only the products that can match it.

Relevance of a product to the interests, strongest first: the same HS subheading (1.0) or
heading (0.85) or chapter (0.6); the same concept through the bilingual term list, in either
language or through the product's HS code (0.9); the share of the interest's words found in
the product's text (up to 0.7); the same sector (0.5). A seller's score out of 100 adds to its
best product's relevance (50) the required certifications held (15), export readiness (10),
earlier exports to the delegate's country (8), capacity against the expected volume (7), a
shared language (5) and a preferred province (5). Sellers rank by relevance tier first — no
bonus lifts a seller above one whose products match the interests better — then by score.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.matching.terms import ConceptHit, content_words, term_list
from shared.contracts.catalog import ListingStatus, ProductData, SellerData

MAX_K = 50
STRONG, GOOD = 0.85, 0.6  # relevance tiers
LANGUAGE_NAMES = {"en": "English", "id": "Indonesian"}


class InvalidQuery(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


# -- the read model as the ranking sees it ---------------------------------------------------
@dataclass(frozen=True)
class SellerProfile:
    id: str
    name: str
    province: str
    languages: frozenset[str]  # primary subtags: "en-AU" counts as "en"
    export_countries: frozenset[str]
    active: bool

    @classmethod
    def of(cls, seller: SellerData) -> SellerProfile:
        return cls(
            id=seller.id,
            name=seller.name,
            province=seller.province,
            languages=frozenset(tag.split("-")[0].lower() for tag in seller.languages),
            export_countries=frozenset(seller.export_countries),
            active=seller.status is ListingStatus.active,
        )


@dataclass(frozen=True)
class ProductProfile:
    id: str
    seller_id: str
    name: str
    hs_code: str
    sector: str
    unit: str
    monthly_capacity: float
    certifications: frozenset[str]
    ready: bool
    gaps: tuple[tuple[str, str], ...]  # (certification kind, missing | expired | revoked)
    active: bool
    concepts: Mapping[str, ConceptHit | None]  # None: the concept comes from the HS code
    words: frozenset[str]

    @classmethod
    def of(cls, product: ProductData) -> ProductProfile:
        texts = [product.name.id, product.name.en, product.description.id, product.description.en]
        text = " ".join(t for t in texts if t)
        concepts: dict[str, ConceptHit | None] = dict.fromkeys(term_list().for_hs(product.hs_code))
        for hit in term_list().find(text):
            concepts.setdefault(hit.concept, hit)
            if concepts[hit.concept] is None:
                concepts[hit.concept] = hit
        return cls(
            id=product.id,
            seller_id=product.seller_id,
            name=product.name.en or product.name.id or product.id,
            hs_code=product.hs_code,
            sector=product.sector.value,
            unit=product.unit,
            monthly_capacity=product.monthly_capacity,
            certifications=frozenset(c.value for c in product.certifications),
            ready=product.readiness.ready,
            gaps=tuple((g.kind.value, g.reason.value) for g in product.readiness.gaps),
            active=product.status is ListingStatus.active,
            concepts=concepts,
            words=frozenset(content_words(text)),
        )


class CatalogIndex:
    """Sellers and products with inverted indexes; updated one entity at a time."""

    def __init__(self) -> None:
        self.sellers: dict[str, SellerProfile] = {}
        self.products: dict[str, ProductProfile] = {}
        self.products_of: dict[str, set[str]] = defaultdict(set)
        self._by_concept: dict[str, set[str]] = defaultdict(set)
        self._by_hs: dict[str, set[str]] = defaultdict(set)
        self._by_word: dict[str, set[str]] = defaultdict(set)
        self._by_sector: dict[str, set[str]] = defaultdict(set)

    def upsert_seller(self, seller: SellerProfile) -> None:
        self.sellers[seller.id] = seller

    def remove_seller(self, seller_id: str) -> None:
        self.sellers.pop(seller_id, None)
        for product_id in list(self.products_of.get(seller_id, ())):
            self.remove_product(product_id)

    def upsert_product(self, product: ProductProfile) -> None:
        self.remove_product(product.id)
        self.products[product.id] = product
        self.products_of[product.seller_id].add(product.id)
        for key, index in self._keys(product):
            index[key].add(product.id)

    def remove_product(self, product_id: str) -> None:
        product = self.products.pop(product_id, None)
        if product is None:
            return
        self.products_of[product.seller_id].discard(product_id)
        for key, index in self._keys(product):
            index[key].discard(product_id)

    def _keys(self, product: ProductProfile) -> Iterable[tuple[str, dict[str, set[str]]]]:
        for concept in product.concepts:
            yield concept, self._by_concept
        for length in (2, 4, 6):
            yield product.hs_code[:length], self._by_hs
        for word in product.words:
            yield word, self._by_word
        yield product.sector, self._by_sector

    def candidates(self, query: ParsedQuery) -> set[str]:
        found: set[str] = set()
        for concept in query.concepts:
            found |= self._by_concept.get(concept, set())
        for code in query.hs_codes:
            found |= self._by_hs.get(code[:2], set())  # the chapter holds heading and code
        for word in query.words:
            found |= self._by_word.get(word, set())
        for sector in query.sectors:
            found |= self._by_sector.get(sector, set())
        return found


# -- queries ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MatchQuery:
    interests: tuple[str, ...] = ()
    sectors: frozenset[str] = frozenset()
    hs_codes: tuple[str, ...] = ()
    required_certifications: frozenset[str] = frozenset()
    preferred_provinces: frozenset[str] = frozenset()
    expected_volume: float | None = None
    delegate_country: str | None = None
    delegate_languages: tuple[str, ...] = ()
    k: int = 10
    only_sellers: frozenset[str] | None = None  # an expo's exhibitors

    def validate(self) -> None:
        if not (any(i.strip() for i in self.interests) or self.sectors or self.hs_codes):
            raise InvalidQuery("interests", "say what you look for: interests, sectors or HS codes")
        if not 1 <= self.k <= MAX_K:
            raise InvalidQuery("k", f"must be between 1 and {MAX_K}")
        if self.expected_volume is not None and self.expected_volume < 0:
            raise InvalidQuery("expected_volume", "must not be negative")


@dataclass(frozen=True)
class ParsedQuery:
    query: MatchQuery
    concepts: Mapping[str, tuple[str, ConceptHit]]  # concept -> (interest, how it was named)
    words: Mapping[str, str]  # word -> interest
    hs_codes: tuple[str, ...]
    sectors: frozenset[str]
    languages: frozenset[str]


def parse(query: MatchQuery) -> ParsedQuery:
    query.validate()
    terms = term_list()
    concepts: dict[str, tuple[str, ConceptHit]] = {}
    words: dict[str, str] = {}
    for interest in query.interests:
        hits = terms.find(interest)
        named = set().union(*(content_words(hit.term) for hit in hits)) if hits else set()
        for hit in hits:
            concepts.setdefault(hit.concept, (interest, hit))
        # Words that named a concept are matched as that concept, not again one by one
        # ("rumput laut" is seaweed; its "laut" alone would find sea salt).
        for word in content_words(interest) - named:
            words.setdefault(word, interest)
    return ParsedQuery(
        query=query,
        concepts=concepts,
        words=words,
        hs_codes=query.hs_codes,
        sectors=query.sectors,
        languages=frozenset(tag.split("-")[0].lower() for tag in query.delegate_languages),
    )


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    weight: float  # points of the score it explains (negative: what it costs)
    product_id: str | None = None


@dataclass(frozen=True)
class ProductMatch:
    product: ProductProfile
    relevance: float
    how: str  # hs_code | hs_heading | hs_chapter | bilingual_term | text | sector
    text: str


@dataclass
class SellerMatch:
    seller_id: str
    seller_name: str
    score: float
    relevance: float
    reasons: list[Reason] = field(default_factory=list)
    products: list[ProductMatch] = field(default_factory=list)

    @property
    def tier(self) -> int:
        return 2 if self.relevance >= STRONG else 1 if self.relevance >= GOOD else 0


def _match_product(parsed: ParsedQuery, product: ProductProfile) -> ProductMatch | None:
    best: tuple[float, str, str] | None = None

    def consider(relevance: float, how: str, text: str) -> None:
        nonlocal best
        if best is None or relevance > best[0]:
            best = (relevance, how, text)

    for code in parsed.hs_codes:
        if len(code) >= 6 and product.hs_code.startswith(code):
            consider(1.0, "hs_code", f"HS {product.hs_code} is the code you asked for ({code})")
        elif product.hs_code[:4] == code[:4] and len(code) >= 4:
            consider(0.85, "hs_heading", f"HS {product.hs_code} is in heading {code[:4]}")
        elif product.hs_code[:2] == code[:2]:
            consider(0.6, "hs_chapter", f"HS {product.hs_code} is in chapter {code[:2]}")
    for concept, (interest, asked) in parsed.concepts.items():
        if concept not in product.concepts:
            continue
        found = product.concepts[concept]
        if found is None:
            how = f"its HS code {product.hs_code} is {concept.replace('_', ' ')}"
        elif found.language != asked.language:
            how = f"the {LANGUAGE_NAMES[found.language]} term '{found.term}'"
        else:
            how = f"the term '{found.term}'"
        consider(0.9, "bilingual_term", f"matches your interest '{interest}' via {how}")
    if parsed.words:
        shared = product.words & parsed.words.keys()
        if shared:
            share = len(shared) / len(parsed.words)
            consider(0.7 * share, "text", f"its description shares {', '.join(sorted(shared))}")
    if product.sector in parsed.sectors:
        consider(
            0.5, "sector", f"it is in the {product.sector.replace('_', ' ')} sector you asked for"
        )
    if best is None:
        return None
    relevance, how, text = best
    return ProductMatch(product, relevance, how, text)


def _points(parsed: ParsedQuery, seller: SellerProfile, best: ProductMatch) -> dict[str, float]:
    """Every part of the score; relevance counts 50 of 100."""
    query = parsed.query
    product = best.product
    required = query.required_certifications
    held = required & product.certifications
    capacity = 1.0
    if query.expected_volume:
        capacity = min(1.0, product.monthly_capacity / query.expected_volume)
    return {
        "relevance": 50 * best.relevance,
        "certifications": 15 * (len(held) / len(required) if required else 1.0),
        "readiness": 10.0 if product.ready else 10 * max(0.0, 1 - len(product.gaps) / 4),
        "exports": 8.0
        if query.delegate_country in seller.export_countries
        else 3.0
        if seller.export_countries
        else 0.0,
        "capacity": 7 * capacity,
        "language": 5.0 if not parsed.languages or parsed.languages & seller.languages else 0.0,
        "province": 5.0
        if not query.preferred_provinces or seller.province in query.preferred_provinces
        else 0.0,
    }


def score_candidates(parsed: ParsedQuery, index: CatalogIndex) -> list[SellerMatch]:
    """Every seller with at least one product relevant to the query, scored, reasons not yet
    written (that is done for the few that are shown)."""
    allowed = parsed.query.only_sellers
    best: dict[str, list[ProductMatch]] = defaultdict(list)
    for product_id in index.candidates(parsed):
        product = index.products[product_id]
        if not product.active or (allowed is not None and product.seller_id not in allowed):
            continue
        seller = index.sellers.get(product.seller_id)
        if seller is None or not seller.active:
            continue  # a product whose seller has not arrived yet waits in the read model
        matched = _match_product(parsed, product)
        if matched is not None:
            best[product.seller_id].append(matched)
    results = []
    for seller_id, matches in best.items():
        matches.sort(key=lambda m: (-m.relevance, not m.product.ready, m.product.id))
        seller = index.sellers[seller_id]
        score = sum(_points(parsed, seller, matches[0]).values())
        results.append(
            SellerMatch(
                seller_id, seller.name, round(score, 2), matches[0].relevance, [], matches[:3]
            )
        )
    return results


def rank(
    query: MatchQuery, index: CatalogIndex, discount: Mapping[str, float] | None = None
) -> list[SellerMatch]:
    """The top k sellers with their reasons. `discount` (seller id -> factor in (0, 1]) lowers
    the score of sellers already proposed often, never their relevance tier."""
    parsed = parse(query)
    scored = score_candidates(parsed, index)
    return top(parsed, index, scored, query.k, discount or {})


def top(
    parsed: ParsedQuery,
    index: CatalogIndex,
    scored: list[SellerMatch],
    k: int,
    discount: Mapping[str, float],
) -> list[SellerMatch]:
    def order(match: SellerMatch) -> tuple[int, float, str]:
        factor = discount.get(match.seller_id, 1.0)
        return (match.tier, match.score * factor, _reverse(match.seller_id))

    chosen = heapq.nlargest(k, scored, key=order)
    return [explain(parsed, index, match) for match in chosen]


def _reverse(text: str) -> str:
    """A key that sorts descending where `text` sorts ascending (ties go to the smaller id)."""
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def explain(parsed: ParsedQuery, index: CatalogIndex, match: SellerMatch) -> SellerMatch:
    query = parsed.query
    seller = index.sellers[match.seller_id]
    best = match.products[0]
    points = _points(parsed, seller, best)
    reasons = [
        Reason(
            best.how,
            f"{best.product.name}: {best.text}",
            round(points["relevance"], 1),
            best.product.id,
        )
    ]
    for other in match.products[1:]:
        reasons.append(
            Reason(other.how, f"also {other.product.name}: {other.text}", 0.0, other.product.id)
        )
    product = best.product
    for kind in sorted(query.required_certifications):
        if kind in product.certifications:
            reasons.append(
                Reason(
                    "certification_satisfied",
                    f"holds the {kind} certification you require",
                    15 / len(query.required_certifications),
                    product.id,
                )
            )
        else:
            reasons.append(
                Reason(
                    "certification_missing",
                    f"lacks the {kind} certification you require",
                    -15 / len(query.required_certifications),
                    product.id,
                )
            )
    if product.ready:
        reasons.append(Reason("export_ready", f"{product.name} is export-ready", 10.0, product.id))
    else:
        gaps = ", ".join(f"{kind} {why}" for kind, why in product.gaps)
        reasons.append(
            Reason(
                "readiness_gap",
                f"{product.name} is not yet export-ready: {gaps}",
                round(points["readiness"] - 10, 1),
                product.id,
            )
        )
    if query.delegate_country and query.delegate_country in seller.export_countries:
        reasons.append(
            Reason("prior_export", f"has exported to {query.delegate_country} before", 8.0)
        )
    elif seller.export_countries:
        places = ", ".join(sorted(seller.export_countries))
        reasons.append(Reason("prior_export", f"has exported before (to {places})", 3.0))
    if query.expected_volume:
        capacity = product.monthly_capacity
        if capacity >= query.expected_volume:
            reasons.append(
                Reason(
                    "capacity_ok",
                    f"can supply {capacity:g} {product.unit} a month, enough for {query.expected_volume:g}",
                    7.0,
                    product.id,
                )
            )
        else:
            reasons.append(
                Reason(
                    "capacity_short",
                    f"supplies {capacity:g} {product.unit} a month, short of {query.expected_volume:g}",
                    round(points["capacity"] - 7, 1),
                    product.id,
                )
            )
    if parsed.languages:
        shared = sorted(parsed.languages & seller.languages)
        if shared:
            reasons.append(Reason("shared_language", f"speaks {', '.join(shared)} with you", 5.0))
        else:
            spoken = ", ".join(sorted(seller.languages))
            reasons.append(
                Reason("interpreter_needed", f"speaks {spoken}: an interpreter is needed", -5.0)
            )
    if query.preferred_provinces and seller.province in query.preferred_provinces:
        reasons.append(
            Reason("preferred_province", f"is in {seller.province}, a province you prefer", 5.0)
        )
    return SellerMatch(
        match.seller_id, match.seller_name, match.score, match.relevance, reasons, match.products
    )
