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
from collections.abc import Iterable, Iterator, Mapping
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
        self._by_hs: dict[str, set[str]] = defaultdict(set)
        self._by_word: dict[str, set[str]] = defaultdict(set)
        self._by_sector: dict[str, set[str]] = defaultdict(set)
        # Strong matches per seller: "c:<concept>" or "h:<HS heading or code>" -> seller ->
        # its active products there, best first, so a query touches sellers, not products.
        self._strong: dict[str, dict[str, list[str]]] = defaultdict(dict)

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
        if product.active:
            for key in _strong_keys(product):
                listed = self._strong[key].setdefault(product.seller_id, [])
                listed.append(product.id)
                listed.sort(key=lambda pid: (not self.products[pid].ready, pid))

    def remove_product(self, product_id: str) -> None:
        product = self.products.pop(product_id, None)
        if product is None:
            return
        self.products_of[product.seller_id].discard(product_id)
        for key, index in self._keys(product):
            index[key].discard(product_id)
        for key in _strong_keys(product):
            listed = self._strong[key].get(product.seller_id)
            if listed is not None and product_id in listed:
                listed.remove(product_id)
                if not listed:
                    del self._strong[key][product.seller_id]

    def strong_matches(self, query: ParsedQuery) -> Iterator[tuple[str, float, str, str]]:
        """(seller, relevance, how, its best product) for the strong matches, each seller once
        at its highest relevance: same HS code (1.0), concept (0.9) or HS heading (0.85)."""
        sources = [("h:" + code[:6], 1.0, "hs_code") for code in query.hs_codes if len(code) >= 6]
        sources += [("c:" + concept, 0.9, "bilingual_term") for concept in query.concepts]
        sources += [
            ("h:" + code[:4], 0.85, "hs_heading") for code in query.hs_codes if len(code) >= 4
        ]
        seen: set[str] = set()
        for key, relevance, how in sources:  # strongest first: the first sighting is the best
            for seller_id, product_ids in self._strong.get(key, {}).items():
                if seller_id not in seen:
                    seen.add(seller_id)
                    yield seller_id, relevance, how, product_ids[0]

    def _keys(self, product: ProductProfile) -> Iterable[tuple[str, dict[str, set[str]]]]:
        yield product.hs_code[:2], self._by_hs
        for word in product.words:
            yield word, self._by_word
        yield product.sector, self._by_sector

    def weak_candidates(self, query: ParsedQuery) -> set[str]:
        """Products that share an HS chapter, a word or the sector with the query."""
        found: set[str] = set()
        for code in query.hs_codes:
            found |= self._by_hs.get(code[:2], set())
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
    concepts: Mapping[str, list[tuple[str, ConceptHit]]]  # concept -> (interest, as named)
    words: Mapping[str, str]  # word -> interest
    hs_codes: tuple[str, ...]
    sectors: frozenset[str]
    languages: frozenset[str]
    concept_names: frozenset[str] = frozenset()


def parse(query: MatchQuery) -> ParsedQuery:
    query.validate()
    terms = term_list()
    concepts: dict[str, list[tuple[str, ConceptHit]]] = {}
    words: dict[str, str] = {}
    for interest in query.interests:
        hits = terms.find(interest)
        named = set().union(*(content_words(hit.term) for hit in hits)) if hits else set()
        for hit in hits:
            named_by = concepts.setdefault(hit.concept, [])
            if all(interest != earlier for earlier, _ in named_by):
                named_by.append((interest, hit))
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
        concept_names=frozenset(concepts),
    )


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    weight: float  # points of the score it explains (negative: what it costs)
    product_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProductMatch:
    product: ProductProfile
    relevance: float
    how: str  # hs_code | hs_heading | hs_chapter | bilingual_term | text | sector
    text: str


@dataclass(slots=True)
class SellerMatch:
    seller_id: str
    seller_name: str
    score: float
    relevance: float
    reasons: list[Reason] = field(default_factory=list)
    products: list[ProductMatch] = field(default_factory=list)

    @property
    def tier(self) -> int:
        return _tier(self.relevance)


