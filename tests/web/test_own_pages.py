"""A participant's own page in Chromium: a delegate signed in from their invitation sees their
agenda (in their language, then in the other), ready to print with each meeting's check-in
code; an exhibitor's page shows the delegate's organisation and languages from the agenda."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import expect

from tests.helpers import seller_body, unique
from tests.integration.expo import delegate, exhibitor_of, open_expo
from tests.web.conftest import PASSWORD, Person, Site
from tests.web.forms import csrf_of, sign_in


async def _invitation(organiser: httpx.AsyncClient, page_url: str, language: str) -> str:
    page = await organiser.get(page_url)
    made = await organiser.post(
        f"{page_url}/invite",
        data={
            "csrf": csrf_of(page),
            "email": f"{unique('guest')}@example.org",
            "language": language,
        },
    )
    assert made.status_code == 200, made.text
    link = re.search(r'<a href="(http[^"]+/invitations/[^"]+)"', made.text)
    assert link
    return link.group(1)


async def _meeting(
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
    seller_name: str,
    booth: str,
    **guest: object,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An open expo, an exhibitor at `booth` and a delegate, with a meeting placed between
    them still to place (`_place`): the expo, the seller, the exhibitor, the delegate."""
    expo = await open_expo(events)
    seller = (await catalog.post("/sellers", json=seller_body(name=unique(seller_name)))).json()
    exhibiting = await exhibitor_of(events, expo["id"], seller["id"], booth=booth)
    return expo, seller, exhibiting, await delegate(events, expo["id"], **guest)


async def _place(
    events: httpx.AsyncClient, expo_id: str, delegate_id: str, exhibitor_id: str
) -> None:
    await events.post(f"/expos/{expo_id}/schedule", json={"time_limit_seconds": 2})
    made = await events.post(
        f"/expos/{expo_id}/requests",
        json={"delegate_id": delegate_id, "exhibitor_id": exhibitor_id},
    )
    assert made.status_code == 201 and made.json()["meeting"], made.text


