"""Fair exposure: on a skewed expo, proposals spread over more exhibitors (coverage up, Gini
down) while relevance still decides: fairness never puts a less relevant tier in front of a
more relevant one, nor proposes an irrelevant seller; and the metrics on small examples."""

from __future__ import annotations

import random

import pytest

from services.matching.exposure import (
    GUARANTEE_RELEVANCE,
    coverage,
    discount,
    fair_share,
    fair_top,
    gini,
    propose_for_expo,
)
from services.matching.ranking.index import CatalogIndex
from services.matching.ranking.query import MatchQuery, parse
from services.matching.ranking.search import score_candidates
from shared.contracts.catalog import ProductData, SellerData
from tests.matching_data import product, seller

CONCEPTS = {  # concept -> (Indonesian product name, HS code, sector, English interest)
    "coffee": ("Kopi arabika", "090111", "coffee", "coffee"),
    "ikat": ("Kain tenun ikat", "580900", "woven_textiles", "woven textiles"),
    "seaweed": ("Rumput laut kering", "121221", "seaweed", "seaweed"),
}


def skewed_expo(
    sellers_per_concept: int = 20, stars: int = 2
) -> tuple[CatalogIndex, list[str], dict[str, str]]:
    """Per concept, a few "star" sellers export everywhere, speak English and hold every
    certificate, so plain ranking proposes them to every delegate; a sea-salt producer
    matches no one."""
    sellers: list[SellerData] = []
    products: list[ProductData] = []
    concept_of: dict[str, str] = {}
    for concept, (name, hs, sector, _) in CONCEPTS.items():
        for n in range(sellers_per_concept):
            star = n < stars
            seller_id = f"{concept}-{n:02d}"
            concept_of[seller_id] = concept
            sellers.append(
                seller(
                    seller_id,
                    export_countries=["JP", "AU", "SG"] if star else [],
                    languages=["id", "en"] if star else ["id"],
                )
            )
            products.append(
                product(
                    f"p-{seller_id}",
                    seller_id,
                    f"{name} {n}",
                    hs_code=hs,
                    sector=sector,
                    certifications=["halal", "organic"] if star else [],
                    monthly_capacity=10_000 if star else 100 + 10 * n,
                )
            )
    sellers.append(seller("salt"))
    products.append(product("p-salt", "salt", "Garam laut", hs_code="250100", sector="salt"))
    concept_of["salt"] = "salt"
    index = CatalogIndex.of(sellers, products)
    return index, [s.id for s in sellers], concept_of


def delegates(count: int = 30, k: int = 5, seed: int = 3) -> dict[str, MatchQuery]:
    rng = random.Random(seed)
    queries = {}
    for n in range(count):
        wanted = rng.sample(sorted(CONCEPTS), rng.choice([1, 1, 2]))
        queries[f"d{n:02d}"] = MatchQuery(
            interests=tuple(CONCEPTS[c][3] for c in wanted),
            required_certifications=frozenset({"halal"}),
            delegate_country="JP",
            delegate_languages=("en",),
            expected_volume=1000,
            k=k,
        )
    return queries


def test_fairness_raises_coverage_and_lowers_gini_on_a_skewed_expo() -> None:
    index, exhibitors, _ = skewed_expo()
    plain = propose_for_expo(delegates(), index, exhibitors, fair=False)
    fair = propose_for_expo(delegates(), index, exhibitors, fair=True)
    assert sum(plain.counts.values()) == sum(fair.counts.values()) == 150
    assert plain.coverage < 0.5
    assert fair.coverage > plain.coverage + 0.2
    assert fair.gini < plain.gini - 0.2


def test_fairness_never_proposes_an_irrelevant_seller_and_shows_lists_in_plain_order() -> None:
    index, exhibitors, concept_of = skewed_expo()
    queries = delegates()
    fair = propose_for_expo(queries, index, exhibitors)
    for delegate, matches in fair.by_delegate.items():
        assert len(matches) == 5
        asked = {
            c for c, (*_, interest) in CONCEPTS.items() if interest in queries[delegate].interests
        }
        assert {concept_of[m.seller_id] for m in matches} <= asked
        # Shown in the plain order: no seller below one of its tier with a lower score.
        shown = [(-m.tier, -m.score) for m in matches]
        assert shown == sorted(shown)
    assert fair.counts["salt"] == 0


def test_a_weaker_tier_never_goes_before_a_stronger_one_whatever_the_exposure() -> None:
    index = CatalogIndex.of(
        [seller("kopi"), seller("grinder", export_countries=["JP"], languages=["en"])],
        [
            product("p1", "kopi", "Kopi arabika"),
            product("p2", "grinder", None, "Burr grinder machine", hs_code="847989", sector="machinery"),
        ],
    )  # fmt: skip
    query = MatchQuery(interests=("kopi", "grinder"), delegate_country="JP", k=2)
    # The coffee seller has been proposed a hundred times already; the grinder never.
    result = propose_for_expo({"d": query}, index, ["kopi", "grinder"], already={"kopi": 100})
    assert [m.seller_id for m in result.by_delegate["d"]] == ["kopi", "grinder"]


