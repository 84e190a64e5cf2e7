"""The organiser's pages at the size of a large regional expo: 400 delegates, 200 exhibitors
(two products each) and 10,000 meeting requests, served by the web app over the three APIs of
the local stack (real broker and Redis, each service its own process).

    python -m bench.web [--delegates 400] [--exhibitors 200] [--requests 10000] [--rounds 50]

For each page: the server time (request sent to the whole body read, over loopback) p50 and
p95, asked in turn so a noisy moment spreads over all of them; the bytes a browser transfers
for it (the HTML and every stylesheet and script it links, each gzip-compressed at level 6, as
a compressing proxy in front of the app sends them); and every reference to another host
(goal 0). Then a 500-row import of delegates, upload + preview and confirmation timed apart.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import io
import re
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.events_reads import ORGANISER, prepare
from bench.measure import machine, percentile
from deploy.local.demo import ORGANISER_EMAIL, ORGANISER_PASSWORD, create_organiser_account
from deploy.local.stack import LocalStack

GOAL_P95_MS = 150.0
GOAL_KB = 100.0
GOAL_IMPORT_S = 10.0
GOAL_PDF_S = 20.0  # the whole expo's agendas, 2,000 meetings or more
COUNTRIES = ["Jepang", "Australia", "Korea Selatan", "Timor Leste", "Singapura", "India",
             "Belanda", "Jerman", "Amerika Serikat", "Tiongkok", "Malaysia", "Filipina"]  # fmt: skip
ROLES = ["diplomat", "atase perdagangan", "importir", "pembeli"]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def signed_in(web: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=web, timeout=60)
    form = await client.get("/signin")
    answer = await client.post(
        "/signin",
        data={"csrf": csrf_of(form.text), "email": ORGANISER_EMAIL, "password": ORGANISER_PASSWORD},
    )
    assert answer.status_code == 303, answer.text
    return client


def compressed(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


async def weight(client: httpx.AsyncClient, html: str) -> tuple[int, int]:
    """Bytes transferred (compressed) for the page and what it links; references elsewhere."""
    total = compressed(html.encode())
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', html)
    for stylesheet, script in assets:
        total += compressed((await client.get(stylesheet or script)).content)
    references = re.findall(r'(?:href|src|action)="([^"]+)"', html)
    own = urlsplit(str(client.base_url)).netloc
    elsewhere = [
        r for r in references if urlsplit(r).netloc not in ("", own) and not r.startswith("data:")
    ]
    return total, len(elsewhere)


def pages(setup: dict[str, Any]) -> dict[str, str]:
    expo_id = setup["expo_id"]
    delegates = f"/expos/{expo_id}/delegates"
    exhibitors = f"/expos/{expo_id}/exhibitors"
    return {
        "expos": "/expos",
        "expo": f"/expos/{expo_id}",
        "expo form": f"/expos/{expo_id}/edit",
        "delegates, all": delegates,
        "delegates, filtered": f"{delegates}?q=delegate+1&state=none",
        "delegate": f"{delegates}/{setup['delegate']['id']}",
        "delegate form": f"{delegates}/{setup['delegate']['id']}/edit",
        "exhibitors, all": exhibitors,
        "exhibitors, filtered": f"{exhibitors}?readiness=ready&q=flores+1",
        "exhibitor": f"{exhibitors}/{setup['booth']['id']}",
        "import": f"/expos/{expo_id}/import",
        "password requests": "/accounts/resets",
        "scheduling": f"/expos/{expo_id}/schedule",
        "grid, one session": f"/expos/{expo_id}/sessions/d1-am",
        "grid, moving one": f"/expos/{expo_id}/sessions/d1-am?moving={setup['placed']}",
        "publish review": f"/expos/{expo_id}/publications",
        "statistics": f"/expos/{expo_id}/statistics",
    }


async def time_pages(client: httpx.AsyncClient, setup: dict[str, Any], rounds: int) -> None:
    shown = pages(setup)
    times: dict[str, list[float]] = {name: [] for name in shown}
    for _ in range(rounds):
        for name, path in shown.items():
            started = time.perf_counter()
            answer = await client.get(path)
            times[name].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, f"{path}: {answer.status_code}"
    print(f"\n{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'KB':>8}{'other hosts':>13}  goals")
    for name, path in shown.items():
        html = (await client.get(path)).text
        size, elsewhere = await weight(client, html)
        p50, p95 = percentile(times[name], 0.5), percentile(times[name], 0.95)
        met = p95 <= GOAL_P95_MS and size / 1000 <= GOAL_KB and elsewhere == 0
        print(
            f"{name:<24}{p50:>9.1f}{p95:>9.1f}{size / 1000:>8.1f}{elsewhere:>13}  "
            f"{'met' if met else 'NOT MET'}"
        )


def delegates_csv(rows: int) -> bytes:
    lines = ["Nama Lengkap;Surel;Instansi;Negara;Jabatan;Bahasa;Minat"]
    for number in range(rows):
        country = COUNTRIES[number % len(COUNTRIES)]
        lines.append(
            f"Peserta Impor {number:03d} Ñúñez;impor{number}@example.org;Kedutaan {country};"
            f"{country};{ROLES[number % len(ROLES)]};Inggris, Jepang;kopi arabika; garam"
        )
    return ("\n".join(lines) + "\n").encode()


async def time_import(client: httpx.AsyncClient, expo_id: str, rows: int) -> None:
    page = await client.get(f"/expos/{expo_id}/import")
    started = time.perf_counter()
    uploaded = await client.post(
        f"/expos/{expo_id}/import",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("delegasi.csv", delegates_csv(rows), "text/csv")},
    )
    assert uploaded.status_code == 303, uploaded.text
    preview = await client.get(uploaded.headers["location"])
    read = time.perf_counter() - started
    assert preview.status_code == 200 and f"{rows} siap" in preview.text, preview.text[-2000:]
    started = time.perf_counter()
    done = await client.post(uploaded.headers["location"], data={"csrf": csrf_of(preview.text)})
    confirmed = time.perf_counter() - started
    assert done.status_code == 200 and "Impor selesai" in done.text
    total = read + confirmed
    print(
        f"\nimport of {rows} delegates: upload + preview {read:.2f} s, confirmation "
        f"{confirmed:.2f} s, total {total:.2f} s "
        f"({'met' if total <= GOAL_IMPORT_S else 'NOT MET'}: goal {GOAL_IMPORT_S:.0f} s)"
    )


async def placed_meetings(stack: LocalStack, expo_id: str) -> tuple[int, str]:
    """How many meetings the schedule has, and one of the first session's (to move)."""
    from shared.auth import Role, bearer

    events = stack.service_urls["events"]
    headers = bearer(stack.settings(), Role.organiser, ORGANISER)
    async with httpx.AsyncClient(base_url=events, headers=headers, timeout=60) as api:
        stats = (await api.get(f"/expos/{expo_id}/stats")).json()
        board = (await api.get(f"/expos/{expo_id}/sessions/d1-am/board")).json()
    return int(stats["scheduled"]), str(board["meetings"][0]["pair"]["request_id"])


