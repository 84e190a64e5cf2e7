"""An organiser imports delegates over HTTP: columns suggested, every row's problems shown in
their language before anything is saved, only the ready rows added, and the same file a second
time adds nobody."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import Workbook

from tests.helpers import unique
from tests.integration.expo import open_expo
from tests.web.conftest import PASSWORD, Site
from tests.web.forms import csrf_of, sign_in

CSV = (
    "Nama Lengkap;Surel;Instansi;Negara;Jabatan;Bahasa;Minat\n"
    "José Ramos;jose.{tag}@example.tl;Embaixada de Timor-Leste;Timor Leste;Duta Besar;Portugis;kopi\n"
    "Kenji Watanabe;kenji.{tag}@example.jp;JETRO Jakarta;Nippon;importir;Jepang;jambu mete\n"
    "jose ramos;;EMBAIXADA DE TIMOR-LESTE;TL;diplomat;pt;kopi\n"
    "Tran Thi Mai;;Vinacafe;Vietnam;pembeli;Vietnam, English;robusta\n"
)


async def _upload(client: httpx.AsyncClient, expo_id: str, name: str, content: bytes) -> str:
    page = await client.get(f"/expos/{expo_id}/import")
    answer = await client.post(
        f"/expos/{expo_id}/import", data={"csrf": csrf_of(page)}, files={"file": (name, content)}
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def _results(page: httpx.Response) -> list[str]:
    return re.findall(r"<td data-label=\"(?:Hasil|Result)\">\s*<strong>([^<]+)</strong>", page.text)


async def test_a_csv_is_previewed_with_its_problems_then_only_ready_rows_are_added_once(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    content = CSV.replace("{tag}", expo["id"]).encode()
    preview_url = await _upload(browser_less, expo["id"], "peserta.csv", content)
    preview = await browser_less.get(preview_url)
    assert _results(preview) == ["Siap", "Perlu diperbaiki", "Mengulang baris sebelumnya", "Siap"]
    assert "Negara ini tidak kami kenal" in preview.text  # "Nippon", in her language
    assert "2 siap, 1 perlu diperbaiki, 0 sudah terdaftar, 1 berulang." in preview.text
    assert (await events.get(f"/expos/{expo['id']}/delegates")).json()["total"] == 0

    done = await browser_less.post(
        preview_url, data={"csrf": csrf_of(preview), **_mapping_of(preview)}
    )
    assert done.status_code == 200
    assert "2 ditambahkan, 0 sudah terdaftar, 1 berulang, 1 tidak ditambahkan." in done.text
    names = {
        d["name"] for d in (await events.get(f"/expos/{expo['id']}/delegates")).json()["items"]
    }
    assert names == {"José Ramos", "Tran Thi Mai"}
    # The delegate with an address has an account, ready to be invited.
    listed = await browser_less.get(f"/expos/{expo['id']}/delegates", params={"state": "invited"})
    assert "José Ramos" in listed.text and "Tran Thi Mai" not in listed.text

    again = await browser_less.get(await _upload(browser_less, expo["id"], "peserta.csv", content))
    assert again.status_code == 200, again.text[-1500:]
    assert _results(again) == [
        "Sudah terdaftar",
        "Perlu diperbaiki",
        "Mengulang baris sebelumnya",
        "Sudah terdaftar",
    ]
    assert (await events.get(f"/expos/{expo['id']}/delegates")).json()["total"] == 2


def _mapping_of(page: httpx.Response) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(col_\w+)" value="(\d*)">', page.text))


async def test_an_xlsx_with_other_column_names_is_matched_by_hand(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Peserta", "Asal", "Kantor"])  # "Kantor" is not a known column name
    sheet.append(["Nguyễn Thị Lan", "Vietnam", "Vinacafe Biên Hòa"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview_url = await _upload(browser_less, expo["id"], "delegasi.xlsx", buffer.getvalue())
    unmatched = await browser_less.get(preview_url)
    assert "Pilih kolomnya; setiap baris memerlukannya." in unmatched.text
    matched = await browser_less.get(preview_url, params={"col_organisation": "2"})
    assert _results(matched) == ["Siap"]
    done = await browser_less.post(
        preview_url, data={"csrf": csrf_of(matched), **_mapping_of(matched)}
    )
    assert "1 ditambahkan" in done.text
    [added] = (await events.get(f"/expos/{expo['id']}/delegates")).json()["items"]
    assert (added["name"], added["organisation"], added["country"]) == (
        "Nguyễn Thị Lan", "Vinacafe Biên Hòa", "VN",
    )  # fmt: skip


async def test_the_template_and_a_file_of_another_kind(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await open_expo(events)
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    template = await browser_less.get(f"/expos/{expo['id']}/import/template.csv")
    assert template.headers["content-type"].startswith("text/csv")
    assert template.text.lstrip("\ufeff").startswith("Nama,Alamat e-mail,Organisasi,Negara")
    page = await browser_less.get(f"/expos/{expo['id']}/import")
    refused = await browser_less.post(
        f"/expos/{expo['id']}/import",
        data={"csrf": csrf_of(page)},
        files={"file": ("agenda.pdf", b"%PDF-1.7")},
    )
    assert refused.status_code == 422 and "Pilih berkas CSV atau Excel (.xlsx)." in refused.text


async def test_exhibitors_imported_twice_are_registered_once_with_their_booths(
    site: Site, browser_less: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    """A seller's row becomes a catalog seller and a booth at the expo; a row with an unknown
    sector is shown in Indonesian and added by nobody; the same file again adds nothing and
    the rows with an address get accounts to invite at once."""
    expo = await open_expo(events)
    weavers, salt = unique("Kelompok Tenun Ina Ndao"), unique("Koperasi Garam Bipolo")
    rows = (
        "Nama Usaha;Provinsi;Kabupaten;Sektor;Stan;Surel\n"
        f"{weavers};NTT;Rote Ndao;tenun ikat;A12;{unique('ina')}@example.id\n"
        f"{salt};Nusa Tenggara Timur;Kupang;garam;A13;\n"
        "UMKM Madu;NTB;Sumbawa;madu hutan asli;B1;\n"
    ).encode()
    await sign_in(browser_less, await site.organiser(), PASSWORD)
    form = await browser_less.get(f"/expos/{expo['id']}/import", params={"kind": "exhibitors"})
    assert form.status_code == 200 and "Impor peserta pameran" in form.text
    template = await browser_less.get(
        f"/expos/{expo['id']}/import/template.csv", params={"kind": "exhibitors"}
    )
    assert "Kabupaten atau kota" in template.text and "Ina Ndao" in template.text

    async def imported() -> httpx.Response:
        uploaded = await browser_less.post(
            f"/expos/{expo['id']}/import",
            data={"csrf": csrf_of(form), "kind": "exhibitors"},
            files={"file": ("umkm.csv", rows, "text/csv")},
        )
        assert uploaded.status_code == 303, uploaded.text
        return await browser_less.get(uploaded.headers["location"])

    preview = await imported()
    assert "2 siap, 1 perlu diperbaiki" in preview.text
    assert "Sektor ini tidak kami kenal" in preview.text
    listed = await events.get(f"/expos/{expo['id']}/exhibitors")
    assert listed.json()["items"] == []  # the preview registered nobody
    done = await browser_less.post(
        preview.url.path, data={"csrf": csrf_of(preview), "col_booth": "4"}
    )
    assert done.status_code == 200 and "2 ditambahkan" in done.text, done.text
    booths = {b["seller_name"]: b for b in (await events.get(
        f"/expos/{expo['id']}/exhibitors")).json()["items"]}  # fmt: skip
    assert booths[weavers]["booth"] == "A12" and booths[salt]["booth"] == "A13"

    again = await imported()
    assert "0 siap" in again.text and "2 sudah terdaftar" in again.text
    redone = await browser_less.post(again.url.path, data={"csrf": csrf_of(again)})
    assert "Sudah ikut pameran ini" not in redone.text  # recognised, not refused
    assert len((await events.get(f"/expos/{expo['id']}/exhibitors")).json()["items"]) == 2

    listing = await browser_less.get(f"/expos/{expo['id']}/exhibitors")
    assert "Undang 1 yang belum masuk" in listing.text
    sheet = await browser_less.post(
        f"/expos/{expo['id']}/exhibitors/invite-all", data={"csrf": csrf_of(listing)}
    )
    assert "1 tautan masuk baru" in sheet.text and weavers in sheet.text
    assert "1 peserta belum punya alamat e-mail" in sheet.text
