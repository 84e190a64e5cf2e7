"""People's journeys through the web app in a real Chromium: each step is looked at (a
screenshot on a laptop and on a 360-px phone, under out/screenshots/) and checked by axe."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import Workbook
from playwright.async_api import Browser, FilePayload, expect

from shared.contracts.identity import Language
from tests.helpers import unique
from tests.integration.expo import delegate, open_expo
from tests.web.conftest import LAPTOP, PASSWORD, PHONE, Person, Site


async def test_an_organiser_signs_in_reads_an_expo_in_both_languages_and_signs_out(
    person: Person, site: Site, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    email = await site.organiser()
    page = await person.open("/expos")
    await expect(page).to_have_url(re.compile(r"/signin\?next=/expos$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    await person.look("sign-in")

    await page.get_by_label("Alamat e-mail").fill(email)
    await page.get_by_label("Kata sandi").fill("salah-kata-sandi")
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_text("Alamat e-mail dan kata sandi ini tidak cocok.")).to_be_visible()
    await expect(page.get_by_label("Kata sandi")).to_have_attribute("aria-invalid", "true")
    await person.look("wrong-password")

    await page.get_by_label("Kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Pameran Anda")
    await person.look("expos")

    await page.get_by_role("link", name=expo["name"]).first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(expo["name"])
    await expect(page.get_by_text("Waktu Indonesia Tengah (WITA, Asia/Makassar)")).to_be_visible()
    await person.look("expo")

    await page.get_by_role("button", name="English").click()
    person.language = "en"
    await expect(page.get_by_role("heading", name="Meeting sessions")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await person.look("expo")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await person.look("signed-out")


async def test_an_organiser_creates_an_expo_fixes_what_the_form_says_and_opens_it(
    person: Person, site: Site
) -> None:
    _, email = await site.account()
    page = await person.sign_in(email)
    await page.get_by_role("link", name="Pameran baru").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Pameran baru")
    await person.look("new-expo")

    await page.get_by_label("Nama pameran").fill("Temu Dagang Rumput Laut Sumba 2026")
    await page.get_by_label("Tempat").fill("Aula Kantor Bupati, Waingapu")
    await page.get_by_label("Hari pertama").fill("2026-08-12")
    await page.get_by_label("Hari terakhir").fill("2026-08-11")
    await page.get_by_label("Hari 1").fill("2026-08-12")
    await page.get_by_label("Mulai 1").fill("09:00")
    await page.get_by_label("Sampai 1").fill("08:30")
    await page.get_by_role("button", name="Buat pameran").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("1 hal perlu diperbaiki")
    await expect(page.get_by_label("Hari terakhir")).to_have_attribute("aria-invalid", "true")
    await person.look("dates-reversed")

    await page.get_by_label("Hari terakhir").fill("2026-08-13")
    await page.get_by_role("button", name="Buat pameran").click()
    await expect(page.get_by_text("Sesi harus berakhir setelah dimulai.").first).to_be_visible()
    await expect(page.get_by_label("Sampai 1")).to_have_attribute("aria-invalid", "true")
    await person.look("session-reversed")

    await page.get_by_label("Sampai 1").fill("12:00")
    await page.get_by_role("button", name="Buat pameran").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Temu Dagang Rumput Laut Sumba 2026"
    )
    await person.look("created")

    await page.get_by_role("button", name="Buka pendaftaran").click()
    await expect(page.get_by_text("Pendaftaran dibuka")).to_be_visible()
    await expect(page.get_by_role("button", name="Kembalikan ke draf")).to_be_visible()
    await person.look("opened")


async def test_an_organiser_invites_a_delegate_who_signs_in_and_is_helped_on_their_behalf(
    person: Person, site: Site, events: httpx.AsyncClient, browser: Browser
) -> None:
    expo = await open_expo(events)
    guest = await delegate(
        events, expo["id"], name="Kenji Watanabe", organisation="Embassy of Japan, Jakarta"
    )
    email = await site.organiser()
    page = await person.sign_in(email)
    await page.goto(f"{site.url}/expos/{expo['id']}")
    await page.get_by_role("link", name="Delegasi").click()
    await page.get_by_label("Nama atau organisasi").fill("kenji")
    await page.get_by_role("button", name="Tampilkan").click()
    await person.look("delegates")

    await page.get_by_role("link", name="Kenji Watanabe").click()
    await page.get_by_label("Alamat e-mail").fill(f"{unique('kenji')}@mofa.example")
    await page.get_by_label("Bahasa mereka").select_option("en")
    await page.get_by_role("button", name="Buat tautan undangan").click()
    await expect(page.get_by_role("img", name="Kode QR tautan masuk")).to_be_visible()
    await person.look("invitation")
    await person.printed("invitation")
    link = await page.locator(".invitation .link a").get_attribute("href")
    assert link is not None

    # Kenji, on his own phone, opens the link.
    context = await browser.new_context(viewport=PHONE, bypass_csp=True)
    phone = await context.new_page()
    kenji = Person(browser, site, person.name + "-kenji", phone, language="en")
    await phone.goto(link)
    await expect(phone.get_by_role("heading", level=1)).to_have_text("Welcome, Kenji Watanabe")
    await kenji.look("welcome")
    await phone.get_by_role("button", name="Sign in as Kenji Watanabe").click()
    await expect(phone.get_by_text("Your proposed partners")).to_be_visible()
    await kenji.look("signed-in")
    await context.close()

    await page.goto(f"{site.url}/expos/{expo['id']}/delegates/{guest['id']}")
    await page.get_by_role("button", name="Bertindak atas nama Kenji Watanabe").click()
    banner = page.get_by_role("status")
    await expect(banner).to_contain_text("Anda bertindak atas nama Kenji Watanabe")
    await person.look("acting-as")
    await page.get_by_role("button", name="Berhenti bertindak atas nama Kenji Watanabe").click()
    await expect(page.get_by_text("mulai bertindak atas nama mereka")).to_be_visible()
    await person.look("audit")


async def test_an_organiser_imports_delegates_sees_each_rows_problem_and_adds_the_ready_ones(
    person: Person, site: Site, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    email = await site.organiser()
    page = await person.sign_in(email)
    await page.goto(f"{site.url}/expos/{expo['id']}/delegates")
    await page.get_by_role("link", name="Impor delegasi").click()
    await person.look("upload")

    rows = (
        "Nama Lengkap;Surel;Instansi;Negara;Jabatan;Bahasa;Minat\n"
        f"Ana Ximenes;ana.{expo['id']}@example.tl;Ministério do Comércio;Timor Leste;diplomat;Portugis;kopi\n"
        "Lee Min-jun;;KOTRA Jakarta;Korea Selatan;importir;Korea, English;rumput laut\n"
        "Maria Santos;;DTI Philippines;Filipina Raya;pembeli;English;kakao\n"
    )
    upload = FilePayload(name="delegasi.csv", mimeType="text/csv", buffer=rows.encode())
    await page.get_by_label("Berkas").set_input_files(files=[upload])
    await page.get_by_role("button", name="Baca berkas").click()
    await expect(page.get_by_role("status")).to_contain_text("2 siap, 1 perlu diperbaiki")
    await expect(page.get_by_text("Negara ini tidak kami kenal").first).to_be_visible()
    await person.look("preview")

    await page.get_by_role("button", name="Tambahkan 2 delegasi").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Impor selesai")
    await person.look("done")
    # Ana gave an address, so she has an account to invite; Lee has none yet.
    await page.get_by_role("button", name="Undang semua yang belum masuk").click()
    await expect(page.get_by_role("status")).to_contain_text("1 tautan masuk baru")
    await expect(page.get_by_text("1 peserta belum punya alamat e-mail")).to_be_visible()
    await expect(page.get_by_role("cell", name=f"ana.{expo['id']}@example.tl")).to_be_visible()
    await person.look("invitations")
    await person.printed("invitations")


async def test_an_english_speaking_organiser_sees_the_back_office_in_english(
    browser: Browser, site: Site, events: httpx.AsyncClient
) -> None:
    """The pages the other journeys look at in Indonesian, in English: an account whose
    language is English, in a browser that asks for English."""
    context = await browser.new_context(
        viewport=LAPTOP, locale="en-GB", bypass_csp=True, base_url=site.url
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    person = Person(browser, site, "english-back-office", page, language="en")
    expo = await open_expo(events)
    await delegate(events, expo["id"], name="Lee Min-jun", country="KR")
    await site.organiser(Language.en)
    await person.open("/password/forgotten")
    await person.look("forgotten-password")
    await person.open("/signin")
    await page.get_by_label("E-mail address").fill(await site.organiser(Language.en))
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your expos")

    await person.open("/expos/new")
    await page.get_by_label("Name of the expo").fill("Flores Coffee Fair 2026")
    await page.get_by_label("Venue").fill("Gedung Serbaguna, Bajawa")
    await page.get_by_label("First day").fill("2026-06-10")
    await page.get_by_label("Last day").fill("2026-06-11")
    await page.get_by_label("Time zone").fill("Asia/Makasar")
    await page.get_by_label("Day 1").fill("2026-06-10")
    await page.get_by_label("From 1").fill("09:00")
    await page.get_by_label("Until 1").fill("12:00")
    await page.get_by_role("button", name="Create the expo").click()
    await expect(page.get_by_text("This is not a time zone").first).to_be_visible()
    await person.look("expo-form-errors")

    await person.open(f"/expos/{expo['id']}/delegates")
    await expect(page.get_by_role("cell", name="South Korea")).to_be_visible()
    await person.look("delegates")
    await page.get_by_role("link", name="Lee Min-jun").click()
    await person.look("delegate")

    await page.goto(f"{site.url}/expos/{expo['id']}/import")
    await person.look("import")
    rows = (
        "Name,Organisation,Country\nMaria Santos,DTI Philippines,Atlantis\nLee Min-jun,KOTRA,KR\n"
    )
    upload = FilePayload(name="delegates.csv", mimeType="text/csv", buffer=rows.encode())
    await page.get_by_label("File").set_input_files(files=[upload])
    await page.get_by_role("button", name="Read the file").click()
    await expect(page.get_by_text("This is not a country we know").first).to_be_visible()
    await person.look("import-preview")
    await person.open("/accounts/resets")
    await person.look("password-requests")
    await context.close()


async def test_an_organiser_looks_after_exhibitors_and_corrects_a_delegate_in_both_languages(
    browser: Browser,
    site: Site,
    person: Person,
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
) -> None:
    """The exhibitors' list and page (a product named only in English, one only in
    Indonesian), the seller's invitation printed, and a delegate's details corrected."""
    from tests.helpers import product_body, seller_body
    from tests.integration.expo import exhibitor_of

    expo = await open_expo(events)
    weavers = unique("Kelompok Tenun Ikat Lembata")
    seller = (
        await catalog.post("/sellers", json=seller_body(name=weavers, regency="Lembata"))
    ).json()
    await catalog.post(f"/sellers/{seller['id']}/products", json=product_body(
        name={"id": "Sarung tenun ikat Lembata"}))  # fmt: skip
    await catalog.post(f"/sellers/{seller['id']}/products", json=product_body(
        name={"en": "Ikat table runner"}, branded=False))  # fmt: skip
    await exhibitor_of(events, expo["id"], seller["id"], booth="T07")
    guest = await delegate(events, expo["id"], name=unique("Nguyen Van An"), country="VN")

    page = await person.sign_in(await site.organiser())
    await person.open(f"/expos/{expo['id']}/exhibitors")
    await expect(page.get_by_role("link", name=weavers)).to_be_visible()
    await person.look("exhibitors")
    await person.printed("exhibitors")

    await page.get_by_role("link", name="Impor peserta pameran").click()
    await person.look("exhibitor-import")
    salt = unique("Koperasi Garam Bipolo")
    upload = _xlsx("umkm.xlsx", [["Nama UMKM", "Provinsi", "Kabupaten", "Komoditas", "Stan"],
                                 [salt, "NTT", "Kupang", "garam", "S01"],
                                 ["Madu Sumbawa", "Sumbawa Raya", "Sumbawa", "madu", "S02"]])  # fmt: skip
    await page.get_by_label("Berkas").set_input_files(files=[upload])
    await page.get_by_role("button", name="Baca berkas").click()
    await expect(page.get_by_role("status")).to_contain_text("1 siap, 1 perlu diperbaiki")
    await expect(page.get_by_text("Provinsi ini tidak kami kenal").first).to_be_visible()
    await person.look("exhibitor-import-preview")
    await page.get_by_role("button", name="Tambahkan 1 peserta pameran").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Impor selesai")
    await person.look("exhibitor-import-done")
    await page.get_by_role("link", name="Ke daftar peserta pameran").click()
    await expect(page.get_by_role("link", name=salt)).to_be_visible()
    await page.get_by_role("link", name=weavers).click()
    await expect(page.get_by_text("Ikat table runner")).to_be_visible()
    await person.look("exhibitor")
    await person.printed("exhibitor")
    await page.get_by_role("link", name="Ubah data").click()
    await expect(page.get_by_label("Stan")).to_have_value("T07")
    await person.look("seller-form")
    await page.go_back()
    await page.get_by_label("Alamat e-mail").fill(f"{unique('tenun')}@lembata.example")
    await page.get_by_role("button", name="Buat tautan undangan").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(weavers)
    await person.look("seller-invitation")
    await person.printed("seller-invitation")

    await person.open(f"/expos/{expo['id']}/delegates/{guest['id']}/edit")
    await page.get_by_label("Negara").fill("Vietnam Selatan")
    await page.get_by_role("button", name="Simpan").click()
    await expect(page.get_by_text("Negara ini tidak kami kenal")).to_be_visible()
    await person.look("delegate-form-errors")
    await page.get_by_label("Negara").fill("Vietnam")
    await page.get_by_label("Kopi").check()
    await page.get_by_role("button", name="Simpan").click()
    await expect(page.get_by_text("Kopi", exact=True)).to_be_visible()
    await person.look("delegate-corrected")
    await person.printed("delegate-corrected")

    await page.get_by_role("button", name="English").click()
    person.language = "en"
    await person.open(f"/expos/{expo['id']}/exhibitors")
    await expect(page.get_by_role("link", name=salt)).to_be_visible()
    await person.look("exhibitors")
    await page.get_by_role("link", name="Import exhibitors").click()
    cashew = unique("Koperasi Mete Flores Timur")
    upload = _xlsx("producers.xlsx", [
        ["Business name", "Province", "Regency", "Products", "Booth"],
        [cashew, "Nusa Tenggara Timur", "Flores Timur", "jambu mete", "M01"],
        ["Kopi Kintamani", "Bali Utara", "Bangli", "kopi", "M02"]])  # fmt: skip
    await page.get_by_label("File").set_input_files(files=[upload])
    await page.get_by_role("button", name="Read the file").click()
    await expect(page.get_by_role("status")).to_contain_text("1 ready, 1 to fix")
    await expect(page.get_by_text("This is not a province we know").first).to_be_visible()
    await person.look("exhibitor-import-preview")
    await page.get_by_role("button", name="Add 1 exhibitor").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Import done")
    await person.look("exhibitor-import-done")
    await page.get_by_role("link", name="To the exhibitors").click()
    await expect(page.get_by_role("link", name=cashew)).to_be_visible()
    await person.open(f"/expos/{expo['id']}/exhibitors?province=ID-NT&readiness=ready")
    await expect(page.get_by_role("link", name=weavers)).to_be_visible()
    # Names made once per template (the account states) follow the reader's language too.
    await expect(page.get_by_role("cell", name="Invited, not signed in yet")).to_be_visible()
    await person.printed("exhibitors-filtered")
    await person.open(f"/expos/{expo['id']}/exhibitors/{(await _booth(events, expo['id']))}")
    await expect(page.get_by_title("Only in Indonesian")).to_be_visible()
    await person.look("exhibitor")
    await page.get_by_role("link", name="Edit details").click()
    await page.get_by_label("Booth").fill("T-07 Aula El Tari")
    await page.get_by_label("Province").fill("Flores")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("This is not a province we know")).to_be_visible()
    await person.look("seller-form-errors")
    await page.get_by_label("Province").fill("NTT")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("T-07 Aula El Tari")).to_be_visible()
    await person.open(f"/expos/{expo['id']}/delegates/{guest['id']}/edit")
    await person.look("delegate-form")
    await page.get_by_role("button", name="Bahasa Indonesia").click()  # as it was


async def _booth(events: httpx.AsyncClient, expo_id: str) -> str:
    listed = (await events.get(f"/expos/{expo_id}/exhibitors")).json()["items"]
    return str(listed[0]["id"])


def _xlsx(name: str, rows: list[list[str]]) -> FilePayload:
    """A workbook as a browser uploads it (the type a phone gives an .xlsx it cannot name)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    xlsx = io.BytesIO()
    book.save(xlsx)
    return FilePayload(name=name, mimeType="application/octet-stream", buffer=xlsx.getvalue())
