"""Scoring and every reason it gives: relevance tiers, certifications, readiness, prior exports,
capacity, language, province; delisted sellers excluded; invalid queries named by field."""

from __future__ import annotations

import pytest

from services.matching.domain import (
    CatalogIndex,
    InvalidQuery,
    MatchQuery,
    ProductProfile,
    SellerProfile,
    rank,
)
from shared.contracts.catalog import ListingStatus
from tests.matching_data import product, seller


def catalogue(*entries) -> CatalogIndex:
    index = CatalogIndex()
    for entry in entries:
        if hasattr(entry, "hs_code"):
            index.upsert_product(ProductProfile.of(entry))
        else:
            index.upsert_seller(SellerProfile.of(entry))
    return index


def codes(match) -> list[str]:
    return [reason.code for reason in match.reasons]


def test_exact_hs_code_beats_heading_beats_text() -> None:
    index = catalogue(
        seller("slr-exact"), product("p1", "slr-exact", "Kopi biji hijau", hs_code="090111"),
        seller("slr-heading"), product("p2", "slr-heading", "Kopi sangrai", hs_code="090121"),
        seller("slr-text"), product("p3", "slr-text", "Green bean roaster machine", hs_code="841981", sector="machinery"),
    )  # fmt: skip
    found = rank(MatchQuery(interests=("green bean",), hs_codes=("090111",)), index)
    assert [m.seller_id for m in found] == ["slr-exact", "slr-heading", "slr-text"]
    assert [m.reasons[0].code for m in found] == ["hs_code", "hs_heading", "text"]


def test_sector_alone_is_a_reason() -> None:
    index = catalogue(
        seller("s"), product("p", "s", "Garam krosok", hs_code="250100", sector="salt")
    )
    (found,) = rank(MatchQuery(sectors=frozenset({"salt"})), index)
    assert found.reasons[0].code == "sector"


def test_missing_certification_lowers_the_score_and_is_listed() -> None:
    index = catalogue(
        seller("slr-halal"), product("p1", "slr-halal", "Kopi bubuk", certifications=["halal"]),
        seller("slr-none"), product("p2", "slr-none", "Kopi bubuk"),
    )  # fmt: skip
    first, second = rank(
        MatchQuery(interests=("coffee",), required_certifications=frozenset({"halal"})), index
    )
    assert (first.seller_id, second.seller_id) == ("slr-halal", "slr-none")
    assert "certification_satisfied" in codes(first)
    assert "certification_missing" in codes(second)
    assert first.score - second.score == pytest.approx(15)


def test_readiness_gaps_are_explained() -> None:
    index = catalogue(
        seller("s"),
        product(
            "p",
            "s",
            "Keripik mete",
            hs_code="080132",
            sector="cashew",
            gaps=[("bpom", "missing"), ("halal", "expired")],
        ),
    )
    (found,) = rank(MatchQuery(interests=("cashew",)), index)
    gap = next(r for r in found.reasons if r.code == "readiness_gap")
    assert "bpom missing" in gap.text and "halal expired" in gap.text


def test_prior_export_to_the_delegates_country_raises_the_score() -> None:
    index = catalogue(
        seller("slr-jp", export_countries=["JP"]), product("p1", "slr-jp", "Kopi"),
        seller("slr-au", export_countries=["AU"]), product("p2", "slr-au", "Kopi"),
        seller("slr-new"), product("p3", "slr-new", "Kopi"),
    )  # fmt: skip
    found = rank(MatchQuery(interests=("coffee",), delegate_country="JP"), index)
    assert [m.seller_id for m in found] == ["slr-jp", "slr-au", "slr-new"]
    assert "exported to JP" in next(r.text for r in found[0].reasons if r.code == "prior_export")


def test_capacity_against_the_expected_volume() -> None:
    index = catalogue(
        seller("big"), product("p1", "big", "Kopi", monthly_capacity=20000),
        seller("small"), product("p2", "small", "Kopi", monthly_capacity=500),
    )  # fmt: skip
    big, small = rank(MatchQuery(interests=("coffee",), expected_volume=5000), index)
    assert "capacity_ok" in codes(big) and "capacity_short" in codes(small)
    assert big.score > small.score


def test_shared_language_or_an_interpreter() -> None:
    index = catalogue(
        seller("en", languages=["id", "en"]), product("p1", "en", "Kopi"),
        seller("id", languages=["id"]), product("p2", "id", "Kopi"),
    )  # fmt: skip
    first, second = rank(MatchQuery(interests=("coffee",), delegate_languages=("en-AU",)), index)
    assert first.seller_id == "en" and "shared_language" in codes(first)
    assert "interpreter_needed" in codes(second)


def test_preferred_province() -> None:
    index = catalogue(
        seller("ntt", province="ID-NT"), product("p1", "ntt", "Kopi"),
        seller("bali", province="ID-BA"), product("p2", "bali", "Kopi"),
    )  # fmt: skip
    found = rank(MatchQuery(interests=("coffee",), preferred_provinces=frozenset({"ID-BA"})), index)
    assert found[0].seller_id == "bali" and "preferred_province" in codes(found[0])


def test_no_bonus_lifts_a_weaker_match_above_a_stronger_one() -> None:
    index = catalogue(
        seller("weak", export_countries=["JP"], languages=["ja"], province="ID-BA"),
        product("p1", "weak", "Burr grinder", hs_code="847989", sector="machinery", certifications=["halal"]),
        seller("strong"), product("p2", "strong", "Kopi arabika", gaps=[("halal", "missing")]),
    )  # fmt: skip
    query = MatchQuery(
        interests=("arabica coffee", "grinder"), delegate_country="JP", delegate_languages=("ja",),
        preferred_provinces=frozenset({"ID-BA"}), required_certifications=frozenset({"halal"}),
    )  # fmt: skip
    found = rank(query, index)
    assert [m.seller_id for m in found] == ["strong", "weak"]


def test_delisted_sellers_and_products_are_not_proposed() -> None:
    index = catalogue(
        seller("gone", status=ListingStatus.delisted), product("p1", "gone", "Kopi"),
        seller("here"), product("p2", "here", "Kopi"), product("p3", "here", "Kopi lama", status=ListingStatus.delisted),
    )  # fmt: skip
    found = rank(MatchQuery(interests=("coffee",)), index)
    assert [m.seller_id for m in found] == ["here"]
    assert [p.product.id for p in found[0].products] == ["p2"]


def test_a_product_whose_seller_has_not_arrived_waits() -> None:
    index = catalogue(product("p1", "later", "Kopi"))
    assert rank(MatchQuery(interests=("coffee",)), index) == []
    index.upsert_seller(SellerProfile.of(seller("later")))
    assert [m.seller_id for m in rank(MatchQuery(interests=("coffee",)), index)] == ["later"]


def test_ties_are_broken_by_seller_id_for_a_stable_order() -> None:
    index = catalogue(
        *(x for n in (3, 1, 2) for x in (seller(f"s{n}"), product(f"p{n}", f"s{n}", "Kopi")))
    )
    assert [m.seller_id for m in rank(MatchQuery(interests=("coffee",)), index)] == [
        "s1",
        "s2",
        "s3",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (MatchQuery(interests=("  ",)), "interests"),
        (MatchQuery(interests=("coffee",), k=0), "k"),
        (MatchQuery(interests=("coffee",), k=51), "k"),
        (MatchQuery(interests=("coffee",), expected_volume=-1), "expected_volume"),
    ],
)
def test_invalid_queries_name_the_field(query, field) -> None:
    with pytest.raises(InvalidQuery) as refused:
        rank(query, CatalogIndex())
    assert refused.value.field == field