async def time_after_changes(
    stack: LocalStack, client: httpx.AsyncClient, setup: dict[str, Any], rounds: int
) -> None:
    """The pages that read the whole expo, each asked right after a change to it (a meeting
    locked or unlocked), so none reuses what it read before: an organiser at work."""
    from shared.auth import Role, bearer

    expo_id, request_id = setup["expo_id"], setup["placed"]
    shown = {
        "grid, after a change": f"/expos/{expo_id}/sessions/d1-am",
        "statistics, after a change": f"/expos/{expo_id}/statistics",
    }
    headers = bearer(stack.settings(), Role.organiser, ORGANISER)
    times: dict[str, list[float]] = {name: [] for name in shown}
    async with httpx.AsyncClient(
        base_url=stack.service_urls["events"], headers=headers, timeout=60
    ) as api:
        for number in range(rounds):
            for name, path in shown.items():
                verb = "lock" if number % 2 == 0 else "unlock"
                changed = await api.post(f"/expos/{expo_id}/requests/{request_id}/{verb}")
                assert changed.status_code == 200, changed.text
                started = time.perf_counter()
                answer = await client.get(path)
                times[name].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, f"{path}: {answer.status_code}"
    for name, measured in times.items():
        p50, p95 = percentile(measured, 0.5), percentile(measured, 0.95)
        met = "met" if p95 <= GOAL_P95_MS else "NOT MET"
        print(f"{name:<28}{p50:>9.1f}{p95:>9.1f}  {met}")


