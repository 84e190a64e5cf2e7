"""Fair exposure across the delegates of one expo.

Plain ranking proposes the same well-certified, export-experienced sellers to every delegate
and leaves small producers with no one. Two rules spread the proposals, and neither ever
lifts a seller above one of a higher relevance tier:

- discount: a seller's score is multiplied by 1 / (1 + λ · max(0, n - t) / t), where n is how
  often it was proposed in this expo so far and t the fair share (proposals so far /
  exhibitors, at least 1); λ = 1, so a seller at twice its share keeps half its score;
- guarantee: when a delegate's k places are filled and none went to an exhibitor never
  proposed before, the last place goes to the best such exhibitor if its relevance is at
  least GUARANTEE_RELEVANCE and in the same tier as the seller it displaces.

Delegates pick one seller at a time in rounds, in snake order (sorted ids, then reversed,
and so on), so neither the first in the list nor the first to register takes every popular
seller. The rules decide who is proposed; each list is then shown in the plain order (tier,
score), so no seller appears below one with a lower score of its tier, and a seller placed
by the guarantee says so in its reasons. Measured by coverage (share of exhibitors proposed
at least once) and the Gini coefficient of proposals per exhibitor (0: even; near 1: all to
one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from services.matching.ranking.explain import Reason, SellerMatch, explain
from services.matching.ranking.index import CatalogIndex
from services.matching.ranking.query import MatchQuery, ParsedQuery, parse
from services.matching.ranking.scoring import Candidate
from services.matching.ranking.search import candidate_order, order_key, score_candidates
from services.matching.ranking.weights import GOOD, tier

LAMBDA = 1.0
GUARANTEE_RELEVANCE = GOOD


def fair_share(counts: Mapping[str, int], exhibitors: int) -> float:
    """Proposals per exhibitor so far (at least 1, so the first proposals are not penalised)."""
    return max(sum(counts.values()) / max(exhibitors, 1), 1.0)


def discount(proposals: int, target: float) -> float:
    return 1 / (1 + LAMBDA * max(0.0, proposals - target) / target)


def coverage(counts: Mapping[str, int], exhibitors: Iterable[str]) -> float:
    """Share of exhibitors proposed at least once."""
    everyone = set(exhibitors)
    if not everyone:
        return 0.0
    return sum(counts.get(seller, 0) > 0 for seller in everyone) / len(everyone)


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of non-negative values: 0 when all are equal."""
    ordered = sorted(values)
    total = sum(ordered)
    if not ordered or total == 0:
        return 0.0
    weighted = sum((position + 1) * value for position, value in enumerate(ordered))
    n = len(ordered)
    return (2 * weighted) / (n * total) - (n + 1) / n


@dataclass(frozen=True, slots=True)
class Spread:
    """How evenly an expo's proposals so far spread over its exhibitors."""

    exhibitors: int
    proposals: int  # made to these exhibitors
    coverage: float
    gini: float
    least_proposed: tuple[str, ...]  # the (up to 10) exhibitors proposed least, fewest first

    @classmethod
    def of(cls, counts: Mapping[str, int], exhibitors: Collection[str]) -> Spread:
        """From the expo's proposal counts per seller (sellers no longer exhibiting left out)."""
        theirs = {seller: n for seller, n in counts.items() if seller in exhibitors}
        return cls(
            exhibitors=len(exhibitors),
            proposals=sum(theirs.values()),
            coverage=coverage(theirs, exhibitors),
            gini=gini(theirs.get(seller, 0) for seller in exhibitors),
            least_proposed=tuple(sorted(exhibitors, key=lambda s: (theirs.get(s, 0), s))[:10]),
        )


def _pick(
    candidates: Iterable[Candidate], counts: Mapping[str, int], target: float, fair: bool
) -> Candidate | None:
    """The best candidate by (tier, discounted score, seller id)."""
    return min(
        candidates,
        key=lambda c: order_key(
            tier(c[0]), c[1] * discount(counts.get(c[2], 0), target) if fair else c[1], c[2]
        ),
        default=None,
    )


def _newcomer_for(
    displaced: Candidate, candidates: Iterable[Candidate], counts: Mapping[str, int]
) -> Candidate | None:
    """The best never-proposed candidate that may take `displaced`'s place: relevant enough
    and of the same tier, so no one more relevant is pushed out for it."""
    eligible = (
        c
        for c in candidates
        if counts.get(c[2], 0) == 0
        and c[0] >= GUARANTEE_RELEVANCE
        and tier(c[0]) == tier(displaced[0])
    )
    return min(eligible, key=candidate_order, default=None)


