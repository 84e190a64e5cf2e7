"""Scoring and every reason it gives: relevance tiers, certifications, readiness, prior exports,
capacity, language, province; delisted sellers excluded; invalid queries named by field; a
stable order; and the indexed, pruned search giving the same answer as scoring everything."""

from __future__ import annotations

import random

import pytest

from bench.matching_inprocess import build_catalogue, build_queries
from services.matching.ranking.explain import SellerMatch, language_name
from services.matching.ranking.index import CatalogIndex
from services.matching.ranking.query import InvalidQuery, MatchQuery, parse
from services.matching.ranking.scoring import match_product, score_parts
from services.matching.ranking.search import rank, score_candidates, top
from services.matching.ranking.weights import BILINGUAL_TERM, OTHER_VARIETY, tier
from shared.contracts.catalog import ListingStatus, ProductData, SellerData
from tests.matching_data import product, seller

REASON_CODES = {
    "hs_code", "hs_heading", "hs_chapter", "bilingual_term", "text", "sector",
    "certification_satisfied", "certification_missing", "export_ready", "readiness_gap",
    "prior_export", "capacity_ok", "capacity_short", "shared_language", "interpreter_needed",
    "preferred_province",
}  # fmt: skip
PRODUCT_REASONS = REASON_CODES - {
    "prior_export",
    "shared_language",
    "interpreter_needed",
    "preferred_province",
}


def catalogue(*entries: SellerData | ProductData) -> CatalogIndex:
    return CatalogIndex.of(
        [e for e in entries if isinstance(e, SellerData)],
        [e for e in entries if isinstance(e, ProductData)],
    )


def codes(match: SellerMatch) -> list[str]:
    return [reason.code for reason in match.reasons]


def test_every_reason_code_is_given_and_explained() -> None:
    index = catalogue(
        seller("slr-kopi", export_countries=["JP"], languages=["id", "en"], province="ID-NT"),
        product("p-kopi", "slr-kopi", "Kopi arabika Bajawa", hs_code="090111",
                certifications=["halal"], monthly_capacity=5000),
        seller("slr-sangrai", export_countries=["AU"], languages=["id"], province="ID-BA"),
        product("p-sangrai", "slr-sangrai", "Kopi sangrai Kintamani", hs_code="090121",
                gaps=[("halal", "missing")], monthly_capacity=200),
        seller("slr-teh", languages=["id"]),
        product("p-teh", "slr-teh", "Teh daun sirsak", hs_code="090230", sector="processed_food"),
        seller("slr-garam"),
        product("p-garam", "slr-garam", "Garam krosok", hs_code="250100", sector="salt"),
        seller("slr-rumput"),
        product("p-rumput", "slr-rumput", "Rumput laut kering", hs_code="121221", sector="seaweed"),
        seller("slr-mesin"),
        product("p-mesin", "slr-mesin", None, "Green bean roaster", hs_code="841981", sector="machinery"),
    )  # fmt: skip
    queries = [
        MatchQuery(
            interests=("coffee", "green bean roaster"),
            hs_codes=("090111", "121229"),
            required_certifications=frozenset({"halal"}),
            expected_volume=1000,
            delegate_country="JP",
            delegate_languages=("en-AU",),
            preferred_provinces=frozenset({"ID-NT"}),
        ),
        MatchQuery(sectors=frozenset({"salt"}), delegate_languages=("ja",)),
    ]
    found = [match for query in queries for match in rank(query, index)]
    reasons = [reason for match in found for reason in match.reasons]
    assert {reason.code for reason in reasons} == REASON_CODES
    for reason in reasons:
        assert reason.text and reason.text[0].isupper(), reason
        assert (reason.product_id is not None) == (reason.code in PRODUCT_REASONS), reason


def test_the_first_reason_explains_the_relevance_with_its_weight() -> None:
    index = catalogue(seller("s"), product("p", "s", "Kopi Arabika Flores Bajawa"))
    (found,) = rank(MatchQuery(interests="coffee"), index)
    first = found.reasons[0]
    assert first.text == (
        "Kopi Arabika Flores Bajawa matches your interest 'coffee' via the Indonesian term "
        "'kopi arabika' (HS 0901)"
    )
    assert first.weight == pytest.approx(50 * found.relevance) and first.product_id == "p"
    assert [p.product.id for p in found.best_products] == ["p"]


