"""An organiser imports delegates over HTTP: columns suggested, every row's problems shown in
their language before anything is saved, only the ready rows added, and the same file a second
time adds nobody."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import Workbook

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