def _strong_keys(product: ProductProfile) -> list[str]:
    return [f"c:{c}" for c in product.concepts] + [
        f"h:{product.hs_code[:4]}",
        f"h:{product.hs_code[:6]}",
    ]


def _match_product(parsed: ParsedQuery, product: ProductProfile) -> ProductMatch | None:
    """How relevant `product` is and why (the words come later, for the few shown)."""
    relevance, how = 0.0, ""
    for code in parsed.hs_codes:
        if len(code) >= 6 and product.hs_code.startswith(code):
            relevance, how = 1.0, "hs_code"
            break
        if len(code) >= 4 and product.hs_code[:4] == code[:4] and relevance < 0.85:
            relevance, how = 0.85, "hs_heading"
        elif product.hs_code[:2] == code[:2] and relevance < 0.6:
            relevance, how = 0.6, "hs_chapter"
    if relevance < 0.9 and not parsed.concept_names.isdisjoint(product.concepts):
        relevance, how = 0.9, "bilingual_term"
    if relevance < 0.7 and parsed.words:
        shared = len(product.words & parsed.words.keys())
        if shared and 0.7 * shared / len(parsed.words) > relevance:
            relevance, how = 0.7 * shared / len(parsed.words), "text"
    if relevance < 0.5 and product.sector in parsed.sectors:
        relevance, how = 0.5, "sector"
    if not how:
        return None
    return ProductMatch(product, relevance, how, "")


def describe(parsed: ParsedQuery, match: ProductMatch) -> str:
    product = match.product
    if match.how in ("hs_code", "hs_heading", "hs_chapter"):
        code = next(c for c in parsed.hs_codes if product.hs_code[:2] == c[:2])
        return {
            "hs_code": f"HS {product.hs_code} is the code you asked for ({code})",
            "hs_heading": f"HS {product.hs_code} is in heading {code[:4]}",
            "hs_chapter": f"HS {product.hs_code} is in chapter {code[:2]}",
        }[match.how]
    if match.how == "bilingual_term":
        parts = []
        for concept, named_by in parsed.concepts.items():
            if concept not in product.concepts:
                continue
            found = product.concepts[concept]
            for interest, asked in named_by:
                if found is None:
                    via = f"its HS code {product.hs_code} is {concept.replace('_', ' ')}"
                elif found.language != asked.language:
                    via = f"the {LANGUAGE_NAMES[found.language]} term '{found.term}'"
                else:
                    via = f"the term '{found.term}'"
                parts.append(f"matches your interest '{interest}' via {via}")
        return "; ".join(parts)
    if match.how == "text":
        shared = sorted(product.words & parsed.words.keys())
        return f"its description shares {', '.join(shared)}"
    return f"it is in the {product.sector.replace('_', ' ')} sector you asked for"


def _score(
    parsed: ParsedQuery, seller: SellerProfile, product: ProductProfile, relevance: float
) -> float:
    """The sum of `_points`, computed without building them (it runs for every candidate)."""
    query = parsed.query
    required = query.required_certifications
    score = 50 * relevance
    score += 15 * len(required & product.certifications) / len(required) if required else 15.0
    score += 10.0 if product.ready else 10 * max(0.0, 1 - len(product.gaps) / 4)
    if query.delegate_country in seller.export_countries:
        score += 8.0
    elif seller.export_countries:
        score += 3.0
    if query.expected_volume:
        score += 7 * min(1.0, product.monthly_capacity / query.expected_volume)
    else:
        score += 7.0
    if not parsed.languages or not parsed.languages.isdisjoint(seller.languages):
        score += 5.0
    if not query.preferred_provinces or seller.province in query.preferred_provinces:
        score += 5.0
    return score


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


# (relevance, score, seller id, how the best product matched, its id): plain tuples, because
# thousands are made per query and only the k shown become `SellerMatch`es.
Candidate = tuple[float, float, str, str, str]