def test_exact_hs_code_beats_heading_beats_chapter_beats_text() -> None:
    index = catalogue(
        seller("slr-exact"), product("p1", "slr-exact", "Biji hijau", hs_code="090111"),
        seller("slr-heading"), product("p2", "slr-heading", "Biji sangrai", hs_code="090121"),
        seller("slr-chapter"), product("p3", "slr-chapter", "Lada hitam", hs_code="090411", sector="spices"),
        seller("slr-text"), product("p4", "slr-text", None, "Green bean roaster machine", hs_code="841981", sector="machinery"),
    )  # fmt: skip
    found = rank(MatchQuery(interests="green bean", hs_codes=("090111",)), index)
    assert [m.seller_id for m in found] == ["slr-exact", "slr-heading", "slr-chapter", "slr-text"]
    assert [m.reasons[0].code for m in found] == ["hs_code", "hs_heading", "hs_chapter", "text"]
    assert [m.relevance for m in found] == [1.0, 0.85, 0.6, 0.5]
    assert "is in HS heading 0901 of the code 090111 you asked for" in found[1].reasons[0].text


def test_a_concept_match_ranks_with_the_hs_matches_above_words_and_sector() -> None:
    index = catalogue(
        seller("slr-kopi"), product("p1", "slr-kopi", "Kopi bubuk", hs_code="210690", sector="processed_food"),
        seller("slr-sector"), product("p2", "slr-sector", "Keripik pisang", hs_code="200899", sector="processed_food"),
        seller("slr-text"), product("p3", "slr-text", None, "Instant powder mixer", hs_code="847982", sector="machinery"),
    )  # fmt: skip
    query = MatchQuery(interests=("coffee", "instant powder"), sectors={"processed_food"})
    found = rank(query, index)
    assert [m.seller_id for m in found] == ["slr-kopi", "slr-sector", "slr-text"]
    assert [m.reasons[0].code for m in found] == ["bilingual_term", "sector", "text"]


def test_one_common_shared_word_is_not_a_match() -> None:
    index = catalogue(
        *(x for n in range(20) for x in (seller(f"s{n}"), product(f"p{n}", f"s{n}", None, f"Dried fruit mix {n}", hs_code="081340", sector="processed_food"))),
        seller("slr-mango"), product("p-mango", "slr-mango", None, "Sun dried mango", hs_code="081340", sector="processed_food"),
    )  # fmt: skip
    found = rank(MatchQuery(interests="sun dried mango"), index)
    assert [m.seller_id for m in found] == ["slr-mango"]  # "dried" alone is everywhere


def test_a_seller_matching_no_interest_is_not_returned() -> None:
    index = catalogue(
        seller("s"), product("p", "s", "Garam krosok", hs_code="250100", sector="salt")
    )
    assert rank(MatchQuery(interests="vanilla"), index) == []


def test_missing_certification_lowers_the_score_and_is_listed() -> None:
    index = catalogue(
        seller("slr-halal"), product("p1", "slr-halal", "Kopi bubuk", certifications=["halal"]),
        seller("slr-none"), product("p2", "slr-none", "Kopi bubuk"),
    )  # fmt: skip
    query = MatchQuery(interests="coffee", required_certifications={"halal", "bpom"})
    first, second = rank(query, index)
    assert (first.seller_id, second.seller_id) == ("slr-halal", "slr-none")
    assert codes(first).count("certification_satisfied") == 1
    assert codes(first).count("certification_missing") == 1  # bpom
    missing = [r for r in second.reasons if r.code == "certification_missing"]
    assert sorted(r.text.split(" the ")[1] for r in missing) == [
        "bpom certification you require",
        "halal certification you require",
    ]
    assert [r.weight for r in missing] == [-7.5, -7.5]
    assert first.score - second.score == pytest.approx(7.5)


def test_readiness_gaps_are_explained() -> None:
    gaps = [("bpom", "missing"), ("halal", "expired")]
    index = catalogue(
        seller("s"),
        product("p", "s", "Keripik mete", hs_code="080132", sector="cashew", gaps=gaps),
    )
    (found,) = rank(MatchQuery(interests="cashew"), index)
    gap = next(r for r in found.reasons if r.code == "readiness_gap")
    assert "bpom missing" in gap.text and "halal expired" in gap.text
    assert gap.weight == -5.0


