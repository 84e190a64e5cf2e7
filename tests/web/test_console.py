"""The organiser's scheduling console in a real Chromium over the real stack: a run watched to
its result, the grid (move, lock, a refusal said in place), a run of only what is not placed
keeping the locked meeting, and publishing what changed, in both languages."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Page, expect

from tests.helpers import unique
from tests.integration.expo import delegate, exhibitor, open_expo
from tests.web.conftest import PASSWORD, SCREENSHOTS, Person, Site


async def _meetings(events: httpx.AsyncClient, expo_id: str) -> dict[str, dict[str, Any]]:
    listed = await events.get(f"/expos/{expo_id}/requests", params={"limit": 200})
    return {i["request"]["id"]: i["meeting"] for i in listed.json()["items"] if i["meeting"]}


async def _waiting(events: httpx.AsyncClient, expo_id: str) -> dict[str, Any]:
    listed = await events.get(f"/expos/{expo_id}/requests", params={"status": "requested"})
    (waiting,) = listed.json()["items"]
    return dict(waiting["request"])


async def _expo_with_requests(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient
) -> dict[str, Any]:
    """Two exhibitors and three delegates who all want to meet each of them, and one pair who
    are never at the expo at the same time."""
    expo = await open_expo(events, tables=2)
    base = f"/expos/{expo['id']}"
    booths = [await exhibitor(catalog, events, expo["id"], booth=f"K0{n}") for n in (1, 2)]
    guests = [
        await delegate(events, expo["id"], name=unique(name), country=country, languages=spoken)
        for name, country, spoken in (
            ("Kenji Watanabe", "JP", ["ja"]),
            ("Sarah Mitchell", "AU", ["en"]),
            ("Nguyen Van An", "VN", ["vi", "en"]),
        )
    ]
    for guest in guests:
        for booth in booths:
            made = await events.post(f"{base}/requests", json={
                "delegate_id": guest["id"], "exhibitor_id": booth["id"]})  # fmt: skip
            assert made.status_code == 201, made.text
    late = await delegate(events, expo["id"], name=unique("Li Wei"), country="CN",
                          availability={"sessions": ["d2-am"]})  # fmt: skip
    early = await exhibitor(catalog, events, expo["id"], booth="K03",
                            availability={"sessions": ["d1-am"]})  # fmt: skip
    await events.post(f"{base}/requests", json={
        "delegate_id": late["id"], "exhibitor_id": early["id"]})  # fmt: skip
    return expo


async def _read_the_pdf(
    path: Any, events: httpx.AsyncClient, expo: dict[str, Any], meetings: dict[str, Any]
) -> None:
    """The PDF as a reader gets it: a page (or more) per delegate, exhibitor and table, each
    in its reader's language, every meeting at its time in the expo's zone with a QR code
    that decodes to its check-in link and the short code printed under it."""
    import pypdf
    import zxingcpp

    from shared.checkin import check_in_code

    reader = pypdf.PdfReader(path)
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 3 + 2 + 2, len(pages)  # 3 delegates, 2 exhibitors, 2 tables
    zone = ZoneInfo(expo["time_zone"])
    decoded: set[str] = set()
    for page in reader.pages:
        for image in page.images:
            decoded.update(found.text for found in zxingcpp.read_barcodes(image.image))
    for request_id, meeting in meetings.items():
        code = check_in_code(expo["id"], request_id)
        assert any(link.endswith(f"/checkin/{code}") for link in decoded), (code, decoded)
        start = dt.datetime.fromisoformat(meeting["start"]).astimezone(zone)
        on_its_pages = [text for text in pages if code in text]
        assert len(on_its_pages) == 3, code  # its delegate's, its exhibitor's, its table's
        for text in on_its_pages:  # 9:25 AM in English, 09.25 in Indonesian: Kupang's time
            assert start.strftime("%H.%M") in text or start.strftime("%-I:%M") in text, text
    guests = (await events.get(f"/expos/{expo['id']}/delegates")).json()["items"]
    kenji = next(g for g in guests if g["name"].startswith("Kenji"))
    (his_page,) = [text for text in pages if text.splitlines()[1] == kenji["name"]]
    assert "Table" in his_page and "Meja" not in his_page  # he reads English, not Japanese here
    booths = (await events.get(f"/expos/{expo['id']}/exhibitors")).json()["items"]
    names = {booth["seller_name"] for booth in booths}
    theirs = [text for text in pages if text.splitlines()[1] in names]
    assert len(theirs) == 2 and all("Meja" in text and "Kamis" in text for text in theirs)


async def _run(page: Page, scope: str, seconds: str, finished: str) -> None:
    await page.get_by_label(scope).check()
    await page.get_by_label(re.compile("Berapa lama|How long")).select_option(label=seconds)
    await page.get_by_role("button", name=re.compile("Mulai penjadwalan|Start scheduling")).click()
    # The page follows the run by itself (htmx asks every second) until its result is there.
    await expect(page.get_by_text(finished)).to_be_visible(timeout=30_000)


async def test_an_organiser_schedules_moves_and_locks_a_meeting_and_publishes_in_both_languages(
    person: Person, site: Site, catalog: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    expo = await _expo_with_requests(catalog, events)
    expo_id = expo["id"]
    page = await person.sign_in(await site.organiser())
    await person.open(f"/expos/{expo_id}")
    await page.get_by_role("link", name="Penjadwalan: jalankan, pantau, baca hasilnya").click()
    await expect(page.get_by_text("Belum ada penjadwalan.")).to_be_visible()
    await person.look("schedule")

    await _run(page, "Semuanya", "10 detik", "Selesai pukul")
    await expect(page.get_by_text("6 dari 7 permintaan yang diproses")).to_be_visible()
    await expect(page.get_by_text("Jadwal terbaik yang mungkin")).to_be_visible()
    await expect(
        page.get_by_text(re.compile(r"\d+ jeda kosong di antara pertemuan"))
    ).to_be_visible()
    await expect(page.get_by_text("Terbukti: tidak ada penempatan")).to_be_visible()
    await expect(
        page.get_by_text("Keduanya tidak pernah luang pada waktu yang sama.")
    ).to_have_count(2)
    await person.look("schedule-done")

    # The grid of the session holding a meeting: pick it, move it to a free cell, lock it.
    placed = await _meetings(events, expo_id)
    request_id, meeting = sorted(placed.items(), key=lambda item: item[1]["slot_id"])[0]
    session_id = next(s["session_id"] for s in expo["slots"] if s["id"] == meeting["slot_id"])
    await person.open(f"/expos/{expo_id}/sessions/{session_id}")
    cell = page.locator(f"#cell-{request_id}")
    guest = await events.get(f"/expos/{expo_id}/delegates/{meeting['delegate_id']}")
    meeting_delegate = guest.json()["name"]
    await expect(cell).to_contain_text(meeting_delegate)
    await person.look("grid")
    await cell.get_by_role("link").click()
    await expect(page.locator("#detail")).to_contain_text("Sementara")
    await page.get_by_role("link", name="Pindahkan", exact=True).click()
    await expect(page.get_by_text("Pilih salah satu sel bertanda “di sini”.")).to_be_visible()
    targets = page.get_by_role("button", name=re.compile(r"^Pindahkan ke sini: "))
    await person.look("grid-choosing")
    target = targets.last
    label = str(await target.get_attribute("aria-label"))
    await target.click()
    await expect(page.locator(f"#cell-{request_id}")).to_have_class(re.compile("picked"))
    moved = (await _meetings(events, expo_id))[request_id]
    assert moved["slot_id"] != meeting["slot_id"] or moved["table"] != meeting["table"]
    assert f"Meja {moved['table']}" in label, label
    await page.get_by_role("button", name="Kunci di tempat").click()
    await expect(page.locator(f"#cell-{request_id}")).to_contain_text("Dikunci")
    await person.look("grid-locked")

    # Two organisers at once: the cell chosen here is taken meanwhile, and the grid says so.
    other_id = next(r for r in placed if r != request_id)
    await person.open(f"/expos/{expo_id}/sessions/{session_id}?moving={other_id}")
    free = page.get_by_role("button", name=re.compile(r"^Pindahkan ke sini: ")).first
    slot_id = await free.locator("xpath=..").locator("input[name=slot_id]").input_value()
    table = await free.locator("xpath=..").locator("input[name=table]").input_value()
    third = next(r for r in placed if r not in (request_id, other_id))
    taken = await events.post(f"/expos/{expo_id}/requests/{third}/reschedule",
                              json={"slot_id": slot_id, "table": int(table)})  # fmt: skip
    if taken.json()["meeting"]["slot_id"] == slot_id:  # it fitted there: the cell is taken now
        await free.click()
        await expect(page.get_by_role("alert")).to_contain_text(
            re.compile("Meja itu sudah terisi|Salah satu dari keduanya sibuk")
        )
        await person.look("grid-refused")

    # Only what is not placed: every meeting stays, the locked one too.
    before = await _meetings(events, expo_id)
    await person.open(f"/expos/{expo_id}/schedule")
    await _run(page, "Hanya yang belum terjadwal", "10 detik", "Selesai pukul")
    await expect(page.get_by_text("Hanya yang belum terjadwal (semua").last).to_be_visible()
    after = await _meetings(events, expo_id)
    assert {r: (m["slot_id"], m["table"]) for r, m in after.items()} == {
        r: (m["slot_id"], m["table"]) for r, m in before.items()
    }
    assert after[request_id]["locked"] is True

    await page.get_by_role("link", name="Periksa dan umumkan jadwal").click()
    await expect(page.get_by_text("Versi 1: 6 ditambah, 0 dipindah, 0 dihapus.")).to_be_visible()
    await expect(page.get_by_role("row", name=re.compile(meeting_delegate))).to_have_count(2)
    await person.look("publish")
    await page.get_by_role("button", name="Umumkan versi 1").click()
    await expect(page.get_by_role("status")).to_contain_text("Versi 1 sudah diumumkan")
    await expect(page.get_by_text("Tidak ada yang berubah sejak versi terakhir")).to_be_visible()

    # Printing: a sheet per delegate on the page, and every sheet in one PDF.
    await person.open(f"/expos/{expo_id}/schedule")
    await page.get_by_role("link", name="Cetak jadwal pertemuan").click()
    await person.look("agendas")
    await page.get_by_role("link", name="Satu lembar untuk setiap peserta pameran").click()
    await expect(page.locator("section.sheet")).to_have_count(2)  # two exhibitors meet people
    await expect(page.locator("section.sheet").first).to_contain_text("Meja")
    await person.look("agendas-exhibitors")
    await person.printed("agendas-exhibitors")
    await person.open(f"/expos/{expo_id}/agendas")
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Unduh semua lembar sebagai satu PDF").click()
    printed = await (await download.value).path()
    shutil.copy(printed, SCREENSHOTS / f"{person.name}-agendas.pdf")  # to be looked at
    await _read_the_pdf(printed, events, expo, await _meetings(events, expo_id))

    # In English: unlock, move it again, and the next version lists exactly that move.
    await page.get_by_role("button", name="English").click()
    person.language = "en"
    await person.open(f"/expos/{expo_id}/schedule")  # the last run's result, in English
    await expect(
        page.get_by_text(re.compile(r"\d+ breaks? between meetings in all"))
    ).to_be_visible()
    await expect(page.get_by_text(re.compile("^Proven: "))).to_be_visible()
    await person.look("schedule-done")
    await person.open(f"/expos/{expo_id}/sessions/{session_id}?selected={request_id}")
    await expect(page.locator("#detail")).to_contain_text("Locked")
    await page.get_by_role("button", name="Unlock").click()
    await page.get_by_role("link", name="Move", exact=True).click()
    await person.look("grid-choosing")
    await page.get_by_role("button", name=re.compile(r"^Move here: ")).first.click()
    await expect(page.locator(f"#cell-{request_id}")).to_have_class(re.compile("picked"))
    # Li Wei can come on the first morning after all: the grid offers a cell, one click places.
    waiting = await _waiting(events, expo_id)
    widened = await events.patch(f"/expos/{expo_id}/delegates/{waiting['delegate_id']}",
                                 json={"availability": {}})  # fmt: skip
    assert widened.status_code == 200, widened.text
    await person.open(f"/expos/{expo_id}/sessions/d1-am")
    await expect(
        page.get_by_text("1 request has no meeting; 1 of them fit in this session.")
    ).to_be_visible()
    await person.look("grid-waiting")
    await page.get_by_role("button", name=re.compile(r"^Place here: ")).click()
    await expect(page.locator(f"#cell-{waiting['id']}")).to_have_class(re.compile("picked"))
    await person.open(f"/expos/{expo_id}/publications")
    await expect(page.get_by_text("Version 2: 1 added, 1 moved, 0 removed.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Moved")).to_be_visible()
    await person.look("publish")
    await page.get_by_role("button", name="Publish version 2").click()
    await expect(page.get_by_role("status")).to_contain_text("Version 2 is published")
    await person.open(f"/expos/{expo_id}/agendas/tables")
    await expect(page.locator("section.sheet")).to_have_count(2)
    await expect(page.locator("section.sheet").first).to_contain_text("Table 1")
    await person.look("agendas-tables")
    await person.printed("agendas-tables")
    await person.open(f"/expos/{expo_id}/statistics")
    labels = await page.evaluate("() => Chart.getChart('chart-status').data.labels")
    assert labels == ["Scheduled"], labels  # every request has its meeting now
    await person.look("statistics")
    await page.get_by_role("button", name="Bahasa Indonesia").click()  # as it was


async def test_the_scheduling_page_follows_a_long_run_without_being_reloaded(
    person: Person, site: Site, catalog: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    """A run of a large expo takes a minute; this one is played by the test through the events
    service's own run store (the lease held, each state saved as its run loop saves them),
    so each stage is seen for certain: the page asks again by itself and shows each."""
    from services.events.app import app as events_app
    from services.events.planner import ScheduleScope
    from services.events.runs import RunStatus, ScheduleRun

    expo = await _expo_with_requests(catalog, events)
    store = events_app.state.runs.runs
    lease = store.lease(expo["id"])
    run = ScheduleRun(
        id=unique("run"), expo_id=expo["id"], scope=ScheduleScope.everything,
        time_limit_seconds=60, status=RunStatus.running, phase="reading",
        started_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    assert await lease.acquire(token=run.id)
    try:
        await store.save(run)
        page = await person.sign_in(await site.organiser())
        await person.open(f"/expos/{expo['id']}/schedule")
        await expect(page.get_by_role("status")).to_contain_text("Membaca permintaan")
        loads = 0

        def count_load(_page: Page) -> None:
            nonlocal loads
            loads += 1

        page.on("load", count_load)
        run = run.model_copy(update={"phase": "selecting", "best_weight": 24, "upper_bound": 30})
        await store.save(run)
        await expect(page.get_by_role("status")).to_contain_text("Memilih pertemuan yang diadakan")
        await expect(page.get_by_text("Terbaik sejauh ini: 80,0% dari batas atas")).to_be_visible()
        await expect(page.locator("progress")).to_have_attribute("value", "24")
        await person.look("schedule-running")
        # Meanwhile a second run is refused, in words.
        await page.get_by_role("button", name="Mulai penjadwalan").click()
        await expect(page.get_by_text("Penjadwalan pameran ini sedang berjalan.")).to_be_visible()
        loads = 0
        await lease.release()  # the service running it stopped: the page says so by itself
        await expect(page.get_by_role("status")).to_contain_text(
            "Penjadwalan berhenti karena layanan yang menjalankannya berhenti."
        )
        assert loads == 0  # every stage came in without reloading the page
    finally:
        if await lease.owned():
            await lease.release()


async def test_the_statistics_chart_what_the_api_counts_and_export_every_request(
    person: Person, site: Site, catalog: httpx.AsyncClient, events: httpx.AsyncClient
) -> None:
    """Charts drawn by Chart.js from the events service's figures (read back from the charts
    themselves), under the pages' own CSP, with the same numbers in tables; CSV and XLSX."""
    import csv
    import io

    from openpyxl import load_workbook

    expo = await _expo_with_requests(catalog, events)
    base = f"/expos/{expo['id']}"
    assert (await events.post(f"{base}/schedule", json={"time_limit_seconds": 2})).is_success
    held = next(iter(await _meetings(events, expo["id"])))
    recorded = await events.post(f"{base}/requests/{held}/outcome", json={
        "held": True, "follow_up": "sample_order", "deal_value": 12_500_000, "currency": "IDR"})  # fmt: skip
    assert recorded.status_code == 200, recorded.text
    stats = (await events.get(f"{base}/stats")).json()

    # The page's own policy, not the one the other tests bypass to inject axe.
    strict = await person.browser.new_context(base_url=site.url, locale="id-ID")
    try:
        page = await strict.new_page()
        refused: list[str] = []  # a script or style the policy blocked, or one missing
        page.on("console", lambda message: refused.append(message.text)
                if message.type == "error" and "favicon" not in message.location["url"]
                else None)  # fmt: skip
        await page.goto("/signin")
        await page.get_by_label("Alamat e-mail").fill(await site.organiser())
        await page.get_by_label("Kata sandi").fill(PASSWORD)
        await page.get_by_role("button", name="Masuk").click()
        await page.goto(f"{base}/statistics")
        drawn = await page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll("canvas[data-chart]")]
                 .map(c => [c.id, Chart.getChart(c).data.datasets.map(d => d.data)]))"""
        )
        assert refused == [], refused
    finally:
        await strict.close()
    in_order = [stats["by_status"][s] for s in ("requested", "scheduled", "held")]
    assert drawn["chart-status"] == [in_order], (drawn, stats)
    countries = drawn["chart-country"]
    assert sum(countries[0]) == stats["requests"] and sum(countries[2]) == 1  # requests, held
    assert drawn["chart-follow-ups"] == [[1]]

    page = await person.sign_in(await site.organiser())
    await person.open(f"{base}/statistics")
    await expect(page.get_by_role("heading", name="Permintaan menurut status")).to_be_visible()
    await expect(page.get_by_text("Rp12.500.000")).to_be_visible()
    labels = await page.evaluate("() => Chart.getChart('chart-status').data.labels")
    assert "Terlaksana" in labels and "Menunggu" in labels, labels
    await person.look("statistics")
    await person.printed("statistics")

    async with page.expect_download() as download:
        await page.get_by_role("link", name="Semua permintaan sebagai CSV").click()
    csv_path = Path(await (await download.value).path())
    text = (await asyncio.to_thread(csv_path.read_bytes)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Permintaan", "Kode kehadiran", "Delegasi"]
    assert len(rows) == 1 + stats["requests"]
    assert sum(1 for row in rows if row[7] == "Terlaksana") == 1
    async with page.expect_download() as download:
        await page.get_by_role("link", name=re.compile("buku kerja")).click()
    saved = await download.value
    assert saved.suggested_filename == f"{expo['id']}.xlsx"
    book = load_workbook(io.BytesIO(await asyncio.to_thread(Path(await saved.path()).read_bytes)))
    assert book.sheetnames == ["Ringkasan", "Pertemuan"]
    assert book["Pertemuan"].max_row == 1 + stats["requests"]
