"""An organiser makes an expo over HTTP, as a browser without JavaScript would: the API decides
what is wrong, and the page says it next to each field, in the organiser's language."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import PASSWORD, Site
from tests.web.forms import csrf_of, sign_in

CALENDAR = {
    "name": "Pameran Kopi Flores 2026", "venue": "Gedung Serbaguna, Bajawa",
    "time_zone": "Asia/Makasar", "start_date": "2026-06-10", "end_date": "2026-06-09",
    "slot_minutes": "dua puluh", "break_minutes": "5", "mode": "tables", "tables": "",
    "sessions[0].day": "2026-06-10", "sessions[0].start": "09:00", "sessions[0].end": "08:00",
}  # fmt: skip


VALID = {**CALENDAR, "time_zone": "Asia/Makassar", "end_date": "2026-06-11",
         "slot_minutes": "20", "tables": "4", "sessions[0].end": "12:00"}  # fmt: skip


async def _new_expo(site: Site, client: httpx.AsyncClient) -> str:
    """A new organiser signed in, and the address of the draft expo they made."""
    _, email = await site.account()
    await sign_in(client, email, PASSWORD)
    form = await client.get("/expos/new")
    created = await client.post("/expos/new", data={"csrf": csrf_of(form), **VALID})
    assert created.status_code == 303, created.text
    return str(created.headers["location"])


def _errors(page: httpx.Response) -> dict[str, str]:
    """Each input's error as the page shows it beside the input."""
    return dict(re.findall(r'<p class="error" id="f-([^"]+)-error"[^>]*>([^<]+)</p>', page.text))


async def test_an_expo_with_mistakes_is_shown_again_with_each_one_beside_its_field(
    site: Site, browser_less: httpx.AsyncClient
) -> None:
    _, email = await site.account()
    await sign_in(browser_less, email, PASSWORD)
    form = await browser_less.get("/expos/new")
    refused = await browser_less.post("/expos/new", data={"csrf": csrf_of(form), **CALENDAR})
    assert refused.status_code == 422
    assert _errors(refused) == {"slot_minutes": "Isi bilangan bulat."}  # the body's own check
    fixed = {**CALENDAR, "slot_minutes": "20"}
    refused = await browser_less.post("/expos/new", data={"csrf": csrf_of(form), **fixed})
    errors = _errors(refused)
    assert errors["time_zone"] == "Ini bukan zona waktu; gunakan nama seperti Asia/Makassar."
    assert errors["end_date"] == "Hari terakhir tidak boleh sebelum hari pertama."
    assert 'value="Gedung Serbaguna, Bajawa"' in refused.text  # what was typed stays
    fixed |= {"time_zone": "Asia/Makassar", "end_date": "2026-06-11"}
    refused = await browser_less.post("/expos/new", data={"csrf": csrf_of(form), **fixed})
    assert _errors(refused) == {
        "tables": "Isi jumlah meja.",
        "sessions[0].end": "Sesi harus berakhir setelah dimulai.",
    }
    fixed |= {"tables": "6", "sessions[0].end": "12:00"}
    created = await browser_less.post("/expos/new", data={"csrf": csrf_of(form), **fixed})
    assert created.status_code == 303, created.text
    shown = await browser_less.get(created.headers["location"])
    assert "Pameran Kopi Flores 2026" in shown.text and "6 meja" in shown.text


async def test_the_organiser_is_offered_only_the_steps_they_can_take(
    site: Site, browser_less: httpx.AsyncClient
) -> None:
    url = await _new_expo(site, browser_less)
    draft = await browser_less.get(url)
    assert re.findall(r'name="status" value="(\w+)"', draft.text) == ["open"]
    opened = await browser_less.post(
        f"{url}/status", data={"csrf": csrf_of(draft), "status": "open"}
    )
    assert opened.status_code == 303
    page = await browser_less.get(url)
    assert re.findall(r'name="status" value="(\w+)"', page.text) == ["draft"]
    assert "Pendaftaran dibuka" in page.text
    skipped = await browser_less.post(
        f"{url}/status", data={"csrf": csrf_of(page), "status": "closed"}
    )
    assert skipped.status_code == 409
    assert '<p class="error" id="status-error" lang="en">' in skipped.text  # no words yet: English


async def test_an_expo_is_changed_with_its_sessions_kept(
    site: Site, browser_less: httpx.AsyncClient
) -> None:
    url = await _new_expo(site, browser_less)
    edit = await browser_less.get(f"{url}/edit")
    assert 'value="2026-06-10-0900"' in edit.text  # the session's id travels with the form
    changed = {**VALID, "venue": "Aula Kantor Bupati, Bajawa", "sessions[0].id": "2026-06-10-0900",
               "sessions[1].day": "2026-06-11", "sessions[1].start": "13:00",
               "sessions[1].end": "15:00"}  # fmt: skip
    saved = await browser_less.post(f"{url}/edit", data={"csrf": csrf_of(edit), **changed})
    assert saved.status_code == 303
    shown = await browser_less.get(url)
    assert "Aula Kantor Bupati, Bajawa" in shown.text
    assert shown.text.count('<th scope="row">') == 2  # two sessions now
