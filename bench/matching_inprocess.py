"""Matching in-process: index build time and top-10 latency over a catalogue of the Sunda Kecil
kind, with no broker, Redis or HTTP.

    python -m bench.matching_inprocess [--sellers 10000] [--products 50000] [--queries 1000]

Goal: top-10 p99 <= 30 ms on 50,000 products from 10,000 sellers. `build_catalogue` and
`build_queries` are importable by other bench scripts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from functools import cache

from bench.measure import machine, percentile
from services.matching.ranking.index import CatalogIndex, ProductProfile
from services.matching.ranking.query import MatchQuery
from services.matching.ranking.search import rank
from services.matching.terms import Concept, term_list
from shared.contracts.catalog import (
    CertificationKind,
    Contact,
    ExportReadiness,
    GapReason,
    ListingStatus,
    LocalizedLongText,
    LocalizedText,
    ProductData,
    ReadinessGap,
    SalesTerm,
    Sector,
    SellerData,
)
from shared.hs import hs_nomenclature

REGENCIES = {
    "ID-NT": [
        "Kupang", "Kota Kupang", "Timor Tengah Selatan", "Timor Tengah Utara", "Belu", "Malaka",
        "Alor", "Lembata", "Flores Timur", "Sikka", "Ende", "Ngada", "Nagekeo", "Manggarai",
        "Manggarai Barat", "Manggarai Timur", "Sumba Timur", "Sumba Barat", "Sumba Barat Daya",
        "Rote Ndao", "Sabu Raijua",
    ],
    "ID-NB": [
        "Lombok Barat", "Lombok Tengah", "Lombok Timur", "Lombok Utara", "Kota Mataram",
        "Sumbawa", "Sumbawa Barat", "Dompu", "Bima",
    ],
    "ID-BA": [
        "Badung", "Bangli", "Buleleng", "Gianyar", "Jembrana", "Karangasem", "Klungkung",
        "Tabanan", "Kota Denpasar",
    ],
}  # fmt: skip
PROVINCE_WEIGHTS = {"ID-NT": 0.55, "ID-NB": 0.25, "ID-BA": 0.20}
PROVINCE_NAMES = {
    "ID-NT": ("Nusa Tenggara Timur", "East Nusa Tenggara"),
    "ID-NB": ("Nusa Tenggara Barat", "West Nusa Tenggara"),
    "ID-BA": ("Bali", "Bali"),
}
# How common each concept is among the expo's small producers (relative weights).
CONCEPT_WEIGHTS = {
    "woven_textiles": 14, "coffee": 9, "snacks": 9, "fish": 6, "seaweed": 6, "cashew": 6,
    "basketry": 5, "coconut": 4, "palm_sugar": 4, "moringa": 4, "tuna": 3, "crafts": 3,
    "woodcraft": 3, "salt": 3, "honey": 3, "jerky": 3, "cocoa": 3, "garments": 3, "pottery": 2,
    "cajuput_oil": 2, "candlenut": 2, "corn": 2, "cassava": 2, "pearl": 2, "batik": 2,
    "footwear": 2, "essential_oil": 1, "sandalwood": 1, "vanilla": 1, "spices": 1, "nutmeg": 1,
    "cloves": 1, "pepper": 1, "tamarind": 1, "sorghum": 1, "noni": 1, "belt": 1, "ginger": 1,
    "turmeric": 1, "cinnamon": 0.5, "it_services": 0.5, "machinery": 0.5,
    "pharmaceuticals": 0.5,
}  # fmt: skip
FOOD_SECTORS = {
    "coffee", "cocoa", "cashew", "seaweed", "salt", "fisheries", "moringa", "processed_food",
    "spices", "coconut", "honey", "vanilla",
}  # fmt: skip
UNITS = {
    "woven_textiles": "lembar", "batik": "lembar", "garments": "pcs", "footwear": "pasang",
    "crafts": "pcs", "essential_oils": "liter", "it_services": "proyek", "machinery": "unit",
}  # fmt: skip
EXPORT_MARKETS = ["AU", "TL", "SG", "MY", "JP", "NL", "US", "CN", "KR", "DE", "AE", "SA"]
DELEGATE_COUNTRIES = ["AU", "TL", "SG", "MY", "JP", "NL", "US", "CN", "KR", "DE", "PG", "NZ"]
DELEGATE_LANGUAGES = ["en", "en-AU", "ja", "zh", "ko", "ms", "nl", "tet", "id", "de"]
METHODS = [
    ("cara tradisional", "traditional methods"),
    ("pewarna alami", "natural dyes"),
    ("penjemuran matahari", "sun drying"),
    ("mesin pengering modern", "a modern drying machine"),
    ("tangan pengrajin lokal", "the hands of local artisans"),
    ("proses fermentasi terkontrol", "controlled fermentation"),
]
DESCRIPTORS = [
    ("", ""), ("Premium", "premium"), ("Organik", "organic"), ("Grade A", "grade A"),
    ("Kemasan 250 g", "250 g pack"), ("Curah", "bulk"), ("Kering", "dried"), ("Asli", "genuine"),
]  # fmt: skip
SELLER_PREFIXES = ["UD", "CV", "Koperasi", "KUB", "Kelompok", "IKM", "UMKM", "PT", "Sanggar"]
FREE_TEXT = [
    "eco friendly gift packaging", "natural dye scarves", "sun dried fruit",
    "handmade home decor", "organic superfood powder", "traditional smoked products",
    "sustainable fashion accessories", "herbal tea blends", "natural skincare oils",
    "oleh-oleh khas Kupang", "produk olahan pangan lokal", "kerajinan ramah lingkungan",
]  # fmt: skip
QUERY_ADJECTIVES = ["", "", "specialty", "organic", "bulk", "premium", "wholesale", "handmade"]


@cache
def _subheadings_under(prefix: str) -> tuple[str, ...]:
    return tuple(sorted(c for c in hs_nomenclature().subheadings if c.startswith(prefix[:6])))


def _code_under(prefix: str, rng: random.Random) -> str:
    """A real HS subheading under `prefix`; one in ten as an Indonesian 8-digit line."""
    code = rng.choice(_subheadings_under(prefix))
    return code + rng.choice(["00", "10", "90"]) if rng.random() < 0.1 else code


def _concepts() -> dict[str, Concept]:
    return {name: term_list().concepts[name] for name in CONCEPT_WEIGHTS}


def _certifications(sector: str, rng: random.Random) -> list[CertificationKind]:
    odds: dict[str, float] = {"trademark": 0.2, "english_label": 0.15}
    if sector in FOOD_SECTORS:
        odds.update(halal=0.5, pirt=0.4, bpom=0.25, english_label=0.2)
    if sector in ("coffee", "cocoa"):
        odds.update(organic=0.15, fair_trade=0.05)
    if sector == "fisheries":
        odds.update(haccp=0.2, health_certificate=0.4)
    if sector == "salt":
        odds.update(sni=0.5)
    return [CertificationKind(kind) for kind, p in odds.items() if rng.random() < p]


def _readiness(sector: str, held: list[CertificationKind], rng: random.Random) -> ExportReadiness:
    needed = []
    if sector in FOOD_SECTORS:
        needed += [CertificationKind.halal, CertificationKind.bpom]
    if sector == "fisheries":
        needed.append(CertificationKind.health_certificate)
    gaps = [
        ReadinessGap(
            kind=kind,
            reason=GapReason.expired if rng.random() < 0.1 else GapReason.missing,
            detail=f"{kind.value} needed for export",
        )
        for kind in needed
        if kind not in held and rng.random() < 0.6
    ]
    return ExportReadiness(ready=not gaps, gaps=gaps, assessed_on=dt.date(2019, 11, 1))


def _seller(number: int, concept: Concept, rng: random.Random) -> SellerData:
    province = rng.choices(list(PROVINCE_WEIGHTS), list(PROVINCE_WEIGHTS.values()))[0]
    regency = rng.choice(REGENCIES[province])
    languages = ["id"]
    if rng.random() < 0.35:
        languages.append("en")
    if province == "ID-NT" and rng.random() < 0.05:
        languages.append("tet")
    exported = rng.sample(EXPORT_MARKETS, rng.choice([1, 1, 2, 3])) if rng.random() < 0.3 else []
    word = concept.indonesian[0].title()
    return SellerData(
        id=f"slr-{number:05d}",
        name=f"{rng.choice(SELLER_PREFIXES)} {word} {regency}",
        province=province,
        regency=regency,
        sectors=[Sector(concept.sector)],
        languages=languages,
        contact=Contact(),
        export_countries=exported,
        sales_terms=[SalesTerm.outright_purchase],
        status=ListingStatus.delisted if rng.random() < 0.02 else ListingStatus.active,
        version=1,
    )


def _product(number: int, owner: SellerData, concept: Concept, rng: random.Random) -> ProductData:
    term_id, term_en = rng.choice(concept.indonesian), rng.choice(concept.english)
    descriptor_id, descriptor_en = rng.choice(DESCRIPTORS)
    method_id, method_en = rng.choice(METHODS)
    province_id, province_en = PROVINCE_NAMES[owner.province]
    language = rng.random()  # half Indonesian only, a fifth English only, the rest both
    has_id, has_en = language < 0.8, language >= 0.5
    name = LocalizedText(
        id=" ".join(p for p in (term_id.title(), descriptor_id, owner.regency) if p)
        if has_id
        else None,
        en=" ".join(p for p in (descriptor_en, term_en, "from", owner.regency) if p).capitalize()
        if has_en
        else None,
    )
    description = LocalizedLongText(
        id=f"{term_id.capitalize()} dari {owner.regency}, {province_id}, dibuat dengan {method_id}."
        if has_id
        else None,
        en=f"{term_en.capitalize()} from {owner.regency}, {province_en}, made with {method_en}."
        if has_en
        else None,
    )
    prefixes = concept.hs_prefixes
    if concept.hs_typical and (not prefixes or rng.random() < 0.2):
        prefixes = concept.hs_typical
    held = _certifications(concept.sector, rng)
    unit = UNITS.get(concept.sector, "kg")
    return ProductData(
        id=f"prd-{number:06d}",
        seller_id=owner.id,
        name=name,
        description=description,
        hs_code=_code_under(rng.choice(prefixes), rng),
        sector=Sector(concept.sector),
        unit=unit,
        price=None,
        monthly_capacity=rng.choice([20, 50, 200, 500, 1000, 5000, 20000]),
        minimum_order=rng.choice([1, 10, 50]),
        packaged=rng.random() < 0.5,
        branded=rng.random() < 0.3,
        certifications=held,
        readiness=_readiness(concept.sector, held, rng),
        status=ListingStatus.delisted if rng.random() < 0.03 else ListingStatus.active,
        version=1,
    )


def build_catalogue(
    sellers: int = 10_000, products: int = 50_000, seed: int = 1
) -> tuple[list[SellerData], list[ProductData]]:
    """Sellers and products of the Sunda Kecil kind: concepts weighted as the expo's
    producers are (ikat, coffee, snacks, seaweed, cashew first), half the texts Indonesian
    only, a fifth English only; HS codes mostly from the concept's identifying codes, some
    from the codes it shares with other goods; a few sellers own many products."""
    rng = random.Random(seed)
    concepts = _concepts()
    names, weights = list(concepts), list(CONCEPT_WEIGHTS.values())
    main = [concepts[rng.choices(names, weights)[0]] for _ in range(sellers)]
    second = [concepts[rng.choices(names, weights)[0]] for _ in range(sellers)]
    seller_list = [_seller(n, main[n], rng) for n in range(sellers)]
    # Every seller lists one product; the rest go to sellers unevenly (a long tail).
    share = [rng.lognormvariate(0, 0.9) for _ in range(sellers)]
    owners = list(range(sellers))[:products] + rng.choices(
        range(sellers), share, k=max(0, products - sellers)
    )
    product_list = []
    for number, owner in enumerate(owners):
        concept = second[owner] if rng.random() < 0.25 else main[owner]
        product_list.append(_product(number, seller_list[owner], concept, rng))
    return seller_list, product_list


def build_queries(count: int = 1000, seed: int = 2) -> list[tuple[str, MatchQuery]]:
    """Varied delegate queries, each with its kind: English or Indonesian concept terms, both
    mixed, free text, HS codes only, sectors only; some with HS codes, certifications,
    volumes and preferred provinces."""
    rng = random.Random(seed)
    concepts = list(_concepts().values())
    kinds = ["english", "indonesian", "mixed", "free_text", "hs_only", "sector_only"]
    made = []
    for _ in range(count):
        kind = rng.choices(kinds, [35, 25, 15, 12, 7, 6])[0]
        chosen = rng.sample(concepts, rng.randint(1, 3))
        interests: list[str] = []
        if kind == "english":
            interests = [f"{rng.choice(QUERY_ADJECTIVES)} {rng.choice(c.english)}" for c in chosen]
        elif kind == "indonesian":
            interests = [rng.choice(c.indonesian) for c in chosen]
        elif kind == "mixed":
            interests = [rng.choice(c.english + c.indonesian) for c in chosen]
        elif kind == "free_text":
            interests = rng.sample(FREE_TEXT, rng.randint(1, 2))
        codes: list[str] = []
        prefixes = chosen[0].hs_prefixes or chosen[0].hs_typical
        if kind == "hs_only" or (kind != "free_text" and rng.random() < 0.3):
            code = _code_under(rng.choice(prefixes), rng)[:6]
            codes.append(code[: rng.choice([2, 4, 6, 6])])
        sectors = [chosen[0].sector] if kind == "sector_only" or rng.random() < 0.1 else []
        kinds_held = rng.sample(["halal", "bpom", "english_label", "organic", "haccp"], 2)
        made.append(
            (
                kind,
                MatchQuery(
                    interests=tuple(interests),
                    sectors=frozenset(sectors),
                    hs_codes=tuple(codes),
                    required_certifications=frozenset(kinds_held[: rng.choice([0, 0, 1, 2])]),
                    preferred_provinces=frozenset(
                        rng.sample(list(PROVINCE_WEIGHTS), 1) if rng.random() < 0.3 else []
                    ),
                    expected_volume=rng.choice([None, None, 100.0, 1000.0, 10000.0]),
                    delegate_country=rng.choice(DELEGATE_COUNTRIES),
                    delegate_languages=tuple(rng.sample(DELEGATE_LANGUAGES, rng.randint(1, 2))),
                    k=10,
                ),
            )
        )
    return made


@dataclass
class Figures:
    generated_s: float = 0.0
    index_build_s: float = 0.0
    latency_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    update_us: list[float] = field(default_factory=list)
    empty_answers: int = 0


def measure(sellers: int, products: int, queries: int, seed: int) -> Figures:
    figures = Figures()
    started = time.perf_counter()
    seller_list, product_list = build_catalogue(sellers, products, seed)
    figures.generated_s = time.perf_counter() - started
    started = time.perf_counter()
    index = CatalogIndex.of(seller_list, product_list)
    figures.index_build_s = time.perf_counter() - started
    # As the service does once its index is loaded: full collections walking ~10^6
    # long-lived objects would otherwise stall single queries.
    gc.collect()
    gc.freeze()
    asked = build_queries(queries + 20, seed + 1)
    for _, query in asked[:20]:  # warm-up, not counted
        rank(query, index)
    for kind, query in asked[20:]:
        begin = time.perf_counter()
        found = rank(query, index)
        elapsed = (time.perf_counter() - begin) * 1000
        figures.latency_ms.append(elapsed)
        figures.by_kind.setdefault(kind, []).append(elapsed)
        figures.empty_answers += not found
    # Incremental updates: a product changes (its profile is rebuilt and re-indexed).
    rng = random.Random(seed)
    for product in rng.sample(product_list, min(1000, len(product_list))):
        changed = product.model_copy(update={"version": product.version + 1})
        begin = time.perf_counter()
        index.upsert_product(ProductProfile.of(changed))
        figures.update_us.append((time.perf_counter() - begin) * 1e6)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args(argv)
    print(f"machine: {machine()}")
    figures = measure(arguments.sellers, arguments.products, arguments.queries, arguments.seed)
    print(
        f"catalogue: {arguments.sellers:,} sellers, {arguments.products:,} products "
        f"(generated in {figures.generated_s:.1f} s)"
    )
    print(f"index build: {figures.index_build_s:.1f} s")
    samples = figures.latency_ms
    print(
        f"top-10 over {len(samples):,} queries: p50 {statistics.median(samples):.2f} ms, "
        f"p95 {percentile(samples, 0.95):.2f} ms, p99 {percentile(samples, 0.99):.2f} ms, "
        f"max {max(samples):.2f} ms (goal p99 <= 30 ms); "
        f"{figures.empty_answers} answered with no seller"
    )
    for kind, timings in sorted(figures.by_kind.items()):
        print(
            f"  {kind:<12} n={len(timings):<4} p50 {statistics.median(timings):6.2f} ms"
            f"  p99 {percentile(timings, 0.99):6.2f} ms"
        )
    updates = figures.update_us
    print(
        f"product upsert: p50 {statistics.median(updates):.0f} us, "
        f"p99 {percentile(updates, 0.99):.0f} us"
    )
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
