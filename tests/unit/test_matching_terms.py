"""Across languages: an English interest finds a product described only in Indonesian, and the
reverse, through the bilingual term list (with HS codes as its spine); and the term list
itself: phrases before words, folding, data that holds together."""

from __future__ import annotations

import pytest

from services.matching.ranking.index import CatalogIndex
from services.matching.ranking.query import MatchQuery
from services.matching.ranking.search import rank
from services.matching.terms import (
    ConceptHit,
    concepts_for_hs,
    concepts_in,
    normalise,
    term_list,
    tokens,
)
from shared.contracts.catalog import Sector
from shared.hs import hs_nomenclature
from tests.matching_data import product, seller

# interest, product name in the other language only, the term that must be quoted, HS, sector
ENGLISH_TO_INDONESIAN = [
    ("coffee", "Kopi Arabika Flores Bajawa", "kopi arabika", "090111", "coffee"),
    ("cocoa", "Biji kakao fermentasi Sikka", "biji kakao", "180100", "cocoa"),
    ("cocoa", "Cokelat batangan Maumere", "cokelat batangan", "180632", "cocoa"),
    ("cashew", "Kacang jambu mete kupas", "jambu mete", "080132", "cashew"),
    ("seaweed", "Rumput laut kering Rote", "rumput laut kering", "121221", "seaweed"),
    ("woven textiles", "Tenun ikat Sumba Timur", "tenun ikat", "580900", "woven_textiles"),
    ("moringa", "Daun kelor kering", "daun kelor", "121190", "moringa"),
    ("cajuput oil", "Minyak kayu putih Buru", "minyak kayu putih", "330129", "essential_oils"),
    ("footwear", "Alas kaki kulit sapi", "alas kaki", "640399", "footwear"),
]
INDONESIAN_TO_ENGLISH = [
    ("kopi", "Specialty arabica coffee beans", "090111", "coffee"),
    ("kakao", "Fermented cocoa beans", "180100", "cocoa"),
    ("jambu mete", "Roasted cashew kernels", "200819", "cashew"),
    ("rumput laut", "Dried seaweed Eucheuma cottonii", "121221", "seaweed"),
    ("tenun ikat", "Handwoven ikat cloth", "580900", "woven_textiles"),
    ("daun kelor", "Moringa leaf powder", "121190", "moringa"),
    ("minyak kayu putih", "Cajuput oil 60 ml", "330129", "essential_oils"),
    ("alas kaki", "Leather sandals", "640399", "footwear"),
]


def catalogue_with(name_id: str | None, name_en: str | None, hs: str, sector: str) -> CatalogIndex:
    # A sea-salt producer besides: matching "laut" (sea) or anything loose would find it.
    return CatalogIndex.of(
        [seller("slr-1"), seller("slr-salt")],
        [
            product("p-1", "slr-1", name_id, name_en, hs, sector),
            product("p-salt", "slr-salt", "Garam laut Kupang", None, "250100", "salt"),
        ],
    )


@pytest.mark.parametrize(
    ("interest", "name", "term", "hs", "sector"),
    ENGLISH_TO_INDONESIAN,
    ids=[f"{row[0]}->{row[2]}" for row in ENGLISH_TO_INDONESIAN],
)
def test_an_english_interest_finds_a_product_named_only_in_indonesian(
    interest: str, name: str, term: str, hs: str, sector: str
) -> None:
    found = rank(MatchQuery(interests=interest, k=5), catalogue_with(name, None, hs, sector))
    assert [match.seller_id for match in found] == ["slr-1"]
    reason = found[0].reasons[0]
    assert reason.code == "bilingual_term" and reason.product_id == "p-1"
    assert f"your interest '{interest}' via the Indonesian term '{term}'" in reason.text


@pytest.mark.parametrize(
    ("interest", "name", "hs", "sector"),
    INDONESIAN_TO_ENGLISH,
    ids=[f"{row[0]}->{row[1]}" for row in INDONESIAN_TO_ENGLISH],
)
def test_an_indonesian_interest_finds_a_product_named_only_in_english(
    interest: str, name: str, hs: str, sector: str
) -> None:
    found = rank(MatchQuery(interests=interest, k=5), catalogue_with(None, name, hs, sector))
    assert [match.seller_id for match in found] == ["slr-1"]
    reason = found[0].reasons[0]
    assert reason.code == "bilingual_term"
    assert f"your interest '{interest}' via the English term" in reason.text


def test_the_term_list_matches_even_under_an_hs_code_that_says_nothing() -> None:
    # 210690 holds every food preparation: the concept can come only from the words.
    index = catalogue_with("Kopi bubuk instan", None, "210690", "processed_food")
    (found,) = rank(MatchQuery(interests="coffee"), index)
    assert "via the Indonesian term 'kopi bubuk'" in found.reasons[0].text