def test_prior_export_to_the_delegates_country_raises_the_score() -> None:
    index = catalogue(
        seller("slr-jp", export_countries=["JP"]), product("p1", "slr-jp", "Kopi"),
        seller("slr-au", export_countries=["AU"]), product("p2", "slr-au", "Kopi"),
        seller("slr-new"), product("p3", "slr-new", "Kopi"),
    )  # fmt: skip
    found = rank(MatchQuery(interests="coffee", delegate_country="JP"), index)
    assert [m.seller_id for m in found] == ["slr-jp", "slr-au", "slr-new"]
    assert found[0].score - found[2].score == pytest.approx(8)
    assert "has exported to JP before" in next(
        r.text for r in found[0].reasons if r.code == "prior_export"
    )
    assert "prior_export" not in codes(found[2])


def test_capacity_against_the_expected_volume() -> None:
    index = catalogue(
        seller("big"), product("p1", "big", "Kopi", monthly_capacity=20000),
        seller("small"), product("p2", "small", "Kopi", monthly_capacity=500),
    )  # fmt: skip
    big, small = rank(MatchQuery(interests="coffee", expected_volume=5000), index)
    assert "capacity_ok" in codes(big) and "capacity_short" in codes(small)
    short = next(r for r in small.reasons if r.code == "capacity_short")
    assert short.weight == pytest.approx(-7 * (1 - 500 / 5000))
    assert big.score > small.score


def test_shared_language_by_primary_subtag_or_an_interpreter() -> None:
    index = catalogue(
        seller("en", languages=["id", "en"]), product("p1", "en", "Kopi"),
        seller("id", languages=["id"]), product("p2", "id", "Kopi"),
    )  # fmt: skip
    first, second = rank(MatchQuery(interests="coffee", delegate_languages=("en-AU",)), index)
    assert first.seller_id == "en" and "shared_language" in codes(first)
    assert "interpreter_needed" in codes(second)
    assert first.score - second.score == pytest.approx(5)


def test_reasons_name_every_language_and_province_in_english() -> None:
    index = catalogue(
        seller("sasak", languages=["id", "sas"], province="ID-PA"), product("p1", "sasak", "Kopi"),
    )  # fmt: skip
    query = MatchQuery(
        interests="coffee", delegate_languages=("en", "sn", "tpi"), preferred_provinces={"ID-PA"}
    )
    [found] = rank(query, index)
    texts = [reason.text for reason in found.reasons]
    assert "speaks Indonesian and Sasak, you speak English, Shona and Tok Pisin" in texts[-2]
    assert "Papua (ID-PA)" in texts[-1]
    assert language_name("qaa") == "qaa"  # private use: no name to give


def test_preferred_province() -> None:
    index = catalogue(
        seller("ntt", province="ID-NT"), product("p1", "ntt", "Kopi"),
        seller("bali", province="ID-BA"), product("p2", "bali", "Kopi"),
    )  # fmt: skip
    found = rank(MatchQuery(interests="coffee", preferred_provinces={"ID-BA"}), index)
    assert found[0].seller_id == "bali" and "preferred_province" in codes(found[0])
    assert "Bali (ID-BA)" in found[0].reasons[-1].text


def test_no_bonus_lifts_a_weaker_match_above_a_stronger_one() -> None:
    index = catalogue(
        seller("weak", export_countries=["JP"], languages=["ja"], province="ID-BA"),
        product("p1", "weak", None, "Burr grinder", hs_code="847989", sector="machinery", certifications=["halal"]),
        seller("strong"), product("p2", "strong", "Kopi arabika", gaps=[("halal", "missing")]),
    )  # fmt: skip
    query = MatchQuery(
        interests=("arabica coffee", "grinder"), delegate_country="JP", delegate_languages=("ja",),
        preferred_provinces={"ID-BA"}, required_certifications={"halal"},
    )  # fmt: skip
    strong, weak = rank(query, index)
    assert (strong.seller_id, weak.seller_id) == ("strong", "weak")
    assert weak.score > strong.score  # the tier decides, not the score


