"""Fair exposure: on a skewed expo, proposals spread over more exhibitors (coverage up, Gini
down) while relevance still decides the order of tiers."""

from __future__ import annotations

import pytest

from services.matching.domain import CatalogIndex, MatchQuery, ProductProfile, SellerProfile
from services.matching.exposure import coverage, gini, propose_for_expo
from tests.matching_data import product, seller


def skewed_expo() -> tuple[CatalogIndex, list[str]]:
    """Ten coffee sellers; the first two export everywhere and hold every certificate, so plain
    ranking would propose them to every delegate."""
    index = CatalogIndex()
    ids = []
    for n in range(10):
        star = n < 2
        index.upsert_seller(
            SellerProfile.of(
                seller(
                    f"s{n}",
                    export_countries=["JP", "AU", "MY"] if star else [],
                    languages=["id", "en"] if star else ["id"],
                )
            )
        )
        index.upsert_product(
            ProductProfile.of(
                product(f"p{n}", f"s{n}", "Kopi arabika", certifications=["halal"] if star else [])
            )
        )
        ids.append(f"s{n}")
    index.upsert_seller(SellerProfile.of(seller("salt")))
    index.upsert_product(
        ProductProfile.of(product("p-salt", "salt", "Garam laut", hs_code="250100", sector="salt"))
    )
    return index, ids + ["salt"]


def queries(k: int = 2) -> dict[str, MatchQuery]:
    return {
        f"d{n}": MatchQuery(
            interests=("coffee",), delegate_country="JP", delegate_languages=("en",), k=k
        )
        for n in range(10)
    }


def test_fairness_spreads_proposals_over_more_exhibitors() -> None:
    index, exhibitors = skewed_expo()
    plain = propose_for_expo(queries(), index, exhibitors, fair=False)
    fair = propose_for_expo(queries(), index, exhibitors, fair=True)
    assert plain.coverage == pytest.approx(2 / 11)  # everyone gets the two stars
    assert fair.coverage > plain.coverage
    assert fair.gini < plain.gini
    assert sum(fair.counts.values()) == sum(plain.counts.values()) == 20


def test_fairness_never_proposes_an_irrelevant_seller() -> None:
    index, exhibitors = skewed_expo()
    fair = propose_for_expo(queries(k=5), index, exhibitors)
    assert all(m.seller_id != "salt" for matches in fair.by_delegate.values() for m in matches)
    for matches in fair.by_delegate.values():
        tiers = [m.tier for m in matches]
        assert tiers == sorted(tiers, reverse=True)


def test_metrics_on_small_examples() -> None:
    assert gini([3, 3, 3]) == 0
    assert gini([0, 0, 9]) == pytest.approx(2 / 3)
    assert gini([]) == 0
    assert coverage({"a": 2, "b": 0}, ["a", "b", "c", "d"]) == 0.25
