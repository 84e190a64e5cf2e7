"""Across languages: an English interest finds a product described only in Indonesian, and the
reverse, through the bilingual term list and the HS codes behind it."""

from __future__ import annotations

import pytest

from services.matching.domain import CatalogIndex, MatchQuery, ProductProfile, SellerProfile, rank
from services.matching.terms import term_list
from tests.matching_data import product, seller

PAIRS = [
    # interest, product text (other language only), its HS code, its sector
    ("coffee", "Kopi arabika Flores Bajawa", "090111", "coffee"),
    ("cocoa", "Biji kakao fermentasi Sikka", "180100", "cocoa"),
    ("cocoa", "Cokelat batangan Maumere", "180632", "cocoa"),
    ("cashew", "Kacang jambu mete kupas", "080132", "cashew"),
    ("seaweed", "Rumput laut kering Rote", "121221", "seaweed"),
    ("woven textiles", "Kain tenun ikat Sumba", "580900", "woven_textiles"),
    ("moringa", "Daun kelor kering", "121190", "moringa"),
    ("cajuput oil", "Minyak kayu putih Buru", "330129", "essential_oils"),
    ("footwear", "Alas kaki kulit sapi", "640399", "footwear"),
]
REVERSE = [
    ("kopi", "Specialty arabica coffee beans", "090111", "coffee"),
    ("jambu mete", "Roasted cashew kernels", "080132", "cashew"),
    ("rumput laut", "Dried seaweed for carrageenan", "121229", "seaweed"),
    ("tenun ikat", "Handwoven ikat cloth", "580900", "woven_textiles"),
    ("minyak kayu putih", "Cajuput oil 60 ml", "330129", "essential_oils"),
    ("alas kaki", "Leather sandals", "640399", "footwear"),
]


def _only(text_id: str | None, text_en: str | None, hs: str, sector: str) -> CatalogIndex:
    index = CatalogIndex()
    index.upsert_seller(SellerProfile.of(seller("slr-1")))
    index.upsert_seller(SellerProfile.of(seller("slr-2")))
    index.upsert_product(ProductProfile.of(product("p-1", "slr-1", text_id, text_en, hs, sector)))
    # Something else in the catalogue, so a match is not found by default.
    index.upsert_product(
        ProductProfile.of(product("p-2", "slr-2", "Garam laut Kupang", None, "250100", "salt"))
    )
    return index


@pytest.mark.parametrize(
    ("interest", "text", "hs", "sector"), PAIRS, ids=[f"{p[0]}->{p[1]}" for p in PAIRS]
)
def test_an_english_interest_finds_an_indonesian_only_product(interest, text, hs, sector) -> None:
    found = rank(MatchQuery(interests=(interest,), k=5), _only(text, None, hs, sector))
    assert [m.seller_id for m in found] == ["slr-1"]
    assert found[0].reasons[0].code == "bilingual_term"
    assert interest in found[0].reasons[0].text


@pytest.mark.parametrize(
    ("interest", "text", "hs", "sector"), REVERSE, ids=[f"{p[0]}->{p[1]}" for p in REVERSE]
)
def test_an_indonesian_interest_finds_an_english_only_product(interest, text, hs, sector) -> None:
    found = rank(MatchQuery(interests=(interest,), k=5), _only(None, text, hs, sector))
    assert [m.seller_id for m in found] == ["slr-1"]
    assert "English term" in found[0].reasons[0].text or "HS code" in found[0].reasons[0].text


def test_longest_phrase_wins_and_text_is_folded() -> None:
    hits = term_list().find("MINYAK KAYU PUTIH asli, dan Se'i")
    assert list(dict.fromkeys(h.concept for h in hits)) == ["cajuput_oil", "jerky"]
    assert {h.concept for h in term_list().find("sei sapi asap")} == {"jerky"}


def test_hs_codes_map_to_concepts() -> None:
    assert term_list().for_hs("09011100") == {"coffee"}
    assert "cashew" in term_list().for_hs("080132")
