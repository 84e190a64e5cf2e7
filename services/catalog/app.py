"""Assembles the catalog service: routes, Redis, the outbox relay and the expiry sweep."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.catalog import commands
from services.catalog.api import router
from services.catalog.store import CatalogStore
from shared.background import running
from shared.contracts import topics
from shared.http import create_service_app
from shared.kafka import ensure_topics, make_producer
from shared.observability import configure_logging
from shared.outbox import Outbox, OutboxRelay
from shared.readiness import redis_and_broker
from shared.redis_client import make_redis
from shared.settings import get_settings

SERVICE = "catalog"
EXPIRY_SWEEP_SECONDS = 3600
log = logging.getLogger(__name__)


async def sweep_expired_certifications(store: CatalogStore, today: dt.date) -> int:
    """Announce every certification that passed its end date; returns how many sellers changed."""
    changed = 0
    for seller_id in await store.sellers_with_certifications_ending_before(today.toordinal()):
        await store.change(seller_id, lambda c: commands.expire_certifications(c, today))
        changed += 1
    return changed


async def _sweep_periodically(store: CatalogStore) -> None:
    while True:
        try:
            await sweep_expired_certifications(store, dt.datetime.now(dt.UTC).date())
        except Exception:
            log.warning("expiry sweep failed; next round retries", exc_info=True)
        await asyncio.sleep(EXPIRY_SWEEP_SECONDS)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    configure_logging(SERVICE, settings.log_level)
    redis = make_redis(settings)
    outbox = Outbox(SERVICE, settings.outbox_shards, source=f"/temu-dagang/{SERVICE}")
    store = CatalogStore(redis, outbox)
    relay = OutboxRelay(redis, outbox, lambda: make_producer(settings, f"{SERVICE}-relay"))
    await ensure_topics(settings, [topics.CATALOG])
    app.state.store, app.state.redis, app.state.relay = store, redis, relay
    app.state.settings = settings
    try:
        async with running(relay, loops=[_sweep_periodically(store)]):
            yield
    finally:
        await redis.aclose()


app = create_service_app(SERVICE, "Temu Dagang catalog", lifespan, [router], redis_and_broker)
