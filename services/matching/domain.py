"""Ranking sellers for a delegate's interests, with the reasons for each rank.

Pure: no I/O and no framework. The catalogue lives in a `CatalogIndex`, updated one seller or
product at a time, which lists each seller's active products under every concept, HS
subheading, heading and chapter and sector they belong to, and each product under its words.

Relevance of a product to the interests, the strongest that applies:

    hs_code         1.0   same HS subheading (6 digits) as a code asked for
    bilingual_term  0.9   same concept, named in either language or identified by its HS code
    hs_heading      0.85  same 4-digit HS heading
    hs_chapter      0.6   same HS chapter
    sector          0.55  in a sector asked for
    text            ≤0.5  0.5 × the IDF-weighted share of an interest's other words in its
                          text, when that share is at least a third

A seller's score, 0–100, is its best product's relevance × 50 plus: required certifications
held (15, shared among them), export readiness (10, less 2.5 a gap), exports to the delegate's
country (8) or elsewhere (3), monthly capacity against the expected volume (7, pro rata), a
shared language (5), a preferred province (5). A criterion the delegate left out counts as met.
Sellers rank by relevance tier first (strong ≥ 0.85, good ≥ 0.6, weak), then by score, then by
seller id: no bonus lifts a seller above one whose products match the interests better.

A query reaches sellers through the index with set operations, splits them into groups that
share a relevance and the seller's part of the score, and scores products only for the sellers
whose bound (the best their products could give) can still enter the top k.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import langcodes
import pycountry

from services.matching.terms import (
    BOTH,
    ConceptHit,
    spellings,
    term_list,
    tokens,
    without_stopwords,
)
from shared.contracts.catalog import (
    CertificationKind,
    ListingStatus,
    ProductData,
    Sector,
    SellerData,
)
from shared.hs import hs_nomenclature

MAX_K = 50

# Relevance by how a product matched (text is the most a text match reaches).
HS_CODE, BILINGUAL_TERM, HS_HEADING, HS_CHAPTER, SECTOR, TEXT = 1.0, 0.9, 0.85, 0.6, 0.55, 0.5
OTHER_VARIETY = 0.7  # the concept asked for, but another variety than every interest names
STRONG, GOOD = 0.85, 0.6  # relevance tiers
# A text match needs words carrying a third of the interest's IDF weight: one common word
# shared ("dried", "natural") is not a match.
MIN_TEXT_SHARE = 1 / 3

# Points of the 0-100 score.
RELEVANCE_POINTS = 50.0
CERTIFICATION_POINTS = 15.0
READINESS_POINTS, GAP_COST = 10.0, 2.5
EXPORT_POINTS, EXPORT_ELSEWHERE_POINTS = 8.0, 3.0
CAPACITY_POINTS = 7.0
LANGUAGE_POINTS = 5.0
PROVINCE_POINTS = 5.0

PROVINCE_NAMES = {
    "ID-NT": "East Nusa Tenggara", "ID-NB": "West Nusa Tenggara", "ID-BA": "Bali",
    "ID-JT": "Central Java", "ID-JI": "East Java", "ID-JB": "West Java", "ID-SN": "South Sulawesi",
}  # fmt: skip
_SECTORS = frozenset(s.value for s in Sector)
_CERTIFICATIONS = frozenset(c.value for c in CertificationKind)


class InvalidQuery(ValueError):
    """A query that cannot be answered; `field` names the part at fault ("hs_codes[1]")."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


_CERTIFICATION_BIT = {kind.value: 1 << n for n, kind in enumerate(CertificationKind)}


def certification_bits(kinds: Iterable[str]) -> int:
    """Certifications as bits of an int: the hot path counts them with one `&`."""
    return sum(_CERTIFICATION_BIT.get(kind, 0) for kind in set(kinds))


def primary_language(tag: str) -> str:
    """The BCP 47 primary subtag: "en-AU" and "en" share a language."""
    return tag.split("-")[0].split("_")[0].lower()


# -- the catalogue as the ranking sees it ----------------------------------------------------
@dataclass(frozen=True, slots=True)
class SellerProfile:
    id: str
    name: str
    province: str
    languages: frozenset[str]  # primary subtags
    export_countries: frozenset[str]
    active: bool

    @classmethod
    def of(cls, seller: SellerData) -> SellerProfile:
        return cls(
            id=seller.id,
            name=seller.name,
            province=seller.province,
            languages=frozenset(primary_language(tag) for tag in seller.languages),
            export_countries=frozenset(code.upper() for code in seller.export_countries),
            active=seller.status is ListingStatus.active,
        )


