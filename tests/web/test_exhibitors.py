"""The organiser's exhibitors over HTTP: the list with export readiness and filters, a page
with the products in the reader's language, inviting the seller (whose catalog record gets
its account), and acting on their behalf."""

from __future__ import annotations

import re

import httpx

from tests.helpers import product_body, seller_body, unique
from tests.integration.expo import exhibitor_of, open_expo
from tests.web.conftest import PASSWORD, Site
from tests.web.forms import csrf_of, sign_in


async def _exhibit(
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
    expo_id: str,
    booth: str,
    **seller: object,
) -> tuple[dict[str, object], dict[str, object]]:
    made = (await catalog.post("/sellers", json=seller_body(**seller))).json()
    return made, await exhibitor_of(events, expo_id, made["id"], booth=booth)


async def test_exhibitors_are_listed_with_readiness_and_found_by_province_and_readiness(
    site: Site,
    browser_less: httpx.AsyncClient,
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
) -> None:
    expo = await open_expo(events)
    salt_name = unique("Koperasi Garam Bipolo")
    salt, _ = await _exhibit(catalog, events, expo["id"], "A1", name=salt_name,
                             regency="Kupang", sectors=["salt"])  # fmt: skip
    coffee_name = unique("Kopi Kintamani Lestari")
    coffee, _ = await _exhibit(catalog, events, expo["id"], "B2", name=coffee_name,
                               province="ID-BA", regency="Bangli", sectors=["coffee"])  # fmt: skip
    # Unbranded, unpackaged salt needs no certificate; coffee sold as a brand needs a trademark.
    await catalog.post(f"/sellers/{salt['id']}/products", json=product_body(
        name={"id": "Garam krosok Bipolo"}, hs_code="250100", sector="salt", unit="kg",
        branded=False, packaged=False))  # fmt: skip
    await catalog.post(f"/sellers/{coffee['id']}/products", json=product_body(
        name={"en": "Kintamani arabica, natural process"}, hs_code="090111", sector="coffee",
        unit="kg"))  # fmt: skip
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    url = f"/expos/{expo['id']}/exhibitors"
    everyone = await browser_less.get(url)
    assert everyone.status_code == 200, everyone.text
    assert "2 dari 2 peserta pameran" in everyone.text
    assert "Nusa Tenggara Timur" in everyone.text and "Bali" in everyone.text
    assert "1 dari 1 produk" in everyone.text and "0 dari 1 produk" in everyone.text
    ready = await browser_less.get(url, params={"readiness": "ready"})
    assert salt_name in ready.text and coffee_name not in ready.text
    balinese = await browser_less.get(url, params={"province": "ID-BA", "q": "kintamani"})
    assert coffee_name in balinese.text and salt_name not in balinese.text

    exhibitors = (await events.get(f"/expos/{expo['id']}/exhibitors")).json()["items"]
    coffee_booth = next(e for e in exhibitors if e["seller_id"] == coffee["id"])
    page = await browser_less.get(f"{url}/{coffee_booth['id']}")
    # Only in English: shown as it is, marked, for a reader of Indonesian.
    assert '<span lang="en">Kintamani arabica, natural process</span>' in page.text
    assert 'title="Hanya dalam bahasa Inggris">EN</abbr>' in page.text
    assert "Merek terdaftar (DJKI): tidak ada" in page.text  # the gap, in plain Indonesian


async def test_an_invited_seller_signs_in_and_the_organiser_acts_as_them(
    site: Site,
    browser_less: httpx.AsyncClient,
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
) -> None:
    expo = await open_expo(events)
    name = unique("Kelompok Tenun Ina Ndao")
    seller, booth = await _exhibit(
        catalog, events, expo["id"], "C3", name=name, regency="Rote Ndao"
    )
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    page_url = f"/expos/{expo['id']}/exhibitors/{booth['id']}"
    page = await browser_less.get(page_url)
    assert 'value="id" selected' in page.text  # producers read Indonesian
    first = await browser_less.post(f"{page_url}/act-as", data={"csrf": csrf_of(page)})
    assert first.status_code == 422 and "Undang orang ini dulu" in first.text
    made = await browser_less.post(
        f"{page_url}/invite",
        data={"csrf": csrf_of(page), "email": f"{unique('ina')}@tenun.example", "language": "id"},
    )
    assert made.status_code == 200, made.text
    owner = (await catalog.get(f"/sellers/{seller['id']}")).json()["owner"]
    assert owner and owner.startswith("acc-")  # the catalog knows whose account it is
    link = re.search(r'<a href="(http[^"]+/invitations/[^"]+)"', made.text)
    assert link
    async with httpx.AsyncClient(base_url=site.url) as producer:
        invitation = link.group(1).removeprefix(site.url)
        opened = await producer.get(invitation)
        await producer.post(invitation, data={"csrf": csrf_of(opened)})
        mine = await producer.get("/me")
        assert f"Selamat datang, {name}" in mine.text and "C3" in mine.text

    again = await browser_less.post(
        f"{page_url}/invite", data={"csrf": csrf_of(page), "email": "", "language": ""}
    )  # a new link for the same account: the owner does not change
    assert again.status_code == 200
    assert (await catalog.get(f"/sellers/{seller['id']}")).json()["owner"] == owner
    acting = await browser_less.post(f"{page_url}/act-as", data={"csrf": csrf_of(page)})
    assert acting.status_code == 303
    mine = await browser_less.get("/me")
    assert f"Anda bertindak atas nama {name}" in mine.text and "Rote Ndao" in mine.text
    stopped = await browser_less.post("/act-as/stop", data={"csrf": csrf_of(mine)})
    assert stopped.headers["location"] == page_url
    back = await browser_less.get(page_url)
    assert "Maria da Costa mulai bertindak atas nama mereka" in back.text  # by name, not id
    assert "Sudah masuk" in back.text


