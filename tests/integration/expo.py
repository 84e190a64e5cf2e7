"""Building an expo through the events API, for the integration tests."""

from __future__ import annotations

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


def assert_problem(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field, response.json()