@dataclass(frozen=True, slots=True)
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
    concepts: Mapping[str, ConceptHit | None]  # None: identified by the HS code alone
    words: frozenset[str]
    readiness_points: float
    certification_bits: int
    # concept -> the varieties its texts name (empty: unspecified), for concepts that have any
    varieties: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, product: ProductData) -> ProductProfile:
        terms = term_list()
        names = [text for text in (product.name.en, product.name.id) if text]
        descriptions = [t for t in (product.description.en, product.description.id) if t]
        concepts: dict[str, ConceptHit | None] = {}
        words: set[str] = set()
        every_token: set[str] = set()
        for text, is_name in [*((n, True) for n in names), *((d, False) for d in descriptions)]:
            text_tokens = tokens(text)
            every_token.update(text_tokens)
            words.update(without_stopwords(text_tokens))
            for hit in terms.scan_tokens(text_tokens).hits:
                # Descriptions wander ("dried by machine", "goes well with palm sugar"): a
                # concept named only there counts when it is of the product's own sector.
                if is_name or terms.concepts[hit.concept].sector == product.sector.value:
                    concepts.setdefault(hit.concept, hit)
        for concept in sorted(terms.for_hs(product.hs_code)):
            concepts.setdefault(concept, None)
        gaps = tuple((g.kind.value, g.reason.value) for g in product.readiness.gaps)
        ready = product.readiness.ready
        held = frozenset(c.value for c in product.certifications)
        return cls(
            id=product.id,
            seller_id=product.seller_id,
            name=product.name.en or product.name.id or product.id,
            hs_code=product.hs_code,
            sector=product.sector.value,
            unit=product.unit,
            monthly_capacity=product.monthly_capacity,
            certifications=held,
            ready=ready,
            gaps=gaps,
            active=product.status is ListingStatus.active,
            concepts=concepts,
            words=frozenset(words),
            readiness_points=READINESS_POINTS
            if ready
            else max(0.0, READINESS_POINTS - GAP_COST * len(gaps)),
            certification_bits=certification_bits(held),
            varieties={
                concept: terms.varieties_in(concept, every_token)
                for concept in concepts
                if terms.has_varieties(concept)
            },
        )


@dataclass(frozen=True, slots=True)
class SellerSummary:
    """The most any of a seller's active products offers: a bound on the score of each."""

    certification_bits: int
    readiness_points: float
    monthly_capacity: float

    def including(self, product: ProductProfile) -> SellerSummary:
        return SellerSummary(
            self.certification_bits | product.certification_bits,
            max(self.readiness_points, product.readiness_points),
            max(self.monthly_capacity, product.monthly_capacity),
        )


_NOTHING = SellerSummary(0, 0.0, 0.0)