async def time_printing(client: httpx.AsyncClient, expo_id: str, rounds: int = 3) -> None:
    """The whole expo's PDF (a sheet per delegate, exhibitor and table, a QR code per meeting)
    and the print page of every delegate's sheet, each asked `rounds` times."""
    import pypdf

    for name, path in (
        ("whole-expo PDF", f"/expos/{expo_id}/agendas.pdf"),
        ("every delegate's sheet (page)", f"/expos/{expo_id}/agendas/delegates"),
    ):
        seconds = []
        for _ in range(rounds):
            started = time.perf_counter()
            answer = await client.get(path, timeout=120)
            seconds.append(time.perf_counter() - started)
            assert answer.status_code == 200, f"{path}: {answer.status_code}"
        detail = f"{len(answer.content) / 1e6:.1f} MB"
        if path.endswith(".pdf"):
            detail += f", {len(pypdf.PdfReader(io.BytesIO(answer.content)).pages):,} pages"
        best, worst = min(seconds), max(seconds)
        met = (
            ""
            if not path.endswith(".pdf")
            else (f"  {'met' if worst <= GOAL_PDF_S else 'NOT MET'}: goal {GOAL_PDF_S:.0f} s")
        )
        print(f"\n{name}: {best:.2f}–{worst:.2f} s over {rounds} ({detail}){met}")


async def measure(stack: LocalStack, arguments: argparse.Namespace) -> None:
    setup = await prepare(stack, arguments.delegates, arguments.exhibitors, arguments.requests)
    settings = stack.settings()
    catalog = stack.service_urls["catalog"]
    from shared.auth import Role, bearer

    async with httpx.AsyncClient(headers=bearer(settings, Role.organiser, ORGANISER)) as api:
        sellers = (await api.get(f"{catalog}/sellers", params={"limit": 200})).json()["items"]
        for seller in sellers:  # two products each: one ready for export, one not
            for name, branded in (("Kopi arabika Bajawa", False), ("Kopi bubuk Flores", True)):
                await api.post(f"{catalog}/sellers/{seller['id']}/products", json={
                    "name": {"id": name}, "hs_code": "090111", "sector": "coffee", "unit": "kg",
                    "monthly_capacity": 500, "branded": branded,
                })  # fmt: skip
    create_organiser_account(stack.environment())
    client = await signed_in(stack.service_urls["web"])
    try:
        placed, setup["placed"] = await placed_meetings(stack, setup["expo_id"])
        print(f"{placed:,} meetings placed")
        await time_pages(client, setup, arguments.rounds)
        print()
        await time_after_changes(stack, client, setup, arguments.rounds)
        await time_printing(client, setup["expo_id"])
        await time_import(client, setup["expo_id"], arguments.import_rows)
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delegates", type=int, default=400)
    parser.add_argument("--exhibitors", type=int, default=200)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--import-rows", type=int, default=500)
    arguments = parser.parse_args()
    print(f"machine: {machine()}")
    services = ["catalog", "events", "matching", "web"]
    with (
        tempfile.TemporaryDirectory() as scratch,
        LocalStack(
            Path(scratch),
            services=services,
            own_infrastructure=True,
            service_env={"SIGN_IN_LIMITS": "1000/minute"},
        ) as stack,
    ):
        asyncio.run(measure(stack, arguments))


if __name__ == "__main__":
    main()
