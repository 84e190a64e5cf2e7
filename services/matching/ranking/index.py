"""The catalogue as the ranking sees it: sellers and their active products, with inverted
indexes by concept, HS code, sector and word, updated one seller or product at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from services.matching.ranking.weights import GAP_COST, READINESS_POINTS
from services.matching.terms import ConceptHit, term_list, tokens, without_stopwords
from shared.contracts.catalog import CertificationKind, ListingStatus, ProductData, SellerData

_CERTIFICATION_BIT = {kind.value: 1 << n for n, kind in enumerate(CertificationKind)}


def certification_bits(kinds: Iterable[str]) -> int:
    """Certifications as bits of an int: the hot path counts them with one `&`."""
    return sum(_CERTIFICATION_BIT.get(kind, 0) for kind in set(kinds))


def primary_language(tag: str) -> str:
    """The BCP 47 primary subtag: "en-AU" and "en" share a language."""
    return tag.split("-")[0].split("_")[0].lower()


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