class CatalogIndex:
    """Sellers and products with inverted indexes, updated one entity at a time. Only active
    products are indexed; a product whose seller has not arrived yet is indexed and waits."""

    def __init__(self) -> None:
        self.sellers: dict[str, SellerProfile] = {}
        self.products: dict[str, ProductProfile] = {}
        self.products_of: dict[str, set[str]] = defaultdict(set)
        # key -> seller -> its active products there, for the keys "c:<concept>",
        # "h:<heading>", "h:<subheading>", "ch:<chapter>" and "s:<sector>": a query reaches
        # sellers, and scores products only for the sellers that can make its top k.
        self._by_key: dict[str, dict[str, list[str]]] = defaultdict(dict)
        self._by_word: dict[str, set[str]] = defaultdict(set)
        self._summaries: dict[str, SellerSummary] = {}
        # Sellers by what the seller's part of the score depends on, so that a query sorts
        # thousands of candidates into a dozen classes with set operations.
        self.active_sellers: set[str] = set()
        self.exporters: set[str] = set()
        self._exporting_to: dict[str, set[str]] = defaultdict(set)
        self._speaking: dict[str, set[str]] = defaultdict(set)
        self._in_province: dict[str, set[str]] = defaultdict(set)

    @classmethod
    def of(cls, sellers: Iterable[SellerData], products: Iterable[ProductData]) -> CatalogIndex:
        index = cls()
        for seller in sellers:
            index.upsert_seller(seller)
        for product in products:
            index.upsert_product(product)
        return index

    def upsert_seller(self, seller: SellerData | SellerProfile) -> None:
        profile = seller if isinstance(seller, SellerProfile) else SellerProfile.of(seller)
        self._forget_seller(profile.id)
        self.sellers[profile.id] = profile
        if profile.active:
            self.active_sellers.add(profile.id)
        if profile.export_countries:
            self.exporters.add(profile.id)
        for country in profile.export_countries:
            self._exporting_to[country].add(profile.id)
        for language in profile.languages:
            self._speaking[language].add(profile.id)
        self._in_province[profile.province].add(profile.id)

    def remove_seller(self, seller_id: str) -> None:
        """The seller and its products leave the index."""
        self._forget_seller(seller_id)
        for product_id in list(self.products_of.get(seller_id, ())):
            self.remove_product(product_id)
        self.products_of.pop(seller_id, None)
        self._summaries.pop(seller_id, None)

    def _forget_seller(self, seller_id: str) -> None:
        profile = self.sellers.pop(seller_id, None)
        if profile is None:
            return
        self.active_sellers.discard(seller_id)
        self.exporters.discard(seller_id)
        for country in profile.export_countries:
            self._exporting_to[country].discard(seller_id)
        for language in profile.languages:
            self._speaking[language].discard(seller_id)
        self._in_province[profile.province].discard(seller_id)

    def upsert_product(self, product: ProductData | ProductProfile) -> None:
        profile = product if isinstance(product, ProductProfile) else ProductProfile.of(product)
        self.remove_product(profile.id)
        seller_id = profile.seller_id
        self.products[profile.id] = profile
        self.products_of[seller_id].add(profile.id)
        if profile.active:
            for key in _index_keys(profile):
                self._by_key[key].setdefault(seller_id, []).append(profile.id)
            for word in profile.words:
                self._by_word[word].add(profile.id)
            self._summaries[seller_id] = self.summary(seller_id).including(profile)

    def remove_product(self, product_id: str) -> None:
        profile = self.products.pop(product_id, None)
        if profile is None:
            return
        seller_id = profile.seller_id
        self.products_of[seller_id].discard(product_id)
        if not profile.active:
            return
        for key in _index_keys(profile):
            listed = self._by_key[key].get(seller_id)
            if listed is not None and product_id in listed:
                listed.remove(product_id)
                if not listed:
                    del self._by_key[key][seller_id]
        for word in profile.words:
            self._by_word[word].discard(product_id)
            if not self._by_word[word]:
                del self._by_word[word]
        summary = _NOTHING
        for other in self.products_of[seller_id]:
            if self.products[other].active:
                summary = summary.including(self.products[other])
        self._summaries[seller_id] = summary

    def count_active_products(self, seller_ids: Iterable[str]) -> int:
        """Active products of the active sellers among `seller_ids`: what a query can reach."""
        return sum(
            self.products[product_id].active
            for seller_id in seller_ids
            if seller_id in self.active_sellers
            for product_id in self.products_of.get(seller_id, ())
        )

    def sellers_with(self, key: str) -> Mapping[str, list[str]]:
        return self._by_key.get(key, {})

    def with_word(self, word: str) -> Collection[str]:
        return self._by_word.get(word, ())

    def summary(self, seller_id: str) -> SellerSummary:
        return self._summaries.get(seller_id, _NOTHING)

    def exporting_to(self, country: str) -> set[str]:
        return self._exporting_to.get(country, set())

    def speaking(self, languages: Iterable[str]) -> set[str]:
        return set().union(*(self._speaking.get(language, ()) for language in languages))

    def in_provinces(self, provinces: Iterable[str]) -> set[str]:
        return set().union(*(self._in_province.get(province, ()) for province in provinces))


def _index_keys(product: ProductProfile) -> list[str]:
    code = product.hs_code
    return [
        *(f"c:{concept}" for concept in product.concepts),
        # "cv:coffee:arabica", or "cv:coffee:" for coffee that names no variety
        *(
            f"cv:{concept}:{variety}"
            for concept, named in product.varieties.items()
            for variety in (named or ("",))
        ),
        f"h:{code[:6]}",
        f"h:{code[:4]}",
        f"ch:{code[:2]}",
        f"s:{product.sector}",
    ]


