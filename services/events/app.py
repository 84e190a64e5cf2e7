"""Assembles the events service: routes, its store, and the consumers of the `catalog` and
`matching` topics."""

from __future__ import annotations

from fastapi import FastAPI

from services.events.handlers import catalog_handlers, matching_handlers
from services.events.routes import routers
from services.events.runs import Runs, RunStore
from services.events.store import EventsStore
from shared.contracts import topics
from shared.runtime import Runtime, Workers, service_app

SERVICE = "events"


async def assemble(runtime: Runtime, app: FastAPI) -> Workers:
    store = EventsStore(runtime.redis, runtime.outbox)
    app.state.store = store
    runs = Runs(store, RunStore(runtime.redis, store))
    app.state.runs = runs
    consumers = [
        catalog_handlers(runtime.redis, store).runner(runtime.settings),
        matching_handlers(store).runner(runtime.settings),
    ]
    return Workers(consumers=consumers, loops=[runs.keep()])


app = service_app(
    SERVICE,
    "Temu Dagang events",
    routers,
    [topics.EXPO, topics.CATALOG, topics.MATCHING],
    assemble,
)