def test_an_hs_code_that_identifies_a_concept_matches_without_any_words() -> None:
    index = catalogue_with("Produk UD Sumber Rejeki", None, "090121", "coffee")
    (found,) = rank(MatchQuery(interests="coffee"), index)
    assert found.reasons[0].code == "bilingual_term"
    assert "via its HS code 090121, which is coffee" in found.reasons[0].text


def test_a_concept_named_only_in_a_description_counts_in_the_products_own_sector() -> None:
    drying = product(
        "p-1",
        "slr-1",
        "Kopi Bajawa",
        description={"id": "Dikeringkan dengan mesin pengering, cocok dengan gula aren."},
    )
    index = CatalogIndex.of([seller("slr-1")], [drying])
    assert rank(MatchQuery(interests="machinery"), index) == []  # "mesin" in passing
    assert rank(MatchQuery(interests="palm sugar"), index) == []
    assert [m.seller_id for m in rank(MatchQuery(interests="coffee"), index)] == ["slr-1"]


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("MINYAK KAYU PUTIH asli, dan Se'i", ["cajuput_oil", "jerky"]),  # phrase, folding
        ("sei sapi asap", ["jerky"]),
        ("ikat pinggang kulit", ["belt"]),  # not ikat cloth: the longer phrase wins
        ("kain tenun ikat", ["woven_textiles"]),
        ("jambu mete", ["cashew"]),  # not jambu (guava)
        ("rumput laut", ["seaweed"]),  # its "laut" is not sea salt
        ("sepatu kulit warna cokelat", ["footwear"]),  # cokelat here is the colour
        ("cokelat batangan", ["cocoa"]),
        ("agar-agar", ["seaweed"]),
        ("dikemas agar tetap segar", []),  # agar alone is "so that"
        ("Roasted cashews", ["cashew"]),  # English plural
        ("cassava chips", ["snacks", "cassava"]),  # one phrase, two concepts
        ("sandal wood carving", ["sandalwood"]),  # not footwear
        ("rempah-rempah", ["spices"]),
        ("Café-style kopinya", ["coffee"]),  # accents, the "-nya" suffix
    ],
)
def test_concepts_in_text(text: str, concepts: list[str]) -> None:
    found = [hit.concept for hit in concepts_in(text)]
    assert list(dict.fromkeys(found)) == concepts


def test_a_hit_says_which_language_named_it() -> None:
    assert concepts_in("kopi") == [ConceptHit("coffee", "kopi", "id")]
    assert concepts_in("coffee") == [ConceptHit("coffee", "coffee", "en")]
    assert concepts_in("tuna") == [ConceptHit("tuna", "tuna", "en+id")]


def test_normalise_folds_case_accents_apostrophes_and_plurals() -> None:
    assert normalise("Se'i Sapi, CAFÉ & Boxes of Cashews") == "sei sapi cafe box of cashew"
    assert normalise("Alas kaki, manis, halus") == "alas kaki manis halus"  # -as/-is/-us stay


@pytest.mark.parametrize(
    ("code", "concepts"),
    [
        ("0901", {"coffee"}),
        ("09011100", {"coffee"}),
        ("030343", {"tuna", "fish"}),  # skipjack is tuna and fish
        ("090811", {"nutmeg", "spices"}),
        ("121221", {"seaweed"}),
        ("640399", {"footwear"}),
        ("210690", set()),  # typical of moringa and snacks, but holds everything else too
        ("330129", {"essential_oil"}),  # every non-citrus oil, so not cajuput as such
    ],
)
def test_concepts_for_hs(code: str, concepts: set[str]) -> None:
    assert concepts_for_hs(code) == concepts


def test_the_term_list_holds_together() -> None:
    terms = term_list()
    nomenclature = hs_nomenclature()
    sectors = {sector.value for sector in Sector}
    assert len(terms.concepts) >= 35
    for concept in terms.concepts.values():
        assert concept.sector in sectors, concept.name
        assert concept.english and concept.indonesian, concept.name
        assert concept.hs_prefixes or concept.hs_typical, concept.name
        for prefix in concept.hs_prefixes + concept.hs_typical:
            assert nomenclature.is_known_prefix(prefix[:6]), (concept.name, prefix)
        variety_words = [word for _, words in concept.varieties for word in words]
        assert all(len(tokens(word)) == 1 for word in variety_words), concept.name
        assert len(set(variety_words)) == len(variety_words), concept.name
    assert {name for name, _ in terms.concepts["coffee"].varieties} == {
        "arabica",
        "robusta",
        "liberica",
    }
    required = {
        "coffee", "cocoa", "cashew", "seaweed", "salt", "fish", "tuna", "woven_textiles",
        "moringa", "cajuput_oil", "essential_oil", "sandalwood", "batik", "footwear", "coconut",
        "honey", "vanilla", "candlenut", "palm_sugar", "spices", "nutmeg", "cloves", "crafts",
        "basketry", "snacks", "cassava", "sorghum", "corn", "jerky", "pearl", "tamarind", "noni",
    }  # fmt: skip
    assert required <= terms.concepts.keys()
