"""Reads of a busy expo: one page of meeting requests (organiser, delegate, seller) and one
delegate's iCalendar agenda, at 10,000 requests. Compares, in one run and against the same
Redis, the targeted reads the events service does now with reading the whole expo aggregate
(HGETALL and parse), which is what those endpoints did before; then times the endpoints over
HTTP. Starts its own broker, Redis, catalog and events service (the local stack).

    python -m bench.events_reads [--delegates 400] [--exhibitors 200] [--requests 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench.measure import machine, p50_p99
from deploy.local.stack import LocalStack
from services.events import queries
from services.events.agenda import agenda_items, to_icalendar
from services.events.queries import MeetingRequestOut
from services.events.store import EventsStore
from shared.auth import Principal, Role, bearer
from shared.contracts import topics
from shared.outbox import Outbox
from shared.paging import PageParams
from shared.redis_client import make_redis
from shared.settings import Settings

ORGANISER = "disperindag-ntt"
IN_FLIGHT = 16
ROUNDS = 50


async def _until_created(post: Callable[[], Awaitable[httpx.Response]]) -> dict[str, Any]:
    """Retries while the seller is still on its way to the events service."""
    deadline = time.monotonic() + 60
    while True:
        answer = await post()
        if answer.status_code == 201 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    answer.raise_for_status()
    return dict(answer.json())


async def prepare(
    stack: LocalStack, delegates: int, exhibitors: int, requests: int
) -> dict[str, Any]:
    settings = stack.settings()
    catalog, events = stack.service_urls["catalog"], stack.service_urls["events"]
    async with httpx.AsyncClient(
        headers=bearer(settings, Role.organiser, ORGANISER), timeout=60
    ) as client:
        expo = (await client.post(f"{events}/expos", json={
            "name": "Sunda Kecil Expo", "venue": "Aula El Tari, Kupang", "time_zone": "Asia/Makassar",
            "start_date": "2019-11-14", "end_date": "2019-11-17", "mode": "tables", "tables": 40,
            "sessions": [{"id": f"d{day}-{part}", "day": f"2019-11-{13 + day}", "start": start, "end": end}
                         for day in range(1, 5)
                         for part, start, end in (("am", "09:00", "12:00"), ("pm", "13:30", "16:30"))],
        })).json()  # fmt: skip
        expo_id = expo["id"]
        await client.post(f"{events}/expos/{expo_id}/status", json={"status": "open"})
        booths = []
        for number in range(exhibitors):
            seller = (await client.post(f"{catalog}/sellers", json={
                "name": f"UMKM Kopi Flores {number}", "province": "ID-NT", "regency": "Ngada",
                "sectors": ["coffee"], "languages": ["id"], "sales_terms": ["outright_purchase"],
                "owner": f"umkm-{number}",
            })).json()  # fmt: skip

            def register(seller_id: str = seller["id"]) -> Awaitable[httpx.Response]:
                return client.post(
                    f"{events}/expos/{expo_id}/exhibitors", json={"seller_id": seller_id}
                )

            booths.append({**await _until_created(register), "owner": f"umkm-{number}"})
        guests = []
        for number in range(delegates):
            answer = await client.post(f"{events}/expos/{expo_id}/delegates", json={
                "name": f"Delegate {number}", "country": "AU", "organisation": "Trade office",
                "role": "importer", "languages": ["en"], "subject": f"buyer-{number}",
            })  # fmt: skip
            guests.append(answer.json())
        # A schedule exists, so each request is placed at once where a slot is free.
        await client.post(f"{events}/expos/{expo_id}/schedule", json={"time_limit_seconds": 1})
        pairs = random.Random(1).sample(
            list(itertools.product(range(delegates), range(exhibitors))), requests
        )
        work = iter(pairs)

        async def worker() -> None:
            for guest, booth in work:
                answer = await client.post(f"{events}/expos/{expo_id}/requests", json={
                    "delegate_id": guests[guest]["id"], "exhibitor_id": booths[booth]["id"],
                })  # fmt: skip
                answer.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
        print(f"loaded {requests:,} requests over HTTP in {time.perf_counter() - started:.1f} s")
        return {"expo_id": expo_id, "delegate": guests[0], "booth": booths[0]}


# -- the whole-aggregate reads the endpoints did before --------------------------------------
async def whole_page(store: EventsStore, expo_id: str, principal: Principal) -> int:
    state = await store.load(expo_id)
    requests = list(state.requests.values())
    if principal.role is Role.delegate:
        mine = {d.id for d in state.delegates.values() if d.subject == principal.subject}
        requests = [r for r in requests if r.delegate_id in mine]
    elif principal.role is Role.seller:
        sellers = await store.sellers(x.seller_id for x in state.exhibitors.values())
        owned = {s.id for s in sellers.values() if s.owner == principal.subject}
        requests = [r for r in requests if r.seller_id in owned]
    shown = [
        MeetingRequestOut(request=r, meeting=state.meetings.get(r.id))
        for r in sorted(requests, key=lambda r: r.id)
    ]
    return len(PageParams(limit=50).page(shown).items)


async def whole_agenda(store: EventsStore, expo_id: str, delegate_id: str) -> int:
    state = await store.load(expo_id)
    selected = [m for m in state.meetings.values() if m.delegate_id == delegate_id]
    items = agenda_items(
        selected,
        dict(state.delegates),
        {x.id: x.seller_name for x in state.exhibitors.values()},
    )
    person = state.delegates[delegate_id]
    title = f"Agenda of {person.name} ({person.organisation})"
    return len(to_icalendar(state.expo, title, items))


# -- the targeted reads the endpoints do now -------------------------------------------------
async def targeted_page(store: EventsStore, expo_id: str, principal: Principal) -> int:
    items, _ = await queries.requests(store, principal, expo_id, None, PageParams(limit=50))
    return len(items)


async def targeted_agenda(
    store: EventsStore, expo_id: str, principal: Principal, delegate_id: str
) -> int:
    found = await queries.agenda(store, principal, expo_id, delegate_id=delegate_id)
    return len(to_icalendar(found.expo, found.title, found.items))


def _ms(samples: list[float]) -> str:
    p50, p99 = p50_p99(samples)
    return f"p50 {1000 * p50:6.1f} ms  p99 {1000 * p99:6.1f} ms"


async def timed(call: Callable[[], Awaitable[int]], rounds: int) -> tuple[list[float], int]:
    samples, size = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        size = await call()
        samples.append(time.perf_counter() - started)
    return samples, size


async def compare(settings: Settings, setup: dict[str, Any], rounds: int) -> None:
    redis = make_redis(settings)
    store = EventsStore(
        redis, Outbox("events", settings.outbox_shards, source=topics.source_of("events"))
    )
    expo_id, guest, booth = setup["expo_id"], setup["delegate"], setup["booth"]
    readers = {
        "organiser page": Principal(Role.organiser, ORGANISER),
        "delegate page": Principal(Role.delegate, guest["subject"]),
        "seller page": Principal(Role.seller, booth["owner"]),
    }
    print(f"in process, the same Redis, {rounds} rounds each (whole aggregate vs targeted):")
    for name, principal in readers.items():
        whole, shown = await timed(partial(whole_page, store, expo_id, principal), rounds)
        targeted, same = await timed(partial(targeted_page, store, expo_id, principal), rounds)
        assert shown == same, (name, shown, same)
        ratio = statistics.median(whole) / statistics.median(targeted)
        print(
            f"  {name:<15} whole {_ms(whole)} | targeted {_ms(targeted)} | {ratio:5.1f}x ({shown} shown)"
        )
    me = readers["delegate page"]
    whole, size = await timed(lambda: whole_agenda(store, expo_id, guest["id"]), rounds)
    targeted, same = await timed(lambda: targeted_agenda(store, expo_id, me, guest["id"]), rounds)
    assert size == same, (size, same)
    ratio = statistics.median(whole) / statistics.median(targeted)
    print(f"  {'delegate ics':<15} whole {_ms(whole)} | targeted {_ms(targeted)} | {ratio:5.1f}x")
    await redis.aclose()


async def over_http(stack: LocalStack, setup: dict[str, Any], rounds: int) -> None:
    settings, events = stack.settings(), stack.service_urls["events"]
    expo_id, guest = setup["expo_id"], setup["delegate"]
    print(f"over HTTP, {rounds} sequential calls each:")
    calls = {
        "organiser page": ("/requests", {}, bearer(settings, Role.organiser, ORGANISER)),
        "delegate page": ("/requests", {}, bearer(settings, Role.delegate, guest["subject"])),
        "delegate ics": (
            "/agenda",
            {"delegate": guest["id"], "format": "ics"},
            bearer(settings, Role.delegate, guest["subject"]),
        ),
    }
    async with httpx.AsyncClient(base_url=f"{events}/expos/{expo_id}", timeout=30) as client:
        for name, (path, params, headers) in calls.items():

            async def call(
                path: str = path, params: dict[str, str] = params, headers: dict[str, str] = headers
            ) -> int:
                answer = await client.get(path, params=params, headers=headers)
                answer.raise_for_status()
                return len(answer.content)

            samples, _ = await timed(call, rounds)
            print(f"  {name:<15} {_ms(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--delegates", type=int, default=400)
    parser.add_argument("--exhibitors", type=int, default=200)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    arguments = parser.parse_args()
    print(f"machine: {machine()}")
    with (
        tempfile.TemporaryDirectory() as scratch,
        LocalStack(Path(scratch), services=["catalog", "events"], own_infrastructure=True) as stack,
    ):
        setup = asyncio.run(
            prepare(stack, arguments.delegates, arguments.exhibitors, arguments.requests)
        )
        asyncio.run(compare(stack.settings(), setup, arguments.rounds))
        asyncio.run(over_http(stack, setup, arguments.rounds))


if __name__ == "__main__":
    main()
