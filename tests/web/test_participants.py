"""The organiser's participants over HTTP: finding delegates, inviting one with a single-use
link, and acting on their behalf with the audit trail."""

from __future__ import annotations

import re

import httpx

from tests.helpers import unique
from tests.integration.expo import delegate, open_expo
from tests.web.conftest import PASSWORD, Site
from tests.web.forms import csrf_of, sign_in


async def _organiser(site: Site, client: httpx.AsyncClient) -> None:
    await sign_in(client, await site.organiser(), PASSWORD)


async def test_delegates_are_found_by_name_country_and_whether_they_signed_in(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    tanaka = await delegate(events, expo["id"], name="Tanaka Hiroshi", country="JP")
    await delegate(events, expo["id"], name="Ana Ximenes", country="TL",
                   organisation="Ministério do Comércio, Díli")  # fmt: skip
    await _organiser(site, browser_less)
    url = f"/expos/{expo['id']}/delegates"
    everyone = await browser_less.get(url)
    assert "2 dari 2 delegasi" in everyone.text and "Timor Leste" in everyone.text
    found = await browser_less.get(url, params={"q": "ministério"})
    assert "Ana Ximenes" in found.text and "Tanaka" not in found.text
    japanese = await browser_less.get(url, params={"country": "JP", "state": "none"})
    assert f'href="{url}/{tanaka["id"]}"' in japanese.text and "Ana" not in japanese.text
    assert (
        "1 dari 2 delegasi"
        in (await browser_less.get(url, params={"state": "none", "country": "TL"})).text
    )


async def test_an_invitation_signs_its_delegate_in_once(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    guest = await delegate(events, expo["id"], name="Kenji Watanabe")
    await _organiser(site, browser_less)
    page_url = f"/expos/{expo['id']}/delegates/{guest['id']}"
    page = await browser_less.get(page_url)
    refused = await browser_less.post(
        f"{page_url}/invite", data={"csrf": csrf_of(page), "email": "kenji@", "language": "en"}
    )
    assert refused.status_code == 422 and "Isi alamat e-mail" in refused.text
    made = await browser_less.post(
        f"{page_url}/invite",
        data={"csrf": csrf_of(page), "email": f"{unique('kenji')}@mofa.example", "language": "en"},
    )
    assert made.status_code == 200
    link = re.search(r'<a href="(http[^"]+/invitations/[^"]+)"', made.text)
    assert link and 'src="data:image/svg+xml' in made.text  # the QR code to print
    invitation = link.group(1).removeprefix(site.url)

    async with httpx.AsyncClient(base_url=site.url) as guest_browser:
        welcome = await guest_browser.get(invitation)
        assert welcome.status_code == 200 and "Welcome, Kenji Watanabe" in welcome.text
        again = await guest_browser.get(invitation)  # a link preview does not use it up
        signed = await guest_browser.post(invitation, data={"csrf": csrf_of(again)})
        assert signed.status_code == 303 and signed.headers["location"] == "/me"
        mine = await guest_browser.get("/me")
        assert "Welcome, Kenji Watanabe" in mine.text and expo["name"] in mine.text
        assert 'lang="en"' in mine.text  # the language the organiser chose for him
    async with httpx.AsyncClient(base_url=site.url) as someone_else:
        page = await someone_else.get(invitation)
        assert page.status_code == 410
        reused = await someone_else.post(invitation, data={"csrf": csrf_of(page)})
        assert reused.status_code == 410 and "td_session" not in reused.cookies
    listed = await browser_less.get(f"/expos/{expo['id']}/delegates", params={"state": "active"})
    assert "Kenji Watanabe" in listed.text


async def test_an_organiser_acts_as_a_delegate_under_a_banner_and_the_audit_keeps_it(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    guest = await delegate(events, expo["id"], name="Priya Raman", country="IN")
    await _organiser(site, browser_less)
    page_url = f"/expos/{expo['id']}/delegates/{guest['id']}"
    page = await browser_less.get(page_url)
    first = await browser_less.post(f"{page_url}/act-as", data={"csrf": csrf_of(page)})
    assert first.status_code == 422 and "Undang orang ini dulu" in first.text
    await browser_less.post(
        f"{page_url}/invite",
        data={
            "csrf": csrf_of(page),
            "email": f"{unique('priya')}@indianembassy.example",
            "language": "en",
        },
    )
    acting = await browser_less.post(f"{page_url}/act-as", data={"csrf": csrf_of(page)})
    assert acting.status_code == 303 and acting.headers["location"] == "/me"
    mine = await browser_less.get("/me")
    assert "Anda bertindak atas nama Priya Raman" in mine.text  # the organiser's language
    assert "Selamat datang, Priya Raman" in mine.text
    stopped = await browser_less.post("/act-as/stop", data={"csrf": csrf_of(mine)})
    assert stopped.headers["location"] == page_url
    back = await browser_less.get(page_url)
    assert "bertindak atas nama Priya" not in back.text.split("<main")[0]  # no banner
    assert back.text.count("mulai bertindak atas nama mereka") == 1
    assert back.text.count("berhenti") >= 1


async def test_another_organiser_cannot_act_as_or_invite_my_delegates(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    guest = await delegate(events, expo["id"])
    _, stranger = await site.account()
    await sign_in(browser_less, stranger, PASSWORD)
    page_url = f"/expos/{expo['id']}/delegates/{guest['id']}"
    page = await browser_less.get(page_url)
    assert page.status_code == 403  # the API keeps another expo's delegates from them
    listing = await browser_less.get("/expos")
    invited = await browser_less.post(
        f"{page_url}/invite",
        data={"csrf": csrf_of(listing), "email": "x@example.org", "language": "en"},
    )
    assert invited.status_code == 403


async def test_everyone_not_signed_in_yet_is_invited_at_once_and_only_they(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    names = [unique("Ana Ximenes"), unique("Budi Santoso"), unique("Chen Wei")]
    guests = [await delegate(events, expo["id"], name=name) for name in names]
    await _organiser(site, browser_less)
    for guest in guests[:2]:  # two accounts; the third delegate has no address yet
        page_url = f"/expos/{expo['id']}/delegates/{guest['id']}"
        page = await browser_less.get(page_url)
        await browser_less.post(f"{page_url}/invite", data={
            "csrf": csrf_of(page), "email": f"{unique('d')}@example.org", "language": "en"})  # fmt: skip
    listed = await browser_less.get(f"/expos/{expo['id']}/delegates")
    assert "Undang 2 yang belum masuk" in listed.text
    sheet = await browser_less.post(
        f"/expos/{expo['id']}/delegates/invite-all", data={"csrf": csrf_of(listed)}
    )
    assert sheet.status_code == 200
    assert "2 tautan masuk baru" in sheet.text and "1 peserta belum punya" in sheet.text
    links = re.findall(r'<a href="(http[^"]+/invitations/[^"]+)"', sheet.text)
    assert len(links) == 2 and sheet.text.count('src="data:image/svg+xml') == 2
    async with httpx.AsyncClient(base_url=site.url) as first_guest:
        invitation = links[0].removeprefix(site.url)
        opened = await first_guest.get(invitation)
        assert names[0] in opened.text  # sorted by name: Ana first
        await first_guest.post(invitation, data={"csrf": csrf_of(opened)})
    again = await browser_less.post(
        f"/expos/{expo['id']}/delegates/invite-all", data={"csrf": csrf_of(listed)}
    )
    assert "1 tautan masuk baru" in again.text
    assert names[1] in again.text and names[0] not in again.text
