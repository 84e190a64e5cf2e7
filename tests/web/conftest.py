"""The web app on the session's stack: the three APIs (the same in-process apps the other tests
use) and the web app itself each served over real HTTP on a loopback port in this event loop,
so a browser and the web app's own API calls go through sockets, and nothing runs twice."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from deploy.local.stack import API_URL_SETTINGS, free_port
from shared.contracts.identity import AccountRole, Language
from shared.settings import get_settings
from tests.conftest import ORGANISER
from tests.helpers import unique

PASSWORD = "kopi-bajawa-arabika"


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """`app` (its lifespan already running) answering HTTP on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass(frozen=True)
class Site:
    url: str
    app: FastAPI

    async def account(
        self,
        role: AccountRole = AccountRole.organiser,
        language: Language = Language.id,
        account_id: str | None = None,
    ) -> tuple[str, str]:
        """A new staff account; returns its id and e-mail address (password: PASSWORD)."""
        from services.web.accounts import hash_password

        email = f"{unique('staf')}@disperindag.ntt.example"
        account = await self.app.state.accounts.create_staff(
            account_id, email, "Maria da Costa", role, language, hash_password(PASSWORD)
        )
        return account.id, email

    async def organiser(self, language: Language = Language.id) -> str:
        """The e-mail address of the account of the tests' organiser (ORGANISER), who
        organises every expo the tests open, made on first use, in `language`."""
        from services.web.accounts import choose_language

        if await self.app.state.accounts.find(ORGANISER) is None:
            await self.account(account_id=ORGANISER)
        found = await self.app.state.accounts.change(
            ORGANISER, lambda account: choose_language(account, language)
        )
        return str(found.email)


@pytest.fixture(scope="session")
async def site(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, matching: httpx.AsyncClient
) -> AsyncIterator[Site]:
    from services.catalog.app import app as catalog_app
    from services.events.app import app as events_app
    from services.matching.app import app as matching_app
    from services.web.app import app as web_app

    async with AsyncExitStack() as stack:
        apps = {"catalog": catalog_app, "events": events_app, "matching": matching_app}
        for name, app in apps.items():
            os.environ[API_URL_SETTINGS[name]] = await stack.enter_async_context(served(app))
        get_settings.cache_clear()
        await stack.enter_async_context(LifespanManager(web_app, startup_timeout=30))
        yield Site(await stack.enter_async_context(served(web_app)), web_app)
    for setting in API_URL_SETTINGS.values():
        os.environ.pop(setting, None)
    get_settings.cache_clear()


@pytest.fixture
async def browser_less(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping HTTP client, as a browser without JavaScript would be."""
    async with httpx.AsyncClient(base_url=site.url, follow_redirects=False) as client:
        yield client


# -- the browser ------------------------------------------------------------------------------
CHROMIUM_NAMES = ("chromium", "chromium-browser")
# Flags for a closed network: no background calls to Google's hosts, no first-run dialogs.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = ViewportSize(width=360, height=740)
LAPTOP = ViewportSize(width=1280, height=800)


def _chromium() -> str | None:
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium (Debian's) for the whole run; `make test` installs it."""
    executable = _chromium()
    if executable is None:
        reason = "no Chromium on PATH (make test installs Debian's where root with apt-get)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs the browser tests: {reason}")
        pytest.skip(reason)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@dataclass
class Person:
    """A person at a browser: one context (cookies) per viewport, screenshots of each step."""

    browser: Browser
    site: Site
    name: str
    page: Page
    language: str = "id"
    steps: int = 0

    async def sign_in(self, email: str) -> Page:
        """Signed in on the Indonesian sign-in page, as the tests' staff sign in."""
        page = await self.open("/signin")
        await page.get_by_label("Alamat e-mail").fill(email)
        await page.get_by_label("Kata sandi").fill(PASSWORD)
        await page.get_by_role("button", name="Masuk").click()
        return page

    async def open(self, path: str) -> Page:
        await self.page.goto(f"{self.site.url}{path}")
        return self.page

    async def look(self, step: str) -> None:
        """A screenshot of the page as it is, and axe's verdict: no serious or critical
        violation. Then the same page on a 360-px phone."""
        self.steps += 1
        await _check_accessibility(self.page, step)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = f"{self.name}-{self.steps:02d}-{step}-{self.language}"
        await self.page.screenshot(path=SCREENSHOTS / f"{stem}-laptop.png", full_page=True)
        await self.page.set_viewport_size(PHONE)
        await self.page.screenshot(path=SCREENSHOTS / f"{stem}-phone.png", full_page=True)
        await self.page.set_viewport_size(LAPTOP)

    async def printed(self, step: str) -> None:
        """The page as the printer gets it: a PDF (A4) and a screenshot in print media, both
        under out/screenshots/, to be looked at."""
        stem = f"{self.name}-{self.steps:02d}-{step}-{self.language}"
        await self.page.emulate_media(media="print")
        await self.page.screenshot(path=SCREENSHOTS / f"{stem}-print.png", full_page=True)
        await self.page.pdf(path=SCREENSHOTS / f"{stem}.pdf", format="A4")
        await self.page.emulate_media(media="screen")


async def _check_accessibility(page: Page, step: str) -> None:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await axe.run(document)")
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert not serious, f"axe on {step} ({page.url}): " + " | ".join(serious)


@pytest.fixture
async def person(
    browser: Browser, site: Site, request: pytest.FixtureRequest
) -> AsyncIterator[Person]:
    # bypass_csp: only so that axe can be injected; the pages' own policy is tested over HTTP.
    context = await browser.new_context(
        viewport=LAPTOP, locale="id-ID", bypass_csp=True, base_url=site.url
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    yield Person(browser, site, request.node.name.removeprefix("test_"), page)
    await context.close()
