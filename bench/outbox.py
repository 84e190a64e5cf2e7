"""Outbox relay throughput against a raw aiokafka producer in the same run, and catalog API
write latency over HTTP. Starts its own broker, Redis and catalog service (the local stack).

    python -m bench.outbox [--events 20000] [--writes 500]

Goal (issue 2): relay >= 50 % of the raw producer's rate.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.measure import machine, percentile
from deploy.local.stack import LocalStack
from shared.auth import Role, issue_token
from shared.contracts.catalog import SellerDelisted
from shared.envelope import Envelope
from shared.kafka import make_producer
from shared.outbox import Outbox, OutboxRelay
from shared.redis_client import make_redis
from shared.settings import Settings


def sample_event(index: int) -> SellerDelisted:
    return SellerDelisted(seller_id=f"slr-bench-{index % 500:04d}", version=index + 1)


async def raw_producer_rate(settings: Settings, topic: str, count: int) -> float:
    """Events/s for the same records sent straight from a producer (acks=all), no outbox."""
    producer = make_producer(settings, "bench-raw")
    await producer.start()
    records = [Envelope.wrap(sample_event(i), "/bench") for i in range(count)]
    started = time.perf_counter()
    futures = []
    for envelope, key in records:
        futures.append(
            await producer.send(
                topic, value=envelope.value(), key=key.encode(), headers=envelope.headers()
            )
        )
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await producer.stop()
    return count / elapsed


async def relay_rate(settings: Settings, count: int) -> float:
    """Events/s the relay publishes from a filled outbox until it is empty."""
    redis = make_redis(settings)
    outbox = Outbox(f"bench{int(time.time())}", settings.outbox_shards, "/bench")
    for start in range(0, count, 1000):
        async with redis.pipeline(transaction=True) as pipe:
            for index in range(start, min(start + 1000, count)):
                outbox.stage(pipe, sample_event(index))
            await pipe.execute()
    relay = OutboxRelay(redis, outbox, lambda: make_producer(settings, "bench-relay"))
    started = time.perf_counter()
    task = asyncio.create_task(relay.run())
    while await relay.backlog() > 0:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    await relay.stop()
    await task
    await redis.aclose()
    return count / elapsed


async def write_latencies(url: str, token: str, writes: int) -> list[float]:
    seller = {
        "name": "Kelompok Garam Bipolo",
        "province": "ID-NT",
        "regency": "Kupang",
        "sectors": ["salt"],
        "languages": ["id"],
        "sales_terms": ["outright_purchase"],
    }
    latencies = []
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        for _ in range(20):  # warm-up
            await client.post("/sellers", json=seller)
        for _ in range(writes):
            started = time.perf_counter()
            response = await client.post("/sellers", json=seller)
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return latencies


async def measure(stack: LocalStack, events: int, writes: int) -> None:
    settings = stack.settings()
    # Both publish the same records to the same topic (this stack's own `catalog`).
    raw = await raw_producer_rate(settings, SellerDelisted.topic, events)
    relayed = await relay_rate(settings, events)
    token = issue_token(settings, Role.organiser, "bench")
    latencies = await write_latencies(stack.service_urls["catalog"], token, writes)
    print(f"machine: {machine()}")
    print(f"raw producer (acks=all): {raw:,.0f} events/s over {events:,} events")
    print(f"outbox relay:            {relayed:,.0f} events/s over {events:,} events")
    print(f"relay / raw:             {relayed / raw:.0%}  (goal >= 50%)")
    print(
        f"catalog POST /sellers over HTTP: p50 {statistics.median(latencies):.2f} ms, "
        f"p99 {percentile(latencies, 0.99):.2f} ms over {writes} sequential writes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--writes", type=int, default=500)
    arguments = parser.parse_args()
    with LocalStack(Path(tempfile.mkdtemp(prefix="bench-")), services=["catalog"]) as stack:
        asyncio.run(measure(stack, arguments.events, arguments.writes))


if __name__ == "__main__":
    main()
