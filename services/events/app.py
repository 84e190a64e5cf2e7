"""Assembles the events service: routes, Redis, the outbox relay and the consumers of the
`catalog` and `matching` topics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.events.api import router
from services.events.handlers import catalog_handlers, matching_handlers
from services.events.store import EventsStore
from shared.background import running
from shared.consumer import ConsumerRunner
from shared.contracts import topics
from shared.http import create_service_app
from shared.kafka import ensure_topics, make_producer
from shared.observability import configure_logging
from shared.outbox import Outbox, OutboxRelay
from shared.readiness import redis_and_broker
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
    try:
        async with running(relay, consumers):
            yield
    finally:
        await redis.aclose()


app = create_service_app(SERVICE, "Temu Dagang events", lifespan, [router], redis_and_broker)
