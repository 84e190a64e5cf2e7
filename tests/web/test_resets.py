"""A forgotten password, until e-mail exists: the person asks, an organiser makes the link and
hands it over (in development it is also in the log), and the link sets a password once."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from shared.contracts.identity import AccountRole
from tests.web.conftest import PASSWORD, Site
from tests.web.forms import csrf_of, sign_in

NEW_PASSWORD = "garam-kupang-beryodium"


async def test_a_certifier_asks_an_organiser_hands_over_the_link_and_it_works_once(
    site: Site, browser_less: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    _, email = await site.account(role=AccountRole.certifier)
    async with httpx.AsyncClient(base_url=site.url) as certifier:
        form = await certifier.get("/password/forgotten")
        with caplog.at_level(logging.INFO, logger="services.web.routes.resets"):
            asked = await certifier.post(
                "/password/forgotten", data={"csrf": csrf_of(form), "email": email}
            )
        assert "penyelenggara di kantor dinas Anda kini dapat memberikan tautan" in asked.text
        # In development and test the link is also in the log, for whoever runs the stack.
        assert any("password reset link for" in r.getMessage() for r in caplog.records)
        unknown = await certifier.post(
            "/password/forgotten", data={"csrf": csrf_of(form), "email": "nobody@example.org"}
        )
        assert unknown.text.count("kini dapat memberikan tautan") == 1  # the same answer

    await sign_in(browser_less, await site.organiser(), PASSWORD)
    requests = await browser_less.get("/accounts/resets")
    assert email in requests.text
    account_id = re.search(r'action="/accounts/([^/]+)/reset"', requests.text.split(email, 1)[1])
    assert account_id
    made = await browser_less.post(
        f"/accounts/{account_id.group(1)}/reset", data={"csrf": csrf_of(requests)}
    )
    link = re.search(r'<a href="http[^"]+(/password/reset/[^"]+)"', made.text)
    assert link and 'src="data:image/svg+xml' in made.text

    async with httpx.AsyncClient(base_url=site.url) as certifier:
        page = await certifier.get(link.group(1))
        short = await certifier.post(
            link.group(1), data={"csrf": csrf_of(page), "password": "pendek", "again": "pendek"}
        )
        assert short.status_code == 422 and "Paling sedikit 10 karakter." in short.text
        done = await certifier.post(
            link.group(1),
            data={"csrf": csrf_of(page), "password": NEW_PASSWORD, "again": NEW_PASSWORD},
        )
        assert done.status_code == 303 and "td_session" in done.cookies
        again = await certifier.get(link.group(1))
        assert again.status_code == 410
    async with httpx.AsyncClient(base_url=site.url) as fresh:
        assert (await sign_in(fresh, email, PASSWORD)).status_code == 422  # the old one is gone
        assert (await sign_in(fresh, email, NEW_PASSWORD)).status_code == 303
    assert email not in (await browser_less.get("/accounts/resets")).text


async def test_only_an_organiser_sees_who_asked(
    site: Site, browser_less: httpx.AsyncClient
) -> None:
    _, email = await site.account(role=AccountRole.certifier)
    await sign_in(browser_less, email, PASSWORD)
    assert (await browser_less.get("/accounts/resets")).status_code == 403