async def test_an_organiser_corrects_a_delegates_details_and_sees_errors_in_place(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    from tests.integration.expo import delegate

    expo = await open_expo(events)
    typo = unique("Kenji Watanbe")
    guest = await delegate(events, expo["id"], name=typo, languages=["ja"])
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    edit_url = f"/expos/{expo['id']}/delegates/{guest['id']}/edit"
    form = await browser_less.get(edit_url)
    assert form.status_code == 200 and f'value="{typo}"' in form.text
    fields = {
        "csrf": csrf_of(form), "name": typo.replace("Watanbe", "Watanabe"),
        "organisation": "Embassy of Japan", "country": "Narnia", "role": "diplomat",
        "languages": "Jepang, Inggris", "interests": "kopi arabika\ngaram", "max_meetings": "",
        "sectors": ["coffee", "salt"],
    }  # fmt: skip
    refused = await browser_less.post(edit_url, data=fields)
    assert refused.status_code == 422
    country_field = refused.text.split('id="f-country"')[0].rsplit('<div class="field', 1)[1]
    assert "Negara ini tidak kami kenal" in country_field  # next to the field
    assert 'value="Jepang, Inggris"' in refused.text  # what was typed stays
    saved = await browser_less.post(edit_url, data={**fields, "country": "Jepang"})
    assert saved.status_code == 303
    changed = (await events.get(f"/expos/{expo['id']}/delegates/{guest['id']}")).json()
    assert changed["name"] == typo.replace("Watanbe", "Watanabe")
    assert changed["languages"] == ["ja", "en"] and changed["sectors"] == ["coffee", "salt"]
    assert changed["interests"] == ["kopi arabika", "garam"] and changed["max_meetings"] is None
    page = await browser_less.get(saved.headers["location"])
    assert "Diplomat" in page.text and "Kopi, Garam" in page.text


async def test_an_organiser_corrects_a_sellers_details_with_errors_in_place(
    site: Site,
    browser_less: httpx.AsyncClient,
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
) -> None:
    expo = await open_expo(events)
    typo = unique("Koperasi Kopi Bajwa")
    seller, booth = await _exhibit(catalog, events, expo["id"], "K1", name=typo, regency="Ngada")
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    edit_url = f"/expos/{expo['id']}/exhibitors/{booth['id']}/edit"
    form = await browser_less.get(edit_url)
    assert form.status_code == 200 and f'value="{typo}"' in form.text
    assert 'id="f-booth" name="booth" type="text" value="K1"' in form.text
    fields = {
        "csrf": csrf_of(form), "booth": "K-12, aula utama El Tari", "max_meetings": "enam",
        "name": typo.replace("Bajwa", "Bajawa"), "province": "Flores", "regency": "Ngada",
        "languages": "Indonesia", "sectors": ["coffee"],
        "sales_terms": ["outright_purchase", "export_fob"], "phone": "bukan nomor", "email": "",
    }  # fmt: skip
    refused = await browser_less.post(edit_url, data=fields)
    assert refused.status_code == 422
    # The errors of both services, each next to its field: the booth is the events service's.
    province = refused.text.split('id="f-province"')[0].rsplit('<div class="field', 1)[1]
    assert "Provinsi ini tidak kami kenal" in province
    phone = refused.text.split('id="f-phone"')[0].rsplit('<div class="field', 1)[1]
    assert "Bentuknya tidak sesuai" in phone
    booth_field = refused.text.split('id="f-booth"')[0].rsplit('<div class="field', 1)[1]
    assert "20" in booth_field  # at most 20 characters
    limit = refused.text.split('id="f-max_meetings"')[0].rsplit('<div class="field', 1)[1]
    assert "Isi bilangan bulat" in limit
    fixed = {**fields, "booth": "K-12", "max_meetings": "6", "province": "NTT", "phone": ""}
    saved = await browser_less.post(edit_url, data=fixed)
    assert saved.status_code == 303, saved.text
    changed = (await catalog.get(f"/sellers/{seller['id']}")).json()
    assert changed["name"] == typo.replace("Bajwa", "Bajawa") and changed["province"] == "ID-NT"
    assert changed["sales_terms"] == ["outright_purchase", "export_fob"]
    at_expo = (await events.get(f"/expos/{expo['id']}/exhibitors/{booth['id']}")).json()
    assert at_expo["booth"] == "K-12" and at_expo["max_meetings"] == 6
    page = await browser_less.get(saved.headers["location"])
    assert "Ekspor, FOB" in page.text and "K-12" in page.text
    # Saving again without touching the booth changes nothing at the expo.
    again = await browser_less.post(edit_url, data={**fixed, "csrf": csrf_of(page)})
    assert again.status_code == 303, again.text
    same = (await events.get(f"/expos/{expo['id']}/exhibitors/{booth['id']}")).json()
    assert same["version"] == at_expo["version"]