# -- queries ---------------------------------------------------------------------------------
def _strings(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class MatchQuery:
    """What a delegate looks for. `interests` is free text (one string or several);
    `hs_codes` are HS prefixes of 2 to 8 digits; `expected_volume` is per month, in the
    product's unit; `only_sellers` limits the answer to an expo's exhibitors."""

    interests: Sequence[str] = ()
    sectors: Collection[str] = frozenset()
    hs_codes: Sequence[str] = ()
    required_certifications: Collection[str] = frozenset()
    preferred_provinces: Collection[str] = frozenset()
    expected_volume: float | None = None
    delegate_country: str | None = None
    delegate_languages: Sequence[str] = ()
    k: int = 10
    only_sellers: frozenset[str] | None = None

    def __post_init__(self) -> None:
        # Accept a single string or any collection, and keep the query hashable.
        set_ = object.__setattr__
        set_(self, "interests", _strings(self.interests))
        set_(self, "hs_codes", tuple(code.strip() for code in _strings(self.hs_codes)))
        set_(self, "delegate_languages", _strings(self.delegate_languages))
        for name in ("sectors", "required_certifications", "preferred_provinces"):
            set_(self, name, frozenset(_strings(getattr(self, name))))
        if self.only_sellers is not None:
            set_(self, "only_sellers", frozenset(self.only_sellers))

    def validate(self) -> None:
        if not (any(i.strip() for i in self.interests) or self.sectors or self.hs_codes):
            raise InvalidQuery("interests", "say what you look for: interests, sectors or HS codes")
        if not 1 <= self.k <= MAX_K:
            raise InvalidQuery("k", f"must be between 1 and {MAX_K}")
        for position, code in enumerate(self.hs_codes):
            if not (code.isdigit() and 2 <= len(code) <= 8):
                raise InvalidQuery(f"hs_codes[{position}]", f"'{code}' must be 2 to 8 digits")
            if code[:6] not in _known_hs_prefixes():
                raise InvalidQuery(f"hs_codes[{position}]", f"no HS 2022 code starts with {code}")
        if unknown := sorted(set(self.sectors) - _SECTORS):
            raise InvalidQuery("sectors", f"unknown sector {', '.join(unknown)}")
        if unknown := sorted(set(self.required_certifications) - _CERTIFICATIONS):
            raise InvalidQuery("required_certifications", f"unknown {', '.join(unknown)}")
        if self.expected_volume is not None and not self.expected_volume >= 0:
            raise InvalidQuery("expected_volume", "must not be negative")
        country = self.delegate_country
        if country is not None and not (len(country) == 2 and country.isalpha()):
            raise InvalidQuery("delegate_country", "must be an ISO 3166-1 alpha-2 code")


@lru_cache(maxsize=1)
def _known_hs_prefixes() -> frozenset[str]:
    """Every chapter, heading and subheading prefix of HS 2022 (2 to 6 digits)."""
    return frozenset(
        code[:length] for code in hs_nomenclature().subheadings for length in range(2, 7)
    )


@dataclass(frozen=True, slots=True)
class Interest:
    """One interest as the ranking reads it: the concepts it names and its other words."""

    text: str
    hits: tuple[ConceptHit, ...]
    words: frozenset[str]
    spelled: Mapping[str, str]  # word as compared -> as the delegate wrote it
    varieties: Mapping[str, frozenset[str]]  # concept -> the varieties this interest names

    def accepts(self, concept: str, product: ProductProfile) -> bool:
        """Whether a product of `concept` is the kind this interest asks for: it names no
        variety, or the interest names none, or they share one."""
        return same_kind(self.varieties.get(concept), product.varieties.get(concept))


def same_kind(asked: frozenset[str] | None, offered: frozenset[str] | None) -> bool:
    """No variety asked, none offered, or one in common."""
    return not asked or not offered or not asked.isdisjoint(offered)


@dataclass(frozen=True)
class ParsedQuery:
    query: MatchQuery
    interests: tuple[Interest, ...]
    concepts: Mapping[str, tuple[tuple[str, ConceptHit], ...]]  # concept -> (interest, hit)
    words: frozenset[str]
    hs_codes: tuple[str, ...]
    sectors: frozenset[str]
    languages: frozenset[str]
    # concept -> varieties, for the concepts every interest naming them names a variety of
    varieties: Mapping[str, frozenset[str]]

    @property
    def concept_names(self) -> frozenset[str]:
        return frozenset(self.concepts)

    def names_a_concept_of(self, product: ProductProfile) -> bool:
        """Whether `product` is of a concept asked for, of a variety asked for or unspecified."""
        return any(
            same_kind(self.varieties.get(concept), product.varieties.get(concept))
            for concept in product.concepts
            if concept in self.concepts
        )


def parse(query: MatchQuery) -> ParsedQuery:
    """Validate `query` (raising `InvalidQuery`) and read its interests."""
    query.validate()
    terms = term_list()
    interests: list[Interest] = []
    concepts: dict[str, list[tuple[str, ConceptHit]]] = {}
    for text in query.interests:
        if not text.strip():
            continue
        scan = terms.scan(text)
        # Words that named a concept are matched as that concept, not again one by one
        # ("rumput laut" is seaweed; its "laut" alone would find sea salt).
        words = frozenset(without_stopwords(scan.leftover))
        named = tokens(text)
        varieties = {
            hit.concept: found
            for hit in scan.hits
            if (found := terms.varieties_in(hit.concept, named))
        }
        interests.append(Interest(text, scan.hits, words, spellings(text), varieties))
        for hit in scan.hits:
            named_by = concepts.setdefault(hit.concept, [])
            if all(text != earlier for earlier, _ in named_by):
                named_by.append((text, hit))
    restricted = {
        concept: frozenset().union(*(i.varieties.get(concept, ()) for i in interests))
        for concept in concepts
        if all(
            concept in i.varieties for i in interests if any(h.concept == concept for h in i.hits)
        )
    }
    return ParsedQuery(
        query=query,
        interests=tuple(interests),
        varieties=restricted,
        concepts={concept: tuple(named_by) for concept, named_by in concepts.items()},
        words=frozenset(w for interest in interests for w in interest.words),
        hs_codes=tuple(query.hs_codes),
        sectors=frozenset(query.sectors),
        languages=frozenset(primary_language(tag) for tag in query.delegate_languages),
    )


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str
    weight: float  # points of the score it adds, or (negative) what it costs of the maximum
    product_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProductMatch:
    product: ProductProfile
    relevance: float
    how: str  # hs_code | bilingual_term | hs_heading | hs_chapter | sector | text


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


def tier(relevance: float) -> int:
    return 2 if relevance >= STRONG else 1 if relevance >= GOOD else 0


# (relevance, score, seller id, how its best product matched, that product's id): plain tuples,
# because thousands are made per query and only the k shown become `SellerMatch`es.
Candidate = tuple[float, float, str, str, str]


class _Scorer:
    """The query's side of the score, worked out once. `breakdown` gives the parts one by one
    (for the reasons); `product_points` sums a product's parts (for bounds), and
    `_Search._best_of` inlines the same sum, term for term, for the hot path."""

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
    return _Scorer(parsed).breakdown(seller, product, relevance)


def score_candidates(
    parsed: ParsedQuery, index: CatalogIndex, *, exhaustive: bool | None = None
) -> list[Candidate]:
    """The sellers with a product relevant to the query, each scored by its best product.

    Strong matches (HS subheading, concept, HS heading) are looked up first; weaker ones (HS
    chapter, sector, words) only when the strong do not fill the k places, since they could
    not rank above them whatever discount fair exposure applies to scores. Unless
    `exhaustive`, only the sellers that can make the k best are returned; by default a query
    over an expo's exhibitors (`only_sellers`) is exhaustive, because fair exposure re-scores
    its candidates, and one over the whole catalogue is not (exposure is counted per expo)."""
    if exhaustive is None:
        exhaustive = parsed.query.only_sellers is not None
    search = _Search(parsed, index, exhaustive)
    search.add_key_groups(_strong_sources(parsed))
    if search.reached < parsed.query.k:
        search.add_key_groups(_weak_sources(parsed))
        search.add_text_levels()
    return search.run()


def _strong_sources(parsed: ParsedQuery) -> list[tuple[float, str, list[str]]]:
    codes = parsed.hs_codes
    return [
        (HS_CODE, "hs_code", [f"h:{code[:6]}" for code in codes if len(code) >= 6]),
        (BILINGUAL_TERM, "bilingual_term", _concept_keys(parsed)),
        (HS_HEADING, "hs_heading", [f"h:{code[:4]}" for code in codes if len(code) >= 4]),
    ]


def _concept_keys(parsed: ParsedQuery) -> list[str]:
    keys = []
    for concept in parsed.concepts:
        if concept in parsed.varieties:
            asked = sorted(parsed.varieties[concept])
            keys += [f"cv:{concept}:{variety}" for variety in [*asked, ""]]
        else:
            keys.append(f"c:{concept}")
    return keys


def _weak_sources(parsed: ParsedQuery) -> list[tuple[float, str, list[str]]]:
    return [
        (OTHER_VARIETY, "other_variety", [f"c:{concept}" for concept in sorted(parsed.varieties)]),
        (HS_CHAPTER, "hs_chapter", sorted({f"ch:{code[:2]}" for code in parsed.hs_codes})),
        (SECTOR, "sector", [f"s:{sector}" for sector in sorted(parsed.sectors)]),
    ]


@dataclass(frozen=True, slots=True)
class _Group:
    """Sellers reached at one relevance, and where their products there are: under index
    keys, or listed (text matches)."""

    relevance: float
    how: str
    keys: tuple[str, ...] = ()
    products: Mapping[str, list[str]] | None = None

    def products_of(self, index: CatalogIndex, seller_id: str) -> list[str]:
        if self.products is not None:
            return self.products[seller_id]
        return [pid for key in self.keys for pid in index.sellers_with(key).get(seller_id, ())]


@dataclass(frozen=True, slots=True)
class _TextLevel:
    """Products at one text relevance, their sellers not looked up yet."""

    group: _Group
    product_ids: list[str]


@dataclass(frozen=True, slots=True)
class _SellerClass:
    """Sellers of one group sharing the seller's part of the score."""

    group: _Group
    base: float  # relevance and seller points
    members: set[str]


@dataclass(frozen=True, slots=True)
class _OneSeller:
    group: _Group
    base: float


class _Search:
    """Scores each reached seller by its best product at its relevance (best score, then
    smallest id). Unless exhaustive, the work goes from the most promising down, each step
    bounded by the best score it could yield: a text level (mapped to its sellers only if
    opened), a (relevance, seller class) group, a seller (bounded by its summary, the best of
    its products); the search stops when nothing left can enter the k best."""

    def __init__(self, parsed: ParsedQuery, index: CatalogIndex, exhaustive: bool) -> None:
        self.parsed, self.index, self.exhaustive = parsed, index, exhaustive
        self.scorer = _Scorer(parsed)
        eligible = index.active_sellers
        if parsed.query.only_sellers is not None:
            eligible = eligible & parsed.query.only_sellers
        self.eligible = eligible
        self.seen: set[str] = set()  # each seller counts at the first (highest) relevance
        self.reached = 0
        self.most_product_points = self.scorer.product_points(READINESS_POINTS, -1, math.inf)
        self.most_seller_points = EXPORT_POINTS + LANGUAGE_POINTS + PROVINCE_POINTS
        # (-tier, -bound, tie, serial, what): a group's tie is "", so it opens before any
        # seller of the same bound (one of its members may win the tie on its id).
        self.queue: list[tuple[int, float, str, int, _TextLevel | _SellerClass | _OneSeller]]
        self.queue = []

    def _push(
        self,
        relevance: float,
        bound: float,
        tie: str,
        what: _TextLevel | _SellerClass | _OneSeller,
    ) -> None:
        heapq.heappush(self.queue, (-tier(relevance), -bound, tie, len(self.queue), what))

    def add_key_groups(self, sources: list[tuple[float, str, list[str]]]) -> None:
        """One group per relevance, strongest first, with set operations only."""
        for relevance, how, keys in sources:
            found: set[str] = set().union(*(self.index.sellers_with(k).keys() for k in keys))
            members = (found - self.seen) & self.eligible
            self.seen |= found
            self.reached += len(members)
            self._add_classes(_Group(relevance, how, keys=tuple(keys)), members)

    def add_text_levels(self) -> None:
        found: dict[str, float] = {}
        for interest in self.parsed.interests:
            for product_id, relevance in _text_relevance(interest, self.index).items():
                if relevance > found.get(product_id, 0.0):
                    found[product_id] = relevance
        levels: dict[float, list[str]] = defaultdict(list)
        for product_id, relevance in found.items():
            levels[relevance].append(product_id)
        for relevance, product_ids in levels.items():
            bound = RELEVANCE_POINTS * relevance + self.most_seller_points
            bound += self.most_product_points
            self._push(relevance, bound, "", _TextLevel(_Group(relevance, "text"), product_ids))

    def _open_text_level(self, level: _TextLevel) -> None:
        # Levels open strongest first, so a seller already seen had a better product.
        listed: dict[str, list[str]] = defaultdict(list)
        products = self.index.products
        for product_id in level.product_ids:
            listed[products[product_id].seller_id].append(product_id)
        members = (listed.keys() - self.seen) & self.eligible
        self.seen |= listed.keys()
        self._add_classes(_Group(level.group.relevance, "text", products=listed), members)

    def _add_classes(self, group: _Group, members: set[str]) -> None:
        for seller_points, in_class in _seller_classes(self.scorer, self.index, members):
            base = RELEVANCE_POINTS * group.relevance + seller_points
            bound = base + self.most_product_points
            self._push(group.relevance, bound, "", _SellerClass(group, base, in_class))

    def _open_class(self, sellers: _SellerClass) -> None:
        for seller_id in sellers.members:
            summary = self.index.summary(seller_id)
            bound = sellers.base + self.scorer.product_points(
                summary.readiness_points, summary.certification_bits, summary.monthly_capacity
            )
            one = _OneSeller(sellers.group, sellers.base)
            self._push(sellers.group.relevance, bound, seller_id, one)

    def run(self) -> list[Candidate]:
        k = self.parsed.query.k
        kept: list[tuple[tuple[int, float, str], Candidate]] = []  # best first
        while self.queue:
            minus_tier, minus_bound, tie, _, what = heapq.heappop(self.queue)
            if (
                not self.exhaustive
                and len(kept) >= k
                and (minus_tier, minus_bound, tie) > kept[k - 1][0]
            ):
                break  # nothing left can beat the k-th best
            if isinstance(what, _TextLevel):
                self._open_text_level(what)
            elif isinstance(what, _SellerClass):
                self._open_class(what)
            else:
                candidate = self._best_of(tie, what.base, what.group)
                bisect.insort(kept, ((minus_tier, -candidate[1], tie), candidate))
                if not self.exhaustive:
                    del kept[k:]
        return [candidate for _, candidate in kept]

    def _best_of(self, seller_id: str, base: float, group: _Group) -> Candidate:
        scorer, products = self.scorer, self.index.products
        required_bits, unit, volume = scorer.required_bits, scorer.certification_unit, scorer.volume
        best_score, best_id = -1.0, ""
        for product_id in group.products_of(self.index, seller_id):
            product = products[product_id]
            # `_Scorer.product_points`, inlined term for term: the bound must stay >= it.
            score = base + (
                product.readiness_points
                + (
                    unit * (product.certification_bits & required_bits).bit_count()
                    if required_bits
                    else CERTIFICATION_POINTS
                )
                + (
                    CAPACITY_POINTS * min(1.0, product.monthly_capacity / volume)
                    if volume is not None
                    else CAPACITY_POINTS
                )
            )
            if score > best_score or (score == best_score and product_id < best_id):
                best_score, best_id = score, product_id
        return (group.relevance, best_score, seller_id, group.how, best_id)


def _seller_classes(
    scorer: _Scorer, index: CatalogIndex, members: set[str]
) -> Iterator[tuple[float, set[str]]]:
    """`members` split by the seller's part of the score (exports + language + province, the
    same sum as `_Scorer.seller_points`), with set operations."""
    if not members:
        return
    to_country = index.exporting_to(scorer.country)
    speaking = index.speaking(scorer.languages) if scorer.languages else None
    in_provinces = index.in_provinces(scorer.provinces) if scorer.provinces else None
    others = members - index.exporters
    exporters = members - others
    for exports, by_exports in (
        (EXPORT_POINTS, exporters & to_country),
        (EXPORT_ELSEWHERE_POINTS, exporters - to_country),
        (0.0, others),
    ):
        for language, by_language in _split(by_exports, speaking, LANGUAGE_POINTS):
            for province, by_province in _split(by_language, in_provinces, PROVINCE_POINTS):
                if by_province:
                    yield exports + language + province, by_province


def _split(
    members: set[str], having: set[str] | None, points: float
) -> list[tuple[float, set[str]]]:
    """Members with and without the points (None: the delegate set no such criterion)."""
    if having is None:
        return [(points, members)]
    return [(points, members & having), (0.0, members - having)]


def _idf(word: str, index: CatalogIndex) -> float:
    """Rare words say more: a word in every product weighs ~1, one in none the most."""
    return math.log((1 + len(index.products)) / (1 + len(index.with_word(word)))) + 1


def _word_weights(interest: Interest, index: CatalogIndex) -> tuple[list[tuple[float, str]], float]:
    """The interest's words with their IDF weights, heaviest first, and their total."""
    weights = sorted(((_idf(word, index), word) for word in interest.words), reverse=True)
    return weights, sum(weight for weight, _ in weights)


def _text_relevance(interest: Interest, index: CatalogIndex) -> dict[str, float]:
    """Products whose words carry at least MIN_TEXT_SHARE of the interest's IDF weight:
    TEXT × that share. Words too common to reach the share alone never list candidates (their
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
        if any(len(c) >= level and product.hs_code[:level] == c[:level] for c in parsed.hs_codes):
            if relevance_there > relevance:
                relevance, how = relevance_there, name
    if BILINGUAL_TERM > relevance and parsed.names_a_concept_of(product):
        relevance, how = BILINGUAL_TERM, "bilingual_term"
    if OTHER_VARIETY > relevance and not parsed.concept_names.isdisjoint(product.concepts):
        relevance, how = OTHER_VARIETY, "other_variety"
    if HS_CHAPTER > relevance and any(product.hs_code[:2] == c[:2] for c in parsed.hs_codes):
        relevance, how = HS_CHAPTER, "hs_chapter"
    if SECTOR > relevance and product.sector in parsed.sectors:
        relevance, how = SECTOR, "sector"
    if TEXT > relevance:
        for interest in parsed.interests:
            if interest.words & product.words:
                text_relevance = _text_match(interest, index, product)
                if text_relevance > relevance:
                    relevance, how = text_relevance, "text"
    return ProductMatch(product, relevance, how) if how else None


def _text_match(interest: Interest, index: CatalogIndex, product: ProductProfile) -> float:
    """`_text_relevance` for one product (0: no match), summed in the same order so that both
    give the same float."""
    if not interest.words:
        return 0.0
    weights, total = _word_weights(interest, index)
    shared = 0.0
    for weight, word in weights:
        if word in product.words:
            shared += weight
    return TEXT * shared / total if shared >= MIN_TEXT_SHARE * total else 0.0


# -- the top k, with reasons -----------------------------------------------------------------
def rank(
    query: MatchQuery,
    catalogue: CatalogIndex | Iterable[SellerData],
    products_by_seller: Mapping[str, Iterable[ProductData]] | None = None,
) -> list[SellerMatch]:
    """The top k sellers with their reasons, from an index or from plain sellers and their
    products (indexed for this one call)."""
    parsed = parse(query)
    if isinstance(catalogue, CatalogIndex):
        if products_by_seller is not None:
            raise TypeError("give an index, or sellers with their products, not both")
        index = catalogue
    else:
        products = (p for listed in (products_by_seller or {}).values() for p in listed)
        index = CatalogIndex.of(catalogue, products)
    return top(parsed, index, score_candidates(parsed, index), query.k)


def order_key(tier_of: int, score: float, seller_id: str) -> tuple[int, float, str]:
    """Sort key, smallest first: higher tier, then higher score, then smaller seller id."""
    return (-tier_of, -score, seller_id)


def top(
    parsed: ParsedQuery,
    index: CatalogIndex,
    scored: list[Candidate],
    k: int,
) -> list[SellerMatch]:
    """The k best of `scored` by (tier, score, seller id), explained."""
    chosen = heapq.nsmallest(k, scored, key=candidate_order)
    return [explain(parsed, index, candidate) for candidate in chosen]


def candidate_order(candidate: Candidate) -> tuple[int, float, str]:
    relevance, score, seller_id, _, _ = candidate
    return order_key(tier(relevance), score, seller_id)


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
        interest = max(parsed.interests, key=lambda i: _text_match(i, index, product))
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
