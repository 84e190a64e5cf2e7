"""Assembles the catalog service: routes, its store and the expiry sweep."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from fastapi import FastAPI

from services.catalog import commands
from services.catalog.routes import routers
from services.catalog.store import CatalogStore
from shared.contracts import topics
from shared.runtime import Runtime, Workers, service_app

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


async def assemble(runtime: Runtime, app: FastAPI) -> Workers:
    store = CatalogStore(runtime.redis, runtime.outbox)
    app.state.store = store
    return Workers(loops=[_sweep_periodically(store)])


app = service_app(SERVICE, "Temu Dagang catalog", routers, [topics.CATALOG], assemble)
