"""Assembles the events service: routes, Redis, the outbox relay and the consumers of the
`catalog` and `matching` topics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from services.events.api import router
from services.events.handlers import catalog_handlers, matching_handlers
from services.events.store import EventsStore
from shared.consumer import ConsumerRunner
from shared.contracts import topics
from shared.http import ReadinessCheck, create_service_app
from shared.kafka import ensure_topics, make_producer
from shared.observability import configure_logging
from shared.outbox import Outbox, OutboxRelay
from shared.readiness import broker_check
from shared.redis_client import make_redis
from shared.settings import get_settings

SERVICE = "events"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    configure_logging(SERVICE, settings.log_level)
    redis = make_redis(settings)
    outbox = Outbox(SERVICE, settings.outbox_shards, source=f"/temu-dagang/{SERVICE}")
    store = EventsStore(redis, outbox)
    relay = OutboxRelay(redis, outbox, lambda: make_producer(settings, f"{SERVICE}-relay"))
    await ensure_topics(settings, [topics.EXPO, topics.CATALOG, topics.MATCHING])
    consumers = [
        ConsumerRunner(
            settings, f"{SERVICE}.catalog", [topics.CATALOG], catalog_handlers(redis, store)
        ),
        ConsumerRunner(
            settings, f"{SERVICE}.matching", [topics.MATCHING], matching_handlers(store)
        ),
    ]
    app.state.store, app.state.redis, app.state.relay = store, redis, relay
    app.state.settings, app.state.consumers = settings, consumers
    tasks = [asyncio.create_task(relay.run(), name="outbox-relay")]
    tasks += [asyncio.create_task(c.run(), name=c.group_id) for c in consumers]
    try:
        yield
    finally:
        await relay.stop()
        for consumer in consumers:
            await consumer.stop()
        with suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=20)
        await redis.aclose()


def readiness_checks(app: FastAPI) -> dict[str, ReadinessCheck]:
    return {"redis": app.state.redis.ping, "broker": broker_check(app.state.settings)}


app = create_service_app(SERVICE, "Temu Dagang events", lifespan, [router], readiness_checks)
