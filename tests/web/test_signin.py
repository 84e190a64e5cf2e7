"""Signing in, out and the language, as a person does it over HTTP: the session lives on the
server, every form carries its CSRF token, and each answer is in the reader's language."""

from __future__ import annotations

import json

import httpx
from aiokafka import ConsumerRecord
from redis.asyncio import Redis

from shared.contracts import topics
from shared.contracts.identity import Language
from shared.ratelimit import Limits
from shared.settings import Settings
from tests.helpers import headers_of, read_topic
from tests.integration.expo import open_expo
from tests.web.conftest import PASSWORD, Site
from tests.web.forms import csrf_of, sign_in


async def test_a_page_for_staff_sends_a_stranger_to_sign_in(
    browser_less: httpx.AsyncClient,
) -> None:
    answer = await browser_less.get("/expos?page=2")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/expos%3Fpage%3D2"


async def test_a_wrong_password_is_said_next_to_the_field_in_the_readers_language(
    site: Site, browser_less: httpx.AsyncClient
) -> None:
    _, email = await site.account()
    browser_less.headers["Accept-Language"] = "en-GB,en;q=0.8"
    refused = await sign_in(browser_less, email, "not-the-password")
    assert refused.status_code == 422
    assert "This e-mail address and password do not match." in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert "td_session" not in refused.cookies
    browser_less.headers["Accept-Language"] = "id"
    unknown = await sign_in(browser_less, "nobody@example.org", PASSWORD)
    assert "Alamat e-mail dan kata sandi ini tidak cocok." in unknown.text  # the same answer


async def test_an_organiser_signs_in_sees_only_their_own_expos_and_signs_out(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)  # organised by the tests' organiser subject
    organiser = await site.organiser()
    _, stranger = await site.account()
    signed = await sign_in(browser_less, stranger, PASSWORD)
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    listing = await browser_less.get("/expos")
    assert listing.status_code == 200
    assert "Anda belum punya pameran." in listing.text and expo["name"] not in listing.text
    out = await browser_less.post("/signout", data={"csrf": csrf_of(listing)})
    assert out.status_code == 303
    assert (await browser_less.get("/expos")).status_code == 303
    await sign_in(browser_less, organiser, PASSWORD)
    own = await browser_less.get("/expos")
    assert f'href="/expos/{expo["id"]}"' in own.text
    shown = await browser_less.get(f"/expos/{expo['id']}")
    assert shown.status_code == 200 and expo["venue"] in shown.text
    assert "Waktu Indonesia Tengah (WITA, Asia/Makassar)" in shown.text


async def test_a_form_without_its_csrf_token_changes_nothing(
    site: Site, browser_less: httpx.AsyncClient
) -> None:
    _, email = await site.account()
    await sign_in(browser_less, email, PASSWORD)
    forged = await browser_less.post("/language", data={"language": "en", "csrf": "forged"})
    assert forged.status_code == 400
    assert "Formulir sudah kedaluwarsa" in forged.text
    assert 'lang="id"' in (await browser_less.get("/expos")).text  # not switched


async def test_the_language_is_remembered_on_the_account_and_announced(
    site: Site, browser_less: httpx.AsyncClient, settings: Settings
) -> None:
    account_id, email = await site.account(language=Language.id)
    await sign_in(browser_less, email, PASSWORD)
    page = await browser_less.get("/expos")
    assert "Pameran Anda" in page.text and 'lang="id"' in page.text
    switched = await browser_less.post(
        "/language", data={"csrf": csrf_of(page), "language": "en", "next": "/expos"}
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/expos"
    assert "Your expos" in (await browser_less.get("/expos")).text
    # Another browser of the same person starts in their language.
    async with httpx.AsyncClient(base_url=site.url) as elsewhere:
        await sign_in(elsewhere, email, PASSWORD)
        assert 'lang="en"' in (await elsewhere.get("/expos")).text

    def announced(records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        return any(r.key == account_id.encode() and b'"language":"en"' in r.value for r in records)

    records = await read_topic(settings, topics.IDENTITY, until=announced)
    mine = [r for r in records if r.key == account_id.encode()]
    types = [headers_of(r)["ce_type"] for r in mine]
    assert types == ["identity.account.created", "identity.account.updated"]
    assert {headers_of(r)["ce_source"] for r in mine} == {"/temu-dagang/web"}
    for record in mine:  # an address and a language, never a secret
        account = json.loads(record.value)["account"]
        assert "password" not in json.dumps(account) and account["email"] == email


async def test_an_unknown_page_is_a_404_page_in_the_readers_language(
    browser_less: httpx.AsyncClient,
) -> None:
    browser_less.headers["Accept-Language"] = "en"
    missing = await browser_less.get("/no/such/page")
    assert missing.status_code == 404
    assert "Page not found" in missing.text
    assert missing.headers["content-type"].startswith("text/html")


async def test_sign_in_attempts_for_one_address_are_counted(
    site: Site, browser_less: httpx.AsyncClient, settings: Settings
) -> None:
    """Guessing a password is slowed down per address: the web app's limiter, on its Redis,
    with the rule of 5 a minute for the length of this test."""
    _, email = await site.account()
    _, neighbour = await site.account()
    shared = site.app.state.sign_in_limits
    client = Redis.from_url(settings.redis_url)
    site.app.state.sign_in_limits = Limits(client, "5/minute")
    try:
        page = await browser_less.get("/signin")
        answers = [
            await browser_less.post(
                "/signin", data={"csrf": csrf_of(page), "email": email, "password": f"tebak-{n}"}
            )
            for n in range(6)
        ]
        assert all("tidak cocok" in answer.text for answer in answers[:5])
        assert "Terlalu banyak percobaan. Coba lagi dalam 1 menit." in answers[5].text
        late = await sign_in(browser_less, email, PASSWORD)  # even the right one waits now
        assert late.status_code == 422
        other = await sign_in(browser_less, neighbour, PASSWORD)  # another address does not
        assert other.status_code == 303
    finally:
        site.app.state.sign_in_limits = shared
        await client.aclose()
