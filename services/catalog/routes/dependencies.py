"""What every catalog route is given: the store, today's date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Request

from services.catalog.store import CatalogStore


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def get_store(request: Request) -> CatalogStore:
    store: CatalogStore = request.app.state.store
    return store


Store = Annotated[CatalogStore, Depends(get_store)]
