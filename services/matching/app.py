"""Assembles the matching service: routes, its store and read model, the consumers of the
`catalog` and `expo` topics, and the follower that keeps the in-memory ranking index current."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from services.matching.handlers import catalog_handlers, expo_handlers
from services.matching.readmodel import IndexFollower, ReadModel
from services.matching.routes import routers
from services.matching.store import MatchStore
from shared.contracts import topics
from shared.runtime import Runtime, Workers, service_app

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


async def assemble(runtime: Runtime, app: FastAPI) -> Workers:
    store = MatchStore(runtime.redis, runtime.outbox)
    model = ReadModel(runtime.redis)
    follower = IndexFollower(model)
    await follower.load()
    app.state.store, app.state.model, app.state.follower = store, model, follower
    consumers = [
        catalog_handlers(model).runner(runtime.settings, batch_handler=model.apply_many),
        expo_handlers(runtime.redis, model, store).runner(runtime.settings),
    ]
    return Workers(consumers=consumers, loops=[follow_forever(follower)])


app = service_app(
    SERVICE,
    "Temu Dagang matching",
    routers,
    [topics.MATCHING, topics.CATALOG, topics.EXPO],
    assemble,
)
