"""Matching at catalogue scale: top-10 latency in-process and over HTTP, read-model ingestion
from the topic against a raw aiokafka consumer in the same run, and how soon a catalog write is
visible in the read model. Starts its own broker, Redis, catalog and matching services.

    python -m bench.matching [--sellers 10000] [--products 50000] [--queries 1000]

Goals (issue 4): in-process p99 <= 30 ms, HTTP p99 <= 60 ms, write visible p99 <= 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer
from redis.asyncio import Redis

from bench.outbox import machine
from deploy.local.stack import LocalStack
from services.matching.domain import CatalogIndex, MatchQuery, ProductProfile, SellerProfile, rank
from services.matching.readmodel import ReadModel
from services.matching.terms import term_list
from shared.auth import Role, issue_token
from shared.contracts import topics
from shared.contracts.catalog import (
    Contact,
    ExportReadiness,
    ListingStatus,
    LocalizedLongText,
    LocalizedText,
    ProductData,
    ProductListed,
    ReadinessGap,
    SellerData,
    SellerRegistered,
)
from shared.envelope import Envelope
from shared.hs import hs_nomenclature
from shared.kafka import make_producer
from shared.settings import Settings

PROVINCES = ["ID-NT", "ID-NB", "ID-BA", "ID-JT", "ID-JB", "ID-SN"]
COUNTRIES = ["JP", "AU", "SG", "MY", "CN", "IN", "US", "NL", "TL", "PH"]
CERTIFICATIONS = ["halal", "bpom", "trademark", "english_label", "sni", "organic"]
SECTOR_OF = {
    "crafts": "crafts", "basketry": "crafts", "pottery": "crafts", "woodcraft": "crafts",
    "pearl": "crafts", "sandalwood": "crafts",
}  # fmt: skip


def _subheadings_by_prefix() -> dict[str, list[str]]:
    codes = sorted(hs_nomenclature().subheadings)
    found: dict[str, list[str]] = {}
    for concept in term_list().concepts.values():
        for prefix in concept.hs_prefixes:
            found[prefix] = [c for c in codes if c.startswith(prefix[:6])][:20]
    return found


def build_catalogue(
    sellers: int = 10_000, products: int = 50_000, seed: int = 1
) -> tuple[list[SellerData], list[ProductData]]:
    """A realistic mix: every concept of the term list, names in Indonesian only (half), English
    only (a fifth) or both, HS codes from the concept's headings, certificates and gaps."""
    rng = random.Random(seed)
    concepts = [c for c in term_list().concepts.values() if c.hs_prefixes]
    codes = _subheadings_by_prefix()
    seller_list = []
    for number in range(sellers):
        concept = rng.choice(concepts)
        seller_list.append(
            SellerData(
                id=f"slr-b{number:05d}",
                name=f"UMKM {concept.indonesian[0].title()} {number}",
                province=rng.choice(PROVINCES),
                regency="Kupang",
                sectors=[concept.sector],
                languages=["id", "en"] if rng.random() < 0.4 else ["id"],
                contact=Contact(),
                export_countries=rng.sample(COUNTRIES, rng.choice([0, 0, 1, 2, 3])),
                sales_terms=["outright_purchase"],
                status=ListingStatus.active,
                version=1,
            )
        )
    product_list = []
    for number in range(products):
        owner = seller_list[number % sellers]
        concept = rng.choice([c for c in concepts if c.sector == owner.sectors[0]] or concepts)
        term_id, term_en = rng.choice(concept.indonesian), rng.choice(concept.english)
        language = rng.random()
        name = LocalizedText(
            id=f"{term_id} {owner.name.split()[-1]}" if language < 0.8 else None,
            en=f"{term_en} from {owner.province}" if language >= 0.5 else None,
        )
        prefix = rng.choice(concept.hs_prefixes)
        candidates = codes.get(prefix) or ["090111"]
        held = rng.sample(CERTIFICATIONS, rng.randint(0, 3))
        gaps = [
            k for k in ("halal", "bpom", "english_label") if k not in held and rng.random() < 0.3
        ]
        product_list.append(
            ProductData(
                id=f"{owner.id}-p{number}",
                seller_id=owner.id,
                name=name,
                description=LocalizedLongText(id=f"Produk {term_id} asli {owner.regency}"),
                hs_code=rng.choice(candidates),
                sector=concept.sector,
                unit="kg",
                price=None,
                monthly_capacity=rng.choice([50, 200, 1000, 5000, 20000]),
                minimum_order=10,
                packaged=rng.random() < 0.5,
                branded=rng.random() < 0.3,
                certifications=held,
                readiness=ExportReadiness(
                    ready=not gaps,
                    gaps=[
                        ReadinessGap(kind=k, reason="missing", detail=f"{k} missing") for k in gaps
                    ],
                    assessed_on=dt.date(2019, 11, 1),
                ),
                status=ListingStatus.active,
                version=1,
            )
        )
    return seller_list, product_list


