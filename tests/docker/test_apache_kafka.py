"""On Apache Kafka and Redis in containers (testcontainers): the path Tansu cannot exercise, an
idempotent producer (KAFKA_IDEMPOTENCE=true) behind the outbox relay. Skipped, with the reason,
where no Docker engine answers."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from shared.contracts import topics
from shared.contracts.catalog import SellerDelisted
from shared.envelope import parse_record
from shared.kafka import ensure_topics, make_producer
from shared.outbox import Outbox, OutboxRelay
from shared.settings import Settings
from tests.helpers import read_topic
from tests.infrastructure import containers, docker_engine_problem

pytestmark = pytest.mark.docker
_problem = docker_engine_problem()


@pytest.mark.skipif(_problem is not None, reason=f"needs a Docker engine: {_problem}")
async def test_outbox_relay_publishes_through_an_idempotent_producer_on_apache_kafka() -> None:
    with containers() as environment:
        settings = Settings(
            kafka_bootstrap_servers=environment["KAFKA_BOOTSTRAP_SERVERS"],
            redis_url=environment["REDIS_URL"],
            kafka_idempotence=True,
        )
        await ensure_topics(settings, [topics.CATALOG])
        redis = Redis.from_url(settings.redis_url)
        outbox = Outbox("catalog", shards=2, source="/temu-dagang/catalog")
        relay = OutboxRelay(redis, outbox, lambda: make_producer(settings, "docker-test"))
        seller_ids = [f"slr-{uuid.uuid4().hex[:8]}" for _ in range(20)]
        async with redis.pipeline(transaction=True) as pipe:
            for seller_id in seller_ids:
                outbox.stage(pipe, SellerDelisted(seller_id=seller_id, version=2))
            await pipe.execute()
        running = asyncio.create_task(relay.run())
        try:
            records = await read_topic(
                settings, topics.CATALOG, lambda found: len(found) >= len(seller_ids), timeout=60
            )
        finally:
            await relay.stop()
            await running
            await redis.aclose()
        delivered = [parse_record(r.value, r.headers).event() for r in records]
        assert sorted(e.key for e in delivered) == sorted(seller_ids)
