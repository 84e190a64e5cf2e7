"""A body is counted while it is read, before authentication: a chunked upload (no
Content-Length) past the limit is refused with 413 by a real HTTP server. On 1d967a0 the whole
body was read and the answer was 401."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from shared.auth import Role, bearer
from shared.http import MAX_BODY_BYTES
from shared.settings import Settings
from tests.helpers import seller_body, unique

CHUNK = b"x" * 65_536


async def _chunks(total: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield CHUNK
        sent += len(CHUNK)


async def test_a_chunked_body_past_the_limit_is_refused_before_the_token_is_read(
    catalog_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=catalog_url, timeout=30) as client:
        answer = await client.post(
            "/sellers",
            content=_chunks(20 * MAX_BODY_BYTES),
            headers={"content-type": "application/json"},
        )
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == "body"


async def test_a_chunked_body_within_the_limit_is_read_as_usual(
    catalog_url: str, settings: Settings
) -> None:
    body = httpx.Request("POST", "/", json=seller_body(name=unique("Koperasi"))).content

    async def once() -> AsyncIterator[bytes]:
        yield body

    async with httpx.AsyncClient(base_url=catalog_url, timeout=30) as client:
        answer = await client.post(
            "/sellers",
            content=once(),
            headers={
                "content-type": "application/json",
                **bearer(settings, Role.organiser, "disperindag-ntt"),
            },
        )
    assert answer.status_code == 201, answer.text
