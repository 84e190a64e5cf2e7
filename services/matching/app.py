"""Assembles the matching service: routes, Redis, the outbox relay, the consumers of the
`catalog` and `expo` topics, and the follower that keeps the in-memory ranking index current."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.matching.api import router
from services.matching.handlers import meeting_handlers, projection_handlers
from services.matching.readmodel import IndexFollower, ReadModel
from services.matching.store import MatchStore
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

SERVICE = "matching"
log = logging.getLogger(__name__)


async def follow_forever(follower: IndexFollower) -> None:
    while True:
        try:
            await follower.follow()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("index follower failed; retrying", exc_info=True)
            await asyncio.sleep(0.5)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    configure_logging(SERVICE, settings.log_level)
    redis = make_redis(settings)
    outbox = Outbox(SERVICE, settings.outbox_shards, source=f"/temu-dagang/{SERVICE}")
    store = MatchStore(redis, outbox)
    model = ReadModel(redis)
    follower = IndexFollower(model)
    await follower.load()
    relay = OutboxRelay(redis, outbox, lambda: make_producer(settings, f"{SERVICE}-relay"))
    await ensure_topics(settings, [topics.MATCHING, topics.CATALOG, topics.EXPO])
    projection = projection_handlers(model)
    consumers = [
        ConsumerRunner(
            settings,
            f"{SERVICE}.catalog",
            [topics.CATALOG],
            projection,
            batch_handler=model.apply_many,
        ),
        ConsumerRunner(
            settings,
            f"{SERVICE}.expo",
            [topics.EXPO],
            {**projection, **meeting_handlers(redis, store)},
        ),
    ]
    app.state.store, app.state.model, app.state.follower = store, model, follower
    app.state.redis, app.state.relay, app.state.settings = redis, relay, settings
    app.state.consumers = consumers
    try:
        async with running(relay, consumers, [follow_forever(follower)]):
            yield
    finally:
        await redis.aclose()


app = create_service_app(SERVICE, "Temu Dagang matching", lifespan, [router], redis_and_broker)