def test_delisted_sellers_and_products_are_not_proposed() -> None:
    index = catalogue(
        seller("gone", status=ListingStatus.delisted), product("p1", "gone", "Kopi"),
        seller("here"), product("p2", "here", "Kopi"),
        product("p3", "here", "Kopi lama", status=ListingStatus.delisted),
    )  # fmt: skip
    (found,) = rank(MatchQuery(interests="coffee"), index)
    assert found.seller_id == "here"
    assert [p.product.id for p in found.best_products] == ["p2"]
    assert index.count_active_products(["gone", "here", "unknown"]) == 1
    assert index.count_active_products(["gone"]) == 0


def test_the_index_follows_updates_and_removals() -> None:
    index = catalogue(
        seller("a"), product("pa", "a", "Kopi"),
        seller("b"), product("pb", "b", "Kopi"), product("pb2", "b", "Madu hutan", hs_code="040900", sector="honey"),
    )  # fmt: skip
    query = MatchQuery(interests="coffee")
    index.upsert_product(product("pa", "a", "Garam", hs_code="250100", sector="salt", version=2))
    assert [m.seller_id for m in rank(query, index)] == ["b"]
    index.upsert_seller(seller("b", status=ListingStatus.delisted, version=2))
    assert rank(query, index) == []
    index.upsert_seller(seller("b", version=3))
    index.remove_product("pb")
    assert rank(query, index) == []
    assert [m.seller_id for m in rank(MatchQuery(interests="madu"), index)] == ["b"]
    index.remove_seller("b")
    assert rank(MatchQuery(interests="madu"), index) == [] and "pb2" not in index.products


def test_a_product_whose_seller_has_not_arrived_waits() -> None:
    index = catalogue(product("p1", "later", "Kopi"))
    assert rank(MatchQuery(interests="coffee"), index) == []
    index.upsert_seller(seller("later"))
    assert [m.seller_id for m in rank(MatchQuery(interests="coffee"), index)] == ["later"]


def test_ties_are_broken_by_seller_id_whatever_the_insertion_order() -> None:
    entries = [
        x for n in range(12) for x in (seller(f"s{n:02d}"), product(f"p{n}", f"s{n:02d}", "Kopi"))
    ]
    expected = [f"s{n:02d}" for n in range(10)]
    for attempt in range(3):
        random.Random(attempt).shuffle(entries)
        assert [
            m.seller_id for m in rank(MatchQuery(interests="kopi"), catalogue(*entries))
        ] == expected


def test_rank_takes_plain_sellers_and_their_products_too() -> None:
    sellers = [seller("a"), seller("b", export_countries=["JP"])]
    products = {"a": [product("pa", "a", "Kopi")], "b": [product("pb", "b", "Kopi")]}
    query = MatchQuery(interests="coffee", delegate_country="JP")
    assert [m.seller_id for m in rank(query, sellers, products)] == ["b", "a"]
    with pytest.raises(TypeError):
        rank(query, CatalogIndex(), products)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (MatchQuery(interests=("  ",)), "interests"),
        (MatchQuery(), "interests"),
        (MatchQuery(interests="coffee", k=0), "k"),
        (MatchQuery(interests="coffee", k=51), "k"),
        (MatchQuery(interests="coffee", hs_codes=("0901", "999999")), "hs_codes[1]"),
        (MatchQuery(hs_codes=("09x1",)), "hs_codes[0]"),
        (MatchQuery(hs_codes=("090111123",)), "hs_codes[0]"),
        (MatchQuery(sectors={"sandwiches"}), "sectors"),
        (
            MatchQuery(interests="coffee", required_certifications={"iso9001"}),
            "required_certifications",
        ),
        (MatchQuery(interests="coffee", expected_volume=-1), "expected_volume"),
        (MatchQuery(interests="coffee", delegate_country="Japan"), "delegate_country"),
    ],
)
def test_invalid_queries_name_the_field(query: MatchQuery, field: str) -> None:
    with pytest.raises(InvalidQuery) as refused:
        rank(query, CatalogIndex())
    assert refused.value.field == field


def test_hs_prefixes_of_every_length_are_accepted() -> None:
    index = catalogue(seller("s"), product("p", "s", "Kopi", hs_code="09011190"))
    for code in ("09", "0901", "090111", "09011110"):
        assert [m.seller_id for m in rank(MatchQuery(hs_codes=(code,)), index)] == ["s"]