def queries(count: int, seed: int = 2) -> list[MatchQuery]:
    rng = random.Random(seed)
    concepts = [c for c in term_list().concepts.values() if c.hs_prefixes]
    made = []
    for _ in range(count):
        chosen = rng.sample(concepts, rng.randint(1, 3))
        interests = tuple(
            rng.choice(c.english if rng.random() < 0.6 else c.indonesian) for c in chosen
        )
        made.append(
            MatchQuery(
                interests=interests,
                hs_codes=(chosen[0].hs_prefixes[0][:4],) if rng.random() < 0.3 else (),
                required_certifications=frozenset(rng.sample(CERTIFICATIONS, rng.randint(0, 2))),
                expected_volume=rng.choice([None, 500.0, 5000.0]),
                delegate_country=rng.choice(COUNTRIES),
                delegate_languages=(rng.choice(["en", "ja", "zh", "id"]),),
                k=10,
            )
        )
    return made


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def in_process(
    sellers: list[SellerData], products: list[ProductData], count: int
) -> dict[str, float]:
    started = time.perf_counter()
    index = CatalogIndex()
    for seller in sellers:
        index.upsert_seller(SellerProfile.of(seller))
    for product in products:
        index.upsert_product(ProductProfile.of(product))
    built = time.perf_counter() - started
    gc.collect()
    gc.freeze()  # as the service does once its index is loaded
    timings = []
    for query in queries(count):
        begin = time.perf_counter()
        rank(query, index)
        timings.append((time.perf_counter() - begin) * 1000)
    p50, p99 = percentiles(timings)
    return {"index_build_s": round(built, 1), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2)}


async def publish(
    settings: Settings, sellers: list[SellerData], products: list[ProductData]
) -> int:
    producer = make_producer(settings, "bench-matching")
    await producer.start()
    sent = 0
    try:
        events = [SellerRegistered(seller=s) for s in sellers] + [
            ProductListed(product=p) for p in products
        ]
        futures = []
        for event in events:
            envelope, key = Envelope.wrap(event, "/bench/catalog")
            futures.append(
                await producer.send(
                    topics.CATALOG,
                    value=envelope.value(),
                    key=key.encode(),
                    headers=envelope.headers(),
                )
            )
            sent += 1
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return sent


