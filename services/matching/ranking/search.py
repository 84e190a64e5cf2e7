"""The k best sellers for a query, found through the index: sellers are reached with set
operations, split into groups sharing a relevance and the seller's part of the score, and their
products scored only while their bound (the best they could give) can still enter the top k."""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from services.matching.ranking.explain import SellerMatch, explain
from services.matching.ranking.index import CatalogIndex
from services.matching.ranking.query import MatchQuery, ParsedQuery, parse
from services.matching.ranking.scoring import Candidate, Scorer, text_relevance
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
    OTHER_VARIETY,
    PROVINCE_POINTS,
    READINESS_POINTS,
    RELEVANCE_POINTS,
    SECTOR,
    tier,
)
from shared.contracts.catalog import ProductData, SellerData


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
        self.scorer = Scorer(parsed)
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
            for product_id, relevance in text_relevance(interest, self.index).items():
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
            # `Scorer.product_points`, inlined term for term: the bound must stay >= it.
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
    scorer: Scorer, index: CatalogIndex, members: set[str]
) -> Iterator[tuple[float, set[str]]]:
    """`members` split by the seller's part of the score (exports + language + province, the
    same sum as `Scorer.seller_points`), with set operations."""
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