def fair_top(
    parsed: ParsedQuery,
    index: CatalogIndex,
    scored: list[Candidate],
    k: int,
    counts: Mapping[str, int],
    exhibitors: Collection[str],
) -> list[SellerMatch]:
    """One delegate's k best under the discount and the guarantee, given the expo's counts
    (the candidates must be scored exhaustively: `score_candidates(..., exhaustive=True)`)."""
    target = fair_share(counts, len(exhibitors))
    remaining = [c for c in scored if c[2] in exhibitors]
    remaining.sort(
        key=lambda c: order_key(tier(c[0]), c[1] * discount(counts.get(c[2], 0), target), c[2])
    )
    chosen = remaining[:k]
    newcomer = None
    if len(chosen) == k and all(counts.get(c[2], 0) > 0 for c in chosen):
        newcomer = _newcomer_for(chosen[-1], remaining[k:], counts)
        if newcomer is not None:
            chosen[-1] = newcomer
    return _shown(parsed, index, chosen, {newcomer} if newcomer else set())


def _shown(
    parsed: ParsedQuery, index: CatalogIndex, chosen: list[Candidate], newcomers: set[Candidate]
) -> list[SellerMatch]:
    """The chosen sellers explained, in the plain order; those the guarantee placed say so."""
    shown = []
    for candidate in sorted(chosen, key=candidate_order):
        match = explain(parsed, index, candidate)
        if candidate in newcomers:
            text = (
                f"{match.seller_name} had not yet been proposed to any delegate of this expo: "
                "one place in each list goes to such a producer"
            )
            match = replace(match, reasons=(*match.reasons, Reason("newcomer", text, 0.0)))
        shown.append(match)
    return shown


@dataclass(frozen=True)
class ExpoProposals:
    by_delegate: dict[str, list[SellerMatch]]
    counts: Counter[str]  # proposals per exhibitor, earlier ones included
    coverage: float
    gini: float


def propose_for_expo(
    queries: Mapping[str, MatchQuery],
    index: CatalogIndex,
    exhibitors: Iterable[str] | None = None,
    already: Mapping[str, int] | None = None,
    fair: bool = True,
    *,
    k: int | None = None,
) -> ExpoProposals:
    """The top k exhibitors for every delegate (`queries` by delegate id), picked one at a
    time in snake-order rounds under the discount, with the guarantee on each last place.
    `exhibitors` defaults to every active seller of the index; `already` holds the expo's
    earlier proposal counts; `k` overrides the queries' own; `fair=False` gives plain
    ranking in the same rounds, for comparison."""
    # One function: every pick changes the counts the next pick is discounted by, so the rounds,
    # the discount and the guarantee read best as the one loop they are.
    sellers = sorted(
        set(exhibitors)
        if exhibitors is not None
        else {s.id for s in index.sellers.values() if s.active}
    )
    allowed = frozenset(sellers)
    counts: Counter[str] = Counter(
        {s: n for s, n in (already or {}).items() if n > 0 and s in allowed}
    )
    parsed = {delegate: parse(query) for delegate, query in queries.items()}
    wanted = {delegate: k or query.k for delegate, query in queries.items()}
    remaining = {
        delegate: [c for c in score_candidates(p, index, exhaustive=True) if c[2] in allowed]
        for delegate, p in parsed.items()
    }
    picked: dict[str, list[Candidate]] = {delegate: [] for delegate in queries}
    given_a_newcomer: set[str] = set()  # delegates proposed a never-proposed exhibitor
    placed_by_guarantee: dict[str, set[Candidate]] = {delegate: set() for delegate in queries}
    order = sorted(queries)
    for round_number in range(max(wanted.values(), default=0)):
        for delegate in order if round_number % 2 == 0 else order[::-1]:
            if len(picked[delegate]) >= wanted[delegate]:
                continue
            target = fair_share(counts, len(sellers))
            best = _pick(remaining[delegate], counts, target, fair)
            if best is None:
                continue
            last_place = len(picked[delegate]) == wanted[delegate] - 1
            if fair and last_place and delegate not in given_a_newcomer and counts[best[2]]:
                others = (c for c in remaining[delegate] if c is not best)
                newcomer = _newcomer_for(best, others, counts)
                if newcomer is not None:
                    best = newcomer
                    placed_by_guarantee[delegate].add(newcomer)
            if counts[best[2]] == 0:
                given_a_newcomer.add(delegate)
            picked[delegate].append(best)
            remaining[delegate].remove(best)
            counts[best[2]] += 1
    proposals = Counter({seller: counts.get(seller, 0) for seller in sellers})
    return ExpoProposals(
        by_delegate={
            delegate: _shown(parsed[delegate], index, chosen, placed_by_guarantee[delegate])
            for delegate, chosen in picked.items()
        },
        counts=proposals,
        coverage=coverage(proposals, sellers),
        gini=gini(proposals[seller] for seller in sellers),
    )