async def raw_consumer_rate(settings: Settings, expected: int) -> float:
    consumer = AIOKafkaConsumer(
        topics.CATALOG, bootstrap_servers=settings.bootstrap_servers, group_id="bench-raw",
        auto_offset_reset="earliest", enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    seen = 0
    started = time.perf_counter()
    try:
        while seen < expected:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            seen += sum(len(records) for records in batches.values())
    finally:
        await consumer.stop()
    return expected / (time.perf_counter() - started)


async def published_and_ingested(
    settings: Settings, redis: Redis, sellers: list[SellerData], products: list[ProductData]
) -> tuple[int, float]:
    """Events/s from the first event published until matching's read model holds them all
    (the service is already running and consuming as they arrive)."""
    model = ReadModel(redis)
    started = time.perf_counter()
    sent = await publish(settings, sellers, products)
    while await redis.scard(model.key("products")) < len(products):
        await asyncio.sleep(0.1)
    return sent, sent / (time.perf_counter() - started)


async def over_http(url: str, settings: Settings, count: int) -> tuple[float, float]:
    token = issue_token(settings, Role.organiser, "bench")
    timings = []
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        for query in queries(count, seed=3):
            body = {
                "interests": list(query.interests),
                "hs_codes": list(query.hs_codes),
                "required_certifications": sorted(query.required_certifications),
                "k": 10,
            }
            begin = time.perf_counter()
            response = await client.post("/match-requests", json=body)
            timings.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 201, response.text
    return percentiles(timings)


async def write_visibility(
    stack: LocalStack, settings: Settings, redis: Redis, writes: int
) -> tuple[float, float]:
    """From a catalog API write returning to the product appearing in matching's read model."""
    catalog = stack.service_urls["catalog"]
    token = issue_token(settings, Role.organiser, "bench")
    model = ReadModel(redis)
    timings = []
    async with httpx.AsyncClient(
        base_url=catalog, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        seller = (await client.post("/sellers", json={
            "name": "Koperasi Bench", "province": "ID-NT", "regency": "Kupang", "sectors": ["coffee"],
            "languages": ["id"], "sales_terms": ["consignment"],
        })).json()  # fmt: skip
        for number in range(writes):
            begin = time.perf_counter()
            created = await client.post(f"/sellers/{seller['id']}/products", json={
                "name": {"id": f"Kopi bench {number}"}, "hs_code": "090111", "sector": "coffee",
                "unit": "kg", "monthly_capacity": 100,
            })  # fmt: skip
            product_id = created.json()["id"]
            while not await redis.exists(model.key("product", product_id)):
                await asyncio.sleep(0.002)
            timings.append((time.perf_counter() - begin) * 1000)
    return percentiles(timings)


async def over_the_stack(
    stack: LocalStack,
    sellers: list[SellerData],
    products: list[ProductData],
    arguments: argparse.Namespace,
) -> None:
    settings = stack.settings()
    redis = Redis.from_url(settings.redis_url)
    try:
        sent, ingested = await published_and_ingested(settings, redis, sellers, products)
        raw = await raw_consumer_rate(settings, sent)
        print(
            f"ingestion from the topic: read model {ingested:,.0f} events/s, raw consumer "
            f"{raw:,.0f} events/s, ratio {ingested / raw:.1%} (same run, {sent} events)"
        )
        await asyncio.sleep(2)  # let the index follower catch up with everything
        p50, p99 = await over_http(stack.service_urls["matching"], settings, arguments.queries // 2)
        print(
            f"HTTP: POST /match-requests top-10 p50 {p50:.1f} ms, p99 {p99:.1f} ms (goal <= 60 ms)"
        )
        v50, v99 = await write_visibility(stack, settings, redis, arguments.writes)
        print(
            f"catalog write visible in the read model: p50 {v50:.0f} ms, p99 {v99:.0f} ms "
            "(goal <= 250 ms)"
        )
    finally:
        await redis.aclose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sellers", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=200)
    arguments = parser.parse_args(argv)
    print(f"# {machine()}")
    sellers, products = build_catalogue(arguments.sellers, arguments.products)
    figures = in_process(sellers, products, arguments.queries)
    print(f"in-process: index of {len(products)} products from {len(sellers)} sellers built in {figures['index_build_s']} s; "
          f"top-10 p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms (goal <= 30 ms)")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        with LocalStack(Path(folder), services=["catalog", "matching"]) as stack:
            asyncio.run(over_the_stack(stack, sellers, products, arguments))


if __name__ == "__main__":
    main()
