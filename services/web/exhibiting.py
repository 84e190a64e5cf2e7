"""After an import of exhibitors: each seller the catalog registered (or already had) gets its
booth at the expo, and an account when the row gave an e-mail address, so that all can be
invited at once.

A seller registered a moment ago reaches the events service through the `catalog` topic, so
its booth is asked for again while the events service has not heard of it yet."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from fastapi import Request

from services.web.api import Api, ApiProblem, PersonApis
from services.web.i18n import _
from services.web.imports import Row
from services.web.participants import account_for, every, seller_participant

ARRIVAL_SECONDS = 20.0  # how long a new seller may take to reach the events service
IN_FLIGHT = 8  # booths asked for at once: the events service commits each on its own


async def exhibit(
    request: Request,
    api: PersonApis,
    expo_id: str,
    rows: list[Row],
    results: list[dict[str, Any]],
) -> dict[int, str]:
    """Booths and accounts for the rows the catalog registered or recognised; returns, by
    row, what could not be done."""
    listed = await every(api, Api.events, f"/expos/{expo_id}/exhibitors")
    booths = {booth["seller_id"]: booth for booth in listed}
    problems: dict[int, str] = {}
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(row: Row, seller: dict[str, Any]) -> None:
        async with gate:
            booth: dict[str, Any] | str | None = booths.get(seller["id"])
            if booth is None:
                booth = await _booth(api, expo_id, seller["id"], row.values.get("booth", ""))
            if isinstance(booth, str):
                problems[row.number] = booth
                return
            if row.email:
                made = await _account(request, api, booth, seller, row.email)
                if made is not None:
                    problems[row.number] = made

    await asyncio.gather(
        *(
            one(row, result["seller"])
            for row, result in zip(rows, results, strict=True)
            if result["status"] in ("created", "exists")
        )
    )
    return dict(sorted(problems.items()))


async def _booth(api: PersonApis, expo_id: str, seller_id: str, booth: str) -> dict[str, Any] | str:
    """The seller's new booth, or why there is none."""
    body = {"seller_id": seller_id, "booth": booth.strip() or None}
    deadline = time.monotonic() + ARRIVAL_SECONDS
    while True:
        try:
            made: dict[str, Any] = await api.post(Api.events, f"/expos/{expo_id}/exhibitors", body)
            return made
        except ApiProblem as refused:
            unseen = any(e.code == "seller-unseen" for e in refused.errors.values())
            if unseen and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                continue
            if refused.status == 409:
                return _("Exhibits at this expo already.")
            if unseen:
                return _("The catalog has it, but the expo has not heard of it yet: import again.")
            if "body.booth" in refused.errors:
                return _("The booth is at most 20 characters.")
            raise


async def _account(
    request: Request, api: PersonApis, booth: dict[str, Any], seller: dict[str, Any], email: str
) -> str | None:
    """An account (not yet invited) for the seller, in Indonesian; None, or why not."""
    owner = seller["owner"]
    if owner is None:
        owner = f"acc-{secrets.token_hex(8)}"  # given to the catalog first, as an invitation does
        seller = await api.patch(Api.catalog, f"/sellers/{seller['id']}", {"owner": owner})
    participant = seller_participant(booth, seller, owner)
    made = await account_for(request, participant, email, "id")
    if isinstance(made, dict):
        return "; ".join(str(message) for message in made.values())
    return None