def score_candidates(parsed: ParsedQuery, index: CatalogIndex) -> list[Candidate]:
    """The sellers with a product relevant to the query, scored. Strong matches (same concept,
    HS code or heading) come from a per-seller index; weaker ones (HS chapter, shared words,
    sector) are looked for product by product, and only when the strong do not fill the k
    places — they could not rank above them."""
    allowed = parsed.query.only_sellers
    sellers, products = index.sellers, index.products
    results: list[Candidate] = []
    for seller_id, relevance, how, product_id in index.strong_matches(parsed):
        seller = sellers.get(seller_id)
        if (
            seller is None
            or not seller.active
            or (allowed is not None and seller_id not in allowed)
        ):
            continue  # a product whose seller has not arrived yet waits in the read model
        score = _score(parsed, seller, products[product_id], relevance)
        results.append((relevance, score, seller_id, how, product_id))
    if len(results) >= parsed.query.k:
        return results
    strong = {candidate[2] for candidate in results}
    best: dict[str, ProductMatch] = {}
    for product_id in index.weak_candidates(parsed):
        product = products[product_id]
        if not product.active or product.seller_id in strong:
            continue
        if allowed is not None and product.seller_id not in allowed:
            continue
        seller = sellers.get(product.seller_id)
        if seller is None or not seller.active:
            continue
        matched = _match_product(parsed, product)
        if matched is not None:
            known = best.get(product.seller_id)
            if known is None or _product_order(matched) < _product_order(known):
                best[product.seller_id] = matched
    for seller_id, first in best.items():
        score = _score(parsed, sellers[seller_id], first.product, first.relevance)
        results.append((first.relevance, score, seller_id, first.how, first.product.id))
    return results


def _product_order(match: ProductMatch) -> tuple[float, bool, str]:
    return (-match.relevance, not match.product.ready, match.product.id)


def _tier(relevance: float) -> int:
    return 2 if relevance >= STRONG else 1 if relevance >= GOOD else 0


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
    scored: list[Candidate],
    k: int,
    discount: Mapping[str, float],
) -> list[SellerMatch]:
    if not scored:
        return []
    keyed = [(_tier(c[0]), c[1] * discount[c[2]] if c[2] in discount else c[1], c) for c in scored]
    # The k best by (tier, score), then everyone tied with the k-th, ordered with ties going
    # to the smaller seller id, so the answer never depends on iteration order.
    kth = heapq.nlargest(k, keyed, key=_first_two)[-1][:2]
    contenders = [entry for entry in keyed if entry[:2] >= kth]
    contenders.sort(key=lambda entry: (-entry[0], -entry[1], entry[2][2]))
    return [explain(parsed, index, entry[2]) for entry in contenders[:k]]


def _first_two(entry: tuple[int, float, Candidate]) -> tuple[int, float]:
    return entry[0], entry[1]


def explain(parsed: ParsedQuery, index: CatalogIndex, candidate: Candidate) -> SellerMatch:
    relevance, score, seller_id, how, product_id = candidate
    match = SellerMatch(
        seller_id, index.sellers[seller_id].name, round(score, 2), relevance, [],
        [ProductMatch(index.products[product_id], relevance, how, "")],
    )  # fmt: skip
    query = parsed.query
    seller = index.sellers[match.seller_id]
    # The seller's best product decided the score; up to two more matching ones are shown.
    others = (
        _match_product(parsed, index.products[pid])
        for pid in sorted(index.products_of.get(match.seller_id, ()))
        if pid != match.products[0].product.id and index.products[pid].active
    )
    shown = [match.products[0], *sorted((m for m in others if m), key=_product_order)[:2]]
    best = shown[0]
    points = _points(parsed, seller, best)
    reasons = [
        Reason(
            best.how,
            f"{best.product.name}: {describe(parsed, best)}",
            round(points["relevance"], 1),
            best.product.id,
        )
    ]
    for other in shown[1:]:
        reasons.append(
            Reason(
                other.how,
                f"also {other.product.name}: {describe(parsed, other)}",
                0.0,
                other.product.id,
            )
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
        match.seller_id, match.seller_name, match.score, match.relevance, reasons, shown
    )
