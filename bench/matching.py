"""Matching at catalogue scale: top-10 latency in-process and over HTTP, read-model ingestion
from the topic against a raw aiokafka consumer in the same run, and how soon a catalog write is
visible in the read model. Starts its own broker, Redis, catalog and matching services.

    python -m bench.matching [--sellers 10000] [--products 50000] [--queries 1000]

Goals (issue 4): in-process p99 <= 30 ms, HTTP p99 <= 60 ms, write visible p99 <= 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer
from redis.asyncio import Redis

from bench.matching_inprocess import build_catalogue, build_queries, measure
from bench.measure import machine, p50_p99
from deploy.local.stack import LocalStack
from services.matching.commands import MAX_MATCH_REQUESTS
from services.matching.readmodel import ReadModel
from shared.auth import Role, bearer, issue_token
from shared.contracts import topics
from shared.contracts.catalog import ProductData, ProductListed, SellerData, SellerRegistered
from shared.envelope import Envelope
from shared.kafka import make_producer
from shared.settings import Settings


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
            # The catalog's own source: matching dead-letters catalog events from any other.
            envelope, key = Envelope.wrap(event, topics.source_of("catalog"))
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
    # As many searching accounts as it takes to stay inside each one's cap of match requests.
    accounts = [
        bearer(settings, Role.organiser, f"bench-{n}")
        for n in range(count // MAX_MATCH_REQUESTS + 1)
    ]
    timings = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for number, (_, query) in enumerate(build_queries(count, seed=3)):
            body = {**query.asked(), "k": 10}
            headers = accounts[number % len(accounts)]
            begin = time.perf_counter()
            response = await client.post("/match-requests", json=body, headers=headers)
            timings.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 201, response.text
    return p50_p99(timings)


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
    return p50_p99(timings)


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
    # The in-process figure as `python -m bench.matching_inprocess` measures it (more detail there).
    figures = measure(arguments.sellers, arguments.products, arguments.queries, seed=1)
    p50, p99 = p50_p99(figures.latency_ms)
    print(
        f"in-process: index of {arguments.products:,} products from {arguments.sellers:,} sellers "
        f"built in {figures.index_build_s:.1f} s; top-10 p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        "(goal <= 30 ms)"
    )
    sellers, products = build_catalogue(arguments.sellers, arguments.products, seed=1)
    with (
        tempfile.TemporaryDirectory() as folder,
        LocalStack(Path(folder), services=["catalog", "matching"]) as stack,
    ):
        asyncio.run(over_the_stack(stack, sellers, products, arguments))


if __name__ == "__main__":
    main()
