"""Building an expo through the events API, for the integration tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.helpers import eventually, seller_body, unique


def expo_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Sunda Kecil Expo 2019",
        "venue": "Aula El Tari, Kupang",
        "time_zone": "Asia/Makassar",
        "start_date": "2019-11-14",
        "end_date": "2019-11-17",
        "sessions": [
            {"id": "d1-am", "day": "2019-11-14", "start": "09:00", "end": "12:00"},
            {"id": "d1-pm", "day": "2019-11-14", "start": "13:30", "end": "16:00"},
            {"id": "d2-am", "day": "2019-11-15", "start": "09:00", "end": "12:00"},
        ],
        "slot_minutes": 20,
        "break_minutes": 5,
        "mode": "tables",
        "tables": 3,
    }
    body.update(overrides)
    return body


async def open_expo(events: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    created = await events.post("/expos", json=expo_body(**overrides))
    assert created.status_code == 201, created.text
    expo = created.json()
    opened = await events.post(f"/expos/{expo['id']}/status", json={"status": "open"})
    assert opened.status_code == 200, opened.text
    return opened.json()


async def exhibitor(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, expo_id: str, **body: Any
) -> dict[str, Any]:
    """A seller registered in the catalog, then registered as an exhibitor."""
    seller = (await catalog.post("/sellers", json=seller_body(name=unique("Koperasi")))).json()
    return await exhibitor_of(events, expo_id, seller["id"], **body)


async def exhibitor_of(
    events: httpx.AsyncClient, expo_id: str, seller_id: str, **body: Any
) -> dict[str, Any]:
    """The seller registered as an exhibitor once its event reached the events service."""

    async def register() -> httpx.Response:
        return await events.post(
            f"/expos/{expo_id}/exhibitors", json={"seller_id": seller_id, **body}
        )

    response = await eventually(register, lambda r: r.status_code != 422)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def delegate(events: httpx.AsyncClient, expo_id: str, **body: Any) -> dict[str, Any]:
    payload = {
        "name": unique("Delegate"),
        "country": "JP",
        "organisation": "Embassy of Japan",
        "role": "trade_attache",
        "languages": ["ja", "en"],
        "interests": ["arabica coffee"],
        "subject": unique("attache"),
        **body,
    }
    response = await events.post(f"/expos/{expo_id}/delegates", json=payload)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@dataclass(frozen=True)
class Scheduled:
    """An open expo with one exhibitor (whose seller belongs to `owner`), one delegate and a
    meeting between them, placed in the schedule."""

    expo: dict[str, Any]
    booth: dict[str, Any]
    guest: dict[str, Any]
    request: dict[str, Any]
    owner: str


async def scheduled_meeting(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, **expo_overrides: Any
) -> Scheduled:
    expo = await open_expo(events, **expo_overrides)
    owner = unique("owner")
    seller = (await catalog.post("/sellers", json=seller_body(owner=owner))).json()
    booth = await exhibitor_of(events, expo["id"], seller["id"])
    guest = await delegate(events, expo["id"])
    await events.post(f"/expos/{expo['id']}/schedule", json={"time_limit_seconds": 2})
    made = await events.post(
        f"/expos/{expo['id']}/requests",
        json={"delegate_id": guest["id"], "exhibitor_id": booth["id"]},
    )
    assert made.status_code == 201 and made.json()["meeting"], made.text
    return Scheduled(expo, booth, guest, made.json()["request"], owner)


def assert_problem(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field, response.json()