async def test_a_delegate_sees_and_prints_their_own_agenda_in_either_language(
    person: Person,
    site: Site,
    browser_less: httpx.AsyncClient,
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
) -> None:
    expo, seller, booth, guest = await _meeting(
        catalog, events, "Kopi Flores Bajawa", "K07", name="Kenji Watanabe",
        organisation="Embassy of Japan", languages=["ja", "en"],
    )  # fmt: skip
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    link = await _invitation(browser_less, f"/expos/{expo['id']}/delegates/{guest['id']}", "en")

    page = await person.open(link.removeprefix(site.url))
    await page.get_by_role("button", name="Sign in as Kenji Watanabe").click()
    await expect(page.get_by_role("heading", name="Your meetings", exact=True)).to_be_visible()
    await expect(page.get_by_text("No meeting is scheduled for you yet.")).to_be_visible()
    await expect(page.get_by_text("You have not asked for any meeting yet.")).to_be_visible()

    await _place(events, expo["id"], guest["id"], booth["id"])
    await page.reload()
    sheet = page.locator("section.sheet")
    await expect(sheet.get_by_role("heading", name="Kenji Watanabe")).to_be_visible()
    await expect(sheet.get_by_text(seller["name"])).to_be_visible()
    await expect(sheet.get_by_text("booth K07")).to_be_visible()
    await expect(page.get_by_text("Central Indonesia Time", exact=False)).to_be_visible()
    code = sheet.locator(".check-in .code")
    await expect(code).to_have_count(1)
    person.language = "en"
    await person.look("agenda")
    await person.printed("agenda")

    await page.get_by_role("button", name="Bahasa Indonesia").click()
    await expect(page.get_by_role("heading", name="Pertemuan Anda", exact=True)).to_be_visible()
    await expect(sheet.get_by_text("stan K07")).to_be_visible()
    person.language = "id"
    await person.look("agenda")
    await person.printed("agenda")

    # He asks a second exhibitor for a meeting on the second morning only: first without
    # choosing whom, which is refused next to the field, in his language now.
    weaver = await catalog.post("/sellers", json=seller_body(name=unique("Tenun Ikat Sumba")))
    await exhibitor_of(events, expo["id"], weaver.json()["id"], booth="B2",
                       availability={"sessions": ["d1-am", "d2-am"]})  # fmt: skip
    await page.reload()
    await page.get_by_role("button", name="Minta pertemuan", exact=True).click()
    await expect(page.locator("#f-exhibitor_id-error")).to_have_text("Pilih peserta pameran.")
    await person.look("request-refused")
    await page.get_by_label("Peserta pameran", exact=True).select_option(
        label=f"{weaver.json()['name']} · stan B2"
    )
    # The weavers are not there on the first afternoon: the events service refuses the window.
    await page.get_by_label("14 Nov 2019, 13.30–16.00").check()
    await page.get_by_role("button", name="Minta pertemuan", exact=True).click()
    await expect(page.locator("#f-sessions-error")).to_contain_text(
        "tidak sama-sama hadir di sesi mana pun"
    )
    await page.get_by_label("14 Nov 2019, 13.30–16.00").uncheck()
    await page.get_by_label("15 Nov 2019, 09.00–12.00").check()
    await person.look("request-form")
    await page.get_by_role("button", name="Minta pertemuan", exact=True).click()
    asked = page.locator("#requests + table tbody tr")
    await expect(asked).to_have_count(2)  # the first meeting's request, and this one
    row = asked.filter(has_text=weaver.json()["name"])
    await expect(row).to_contain_text("Terjadwal")
    await expect(row).to_contain_text("15 Nov 2019 09.")  # placed within that morning
    await person.look("requests")
    await page.get_by_label("Peserta pameran", exact=True).select_option(
        label=f"{weaver.json()['name']} · stan B2"
    )
    await page.get_by_role("button", name="Minta pertemuan", exact=True).click()
    await expect(page.locator("#f-exhibitor_id-error")).to_have_text(
        "Anda sudah meminta pertemuan dengan peserta pameran ini; lihat di bawah."
    )

    # He withdraws that request: first without saying why, then with a reason; its slot is
    # freed, and the request shows as cancelled.
    await row.get_by_text("Batalkan permintaan ini").click()
    await row.get_by_role("button", name="Batalkan permintaan", exact=True).click()
    row = page.locator("#requests + table tbody tr").filter(has_text=weaver.json()["name"])
    await expect(row.locator(".error")).to_have_text("Sebutkan alasannya dalam beberapa kata.")
    await person.look("cancel-refused")
    await row.get_by_label("Alasannya (disampaikan kepada peserta pameran)").fill(
        "Jadwal kunjungan ke Sumba berubah"
    )
    await row.get_by_role("button", name="Batalkan permintaan", exact=True).click()
    await expect(row).to_contain_text("Dibatalkan")
    await expect(row.get_by_text("Batalkan permintaan ini")).to_have_count(0)
    await expect(sheet.locator("tbody tr")).to_have_count(1)  # off his agenda


async def test_an_exhibitor_sees_whom_they_meet_with_organisation_and_languages(
    person: Person,
    site: Site,
    browser_less: httpx.AsyncClient,
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
) -> None:
    expo, seller, booth, guest = await _meeting(
        catalog, events, "Tenun Ina Ndao", "C3", name="Ana Ximenes", country="TL",
        organisation="Ministério do Comércio, Díli", languages=["pt", "id"],
    )  # fmt: skip
    await _place(events, expo["id"], guest["id"], booth["id"])
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    link = await _invitation(browser_less, f"/expos/{expo['id']}/exhibitors/{booth['id']}", "id")
    page = await person.open(link.removeprefix(site.url))
    await page.get_by_role("button", name=f"Masuk sebagai {seller['name']}").click()
    await expect(page.get_by_role("heading", name="Pertemuan Anda", exact=True)).to_be_visible()
    row = page.locator("section.sheet tbody tr")
    # Not readable by the exhibitor as a record: the agenda itself says who the delegate is,
    # and the language the two share.
    await expect(row).to_contain_text("Ana Ximenes · Ministério do Comércio, Díli, Timor Leste")
    await expect(row.locator(".lang")).to_have_text("Indonesia")
    await person.look("agenda")