def test_the_pruned_search_equals_scoring_every_product() -> None:
    """The index and the bounds change how much is scored, never the answer: the same top k as
    the exhaustive search and as a brute-force pass over every product."""
    sellers, products = build_catalogue(sellers=150, products=700, seed=7)
    index = CatalogIndex.of(sellers, products)
    for _, query in build_queries(60, seed=8):
        pruned = rank(query, index)
        parsed = parse(query)
        exhaustive = top(parsed, index, score_candidates(parsed, index, exhaustive=True), 10)
        assert _summary(pruned) == _summary(exhaustive) == _brute_force(query, index)
        for match in pruned:
            assert 0 <= match.score <= 100
            assert match.tier == tier(match.relevance)


def test_an_interest_in_one_variety_ranks_another_variety_below_the_same_and_the_unspecified() -> (
    None
):
    index = catalogue(
        seller("arabika"), product("p1", "arabika", "Kopi arabika Bajawa"),
        seller("sangrai"), product("p2", "sangrai", "Kopi Bajawa sangrai"),
        seller("robusta"), product("p3", "robusta", "Kopi robusta Tepal biji hijau"),
    )  # fmt: skip
    for asked in ("arabica coffee", "kopi arabika"):
        found = rank(MatchQuery(interests=asked, k=3), index)
        assert [m.seller_id for m in found] == ["arabika", "sangrai", "robusta"]
        other = found[-1]
        assert other.relevance == OTHER_VARIETY and other.tier < found[1].tier
        assert other.reasons[0].code == "other_variety"
        assert other.reasons[0].text == (
            f"Kopi robusta Tepal biji hijau is coffee, as your interest '{asked}' asks, "
            "but robusta, not arabica"
        )
        # Sellers of the variety asked for, or of coffee unspecified, fill the places first.
        assert [m.seller_id for m in rank(MatchQuery(interests=asked, k=2), index)] == [
            "arabika",
            "sangrai",
        ]
    # An interest that names no variety takes robusta as coffee, and the reason says which.
    both = rank(MatchQuery(interests=("arabica coffee", "roasted coffee beans"), k=3), index)
    robusta = next(m for m in both if m.seller_id == "robusta")
    assert robusta.relevance == BILINGUAL_TERM
    assert "'roasted coffee beans'" in robusta.reasons[0].text
    assert "'arabica coffee'" not in robusta.reasons[0].text
    assert all(m.relevance == BILINGUAL_TERM for m in rank(MatchQuery(interests="kopi"), index))


def test_the_pruned_search_equals_scoring_every_product_when_varieties_are_asked_for() -> None:
    sellers, products = build_catalogue(sellers=150, products=700, seed=9)
    index = CatalogIndex.of(sellers, products)
    asked = ["arabica coffee", "kopi robusta", "cottonii seaweed", "skipjack tuna", "arabika"]
    for interests in [*([a] for a in asked), asked[:2], [asked[0], "green coffee beans"]]:
        for k in (3, 10, 50):
            query = MatchQuery(interests=tuple(interests), k=k)
            pruned = rank(query, index)
            assert _summary(pruned) == _brute_force(query, index)


def _summary(matches: list[SellerMatch]) -> list[tuple[str, float, float, str]]:
    return [(m.seller_id, m.relevance, m.score, m.best_products[0].product.id) for m in matches]


def _brute_force(query: MatchQuery, index: CatalogIndex) -> list[tuple[str, float, float, str]]:
    parsed = parse(query)
    best: dict[str, tuple[float, float, str]] = {}
    for product_id, listed in sorted(index.products.items()):
        owner = index.sellers.get(listed.seller_id)
        if not listed.active or owner is None or not owner.active:
            continue
        matched = match_product(parsed, index, listed)
        if matched is None:
            continue
        score = sum(score_parts(parsed, owner, listed, matched.relevance).values())
        known = best.get(owner.id)
        if known is None or (matched.relevance, round(score, 9)) > (known[0], round(known[1], 9)):
            best[owner.id] = (matched.relevance, score, product_id)
    ordered = sorted(best.items(), key=lambda kv: (-tier(kv[1][0]), -round(kv[1][1], 9), kv[0]))
    return [(s, rel, round(score, 2), pid) for s, (rel, score, pid) in ordered[: query.k]]
