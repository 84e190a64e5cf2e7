"""Fair exposure across the delegates of one expo.

Plain ranking proposes the same popular sellers to everyone and leaves small producers with no
one. Here a seller's score (never its relevance tier) is divided by 1 + λ·excess/target, where
excess is how many proposals it already has beyond the fair share `target` (proposals so far /
exhibitors). Delegates take their picks in rounds — everyone's first choice, then everyone's
second, with the order rotating each round — so nobody's place in the list buys them the
popular sellers. Measured by coverage (share of exhibitors proposed at least once) and the Gini
coefficient of proposals per exhibitor (0: perfectly even).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.matching.domain import (
    CatalogIndex,
    MatchQuery,
    SellerMatch,
    parse,
    score_candidates,
    top,
)

LAMBDA = 1.0


def discounts(counts: Mapping[str, int], exhibitors: int) -> dict[str, float]:
    total = sum(counts.values())
    target = max(total / max(exhibitors, 1), 1.0)
    return {
        seller: 1 / (1 + LAMBDA * max(0.0, count - target) / target)
        for seller, count in counts.items()
    }


def coverage(counts: Mapping[str, int], exhibitors: Iterable[str]) -> float:
    everyone = list(exhibitors)
    if not everyone:
        return 0.0
    return sum(counts.get(seller, 0) > 0 for seller in everyone) / len(everyone)


def gini(values: Iterable[float]) -> float:
    ordered = sorted(values)
    total = sum(ordered)
    if not ordered or total == 0:
        return 0.0
    weighted = sum((index + 1) * value for index, value in enumerate(ordered))
    n = len(ordered)
    return (2 * weighted) / (n * total) - (n + 1) / n


@dataclass(frozen=True)
class ExpoProposals:
    by_delegate: dict[str, list[SellerMatch]]
    counts: Counter[str]
    coverage: float
    gini: float


def propose_for_expo(
    queries: Mapping[str, MatchQuery],
    index: CatalogIndex,
    exhibitors: Iterable[str],
    already: Mapping[str, int] | None = None,
    fair: bool = True,
) -> ExpoProposals:
    """The top k sellers for every delegate, picked in rotating rounds under the discount."""
    sellers = sorted(set(exhibitors))
    counts: Counter[str] = Counter(already or {})
    parsed = {delegate: parse(query) for delegate, query in queries.items()}
    scored = {delegate: score_candidates(p, index) for delegate, p in parsed.items()}
    chosen: dict[str, list[SellerMatch]] = {delegate: [] for delegate in queries}
    delegates = sorted(queries)
    rounds = max((query.k for query in queries.values()), default=0)
    for round_number in range(rounds):
        shift = round_number % max(len(delegates), 1)
        for delegate in delegates[shift:] + delegates[:shift]:
            if len(chosen[delegate]) >= queries[delegate].k:
                continue
            taken = {match.seller_id for match in chosen[delegate]}
            remaining = [c for c in scored[delegate] if c[2] not in taken]
            factors = discounts(counts, len(sellers)) if fair else {}
            best = top(parsed[delegate], index, remaining, 1, factors)
            if best:
                chosen[delegate].append(best[0])
                counts[best[0].seller_id] += 1
    proposals = Counter({s: counts.get(s, 0) for s in sellers})
    return ExpoProposals(
        by_delegate=chosen,
        counts=proposals,
        coverage=coverage(proposals, sellers),
        gini=gini(proposals[s] for s in sellers),
    )