def two_exporters_and_a_newcomer() -> tuple[CatalogIndex, MatchQuery]:
    """Coffee sellers "a" and "b" already export to Japan and speak English; "c" does neither."""
    index = CatalogIndex.of(
        [
            seller("a", export_countries=["JP"], languages=["en"]),
            seller("b", export_countries=["JP"], languages=["en"]),
            seller("c"),
        ],
        [product(f"p{s}", s, "Kopi arabika") for s in "abc"],
    )
    query = MatchQuery(interests="coffee", delegate_country="JP", delegate_languages=("en",), k=2)
    return index, query


def test_the_guarantee_gives_the_last_place_to_a_relevant_newcomer() -> None:
    index, query = two_exporters_and_a_newcomer()
    already = {"a": 1, "b": 1}  # both at their fair share: no discount applies
    plain = propose_for_expo({"d": query}, index, "abc", already=already, fair=False)
    fair = propose_for_expo({"d": query}, index, "abc", already=already)
    assert [m.seller_id for m in plain.by_delegate["d"]] == ["a", "b"]
    assert [m.seller_id for m in fair.by_delegate["d"]] == ["a", "c"]
    # The same rule for one request on its own.
    parsed = parse(query)
    scored = score_candidates(parsed, index, exhaustive=True)
    alone = fair_top(parsed, index, scored, 2, already, {"a", "b", "c"})
    assert [m.seller_id for m in alone] == ["a", "c"]
    for first, newcomer in (fair.by_delegate["d"], alone):
        assert "newcomer" not in [r.code for r in first.reasons]
        assert newcomer.reasons[-1].code == "newcomer" and newcomer.reasons[-1].weight == 0
        assert "not yet been proposed to any delegate" in newcomer.reasons[-1].text


def test_the_guarantee_is_spent_once_a_delegate_has_a_newcomer() -> None:
    index, query = two_exporters_and_a_newcomer()
    # "a" was never proposed and comes first: the last place goes by score, to "b".
    fair = propose_for_expo({"d": query}, index, "abc", already={"b": 1})
    assert [m.seller_id for m in fair.by_delegate["d"]] == ["a", "b"]


def test_the_guarantee_takes_no_newcomer_of_a_weaker_tier() -> None:
    index = CatalogIndex.of(
        [seller("a"), seller("b"), seller("c")],
        [
            product("pa", "a", "Kopi arabika"),
            product("pb", "b", "Kopi robusta"),
            product("pc", "c", None, "Burr grinder", hs_code="847989", sector="machinery"),
        ],
    )
    query = MatchQuery(interests=("kopi", "grinder"), k=2)
    fair = propose_for_expo({"d": query}, index, "abc", already={"a": 1, "b": 1})
    assert [m.seller_id for m in fair.by_delegate["d"]] == ["a", "b"]
    assert fair.by_delegate["d"][0].relevance > GUARANTEE_RELEVANCE


def test_proposals_do_not_depend_on_the_order_delegates_are_given_in() -> None:
    index, exhibitors, _ = skewed_expo(sellers_per_concept=6)
    queries = delegates(count=8, k=3)
    forwards = propose_for_expo(queries, index, exhibitors)
    backwards = propose_for_expo(dict(reversed(queries.items())), index, exhibitors)
    assert {d: [m.seller_id for m in ms] for d, ms in forwards.by_delegate.items()} == {
        d: [m.seller_id for m in ms] for d, ms in backwards.by_delegate.items()
    }


def test_k_can_be_set_for_the_whole_expo() -> None:
    index, exhibitors, _ = skewed_expo(sellers_per_concept=6)
    result = propose_for_expo(delegates(count=4, k=5), index, exhibitors, k=2)
    assert all(len(matches) == 2 for matches in result.by_delegate.values())


def test_discount_formula() -> None:
    assert fair_share({"a": 6, "b": 0, "c": 0}, exhibitors=3) == 2.0
    assert fair_share({}, exhibitors=40) == 1.0  # the first proposals cost nothing
    assert discount(2, target=2.0) == 1.0
    assert discount(4, target=2.0) == 0.5  # twice the fair share: half the score


def test_metrics_on_small_examples() -> None:
    assert gini([3, 3, 3]) == 0
    assert gini([0, 0, 9]) == pytest.approx(2 / 3)
    assert gini([1, 0]) == pytest.approx(0.5)
    assert gini([]) == 0 and gini([0, 0]) == 0
    assert coverage({"a": 2, "b": 0}, ["a", "b", "c", "d"]) == 0.25
    assert coverage({}, []) == 0.0
