"""Reading a page as a form-filling client does: the CSRF token a form carries."""

from __future__ import annotations

import re

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, f"no CSRF field on {page.url}"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/signin")
    return await client.post(
        "/signin", data={"csrf": csrf_of(page), "email": email, "password": password}
    )
