"""10,000 concurrent meeting requests, with reschedules and cancellations racing them, from two
processes against the events service's store in Redis: not one double booking (participant or
table). The requests go straight to the booking code, not through HTTP, so the suite can
afford ten thousand of them; the API path is covered by the 200-request integration test."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.local.stack import LocalStack
from shared.auth import Role, issue_token

pytestmark = pytest.mark.reliability
DELEGATES, EXHIBITORS, CONCURRENCY = 100, 100, 100


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with LocalStack(tmp_path, services=["catalog", "events"], own_infrastructure=True) as running:
        yield running


async def _prepare(
    stack: LocalStack, client: httpx.AsyncClient
) -> tuple[str, list[str], list[str]]:
    catalog, events = stack.service_urls["catalog"], stack.service_urls["events"]
    sellers = []
    for number in range(EXHIBITORS):
        seller = await client.post(f"{catalog}/sellers", json={
            "name": f"UMKM {number}", "province": "ID-NB", "regency": "Lombok Timur", "sectors": ["seaweed"],
            "languages": ["id"], "sales_terms": ["outright_purchase"],
        })  # fmt: skip
        sellers.append(seller.json()["id"])
    expo = (await client.post(f"{events}/expos", json={
        "name": "Sunda Kecil Expo", "venue": "Kupang", "time_zone": "Asia/Makassar",
        "start_date": "2019-11-14", "end_date": "2019-11-15", "mode": "tables", "tables": 5,
        "sessions": [{"id": "d1", "day": "2019-11-14", "start": "09:00", "end": "12:00"},
                     {"id": "d2", "day": "2019-11-15", "start": "09:00", "end": "12:00"}],
    })).json()  # fmt: skip
    expo_id = expo["id"]
    await client.post(f"{events}/expos/{expo_id}/status", json={"status": "open"})
    exhibitors = []
    for seller_id in sellers:
        deadline = time.monotonic() + 60
        while True:
            answer = await client.post(
                f"{events}/expos/{expo_id}/exhibitors", json={"seller_id": seller_id}
            )
            if answer.status_code == 201 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        exhibitors.append(answer.json()["id"])
    delegates = []
    for number in range(DELEGATES):
        answer = await client.post(f"{events}/expos/{expo_id}/delegates", json={
            "name": f"Delegate {number}", "country": "AU", "organisation": "Trade office",
            "role": "importer", "languages": ["en"], "subject": f"buyer-{number}", "max_meetings": 6,
        })  # fmt: skip
        delegates.append(answer.json()["id"])
    scheduled = await client.post(
        f"{events}/expos/{expo_id}/schedule", json={"time_limit_seconds": 1}
    )
    assert scheduled.status_code == 200  # a schedule exists: every request is placed at once
    return expo_id, delegates, exhibitors


def _worker(
    redis_url: str, expo_id: str, pairs: list[tuple[str, str]], seed: int
) -> dict[str, int]:
    """One process's share of the storm: its requests and changes all in flight together."""
    return asyncio.run(_worker_storm(redis_url, expo_id, pairs, seed))


async def _worker_storm(
    redis_url: str, expo_id: str, pairs: list[tuple[str, str]], seed: int
) -> dict[str, int]:
    from services.events import meetings
    from services.events.store import EventsStore
    from shared.contracts.expo import RequestOrigin
    from shared.errors import Problem
    from shared.outbox import Outbox
    from shared.redis_client import make_redis
    from shared.settings import Settings

    redis = make_redis(Settings(redis_url=redis_url, redis_max_connections=CONCURRENCY))
    store = EventsStore(redis, Outbox("events", 8, source="/temu-dagang/events"))
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    placed: list[str] = []
    gate = asyncio.Semaphore(CONCURRENCY)

    async def request(number: int, delegate: str, exhibitor: str) -> None:
        async with gate:
            result = await meetings.create_request(
                store,
                expo_id,
                f"req-{seed}-{number}",
                delegate,
                exhibitor,
                5,
                RequestOrigin.organiser,
            )
        outcomes[
            "placed"
            if result.meeting
            else f"not placed: {result.unplaced.reason if result.unplaced else '?'}"
        ] += 1
        if result.meeting:
            placed.append(result.request.id)

    async def change() -> None:
        await asyncio.sleep(rng.random() * 2)
        if not placed:
            return
        request_id = rng.choice(placed)
        async with gate:
            try:
                if rng.random() < 0.5:
                    await meetings.cancel(store, expo_id, request_id, "flight changed")
                    outcomes["cancelled"] += 1
                else:
                    moved = await meetings.reschedule(store, expo_id, request_id, None)
                    outcomes["moved" if moved.unplaced is None else "could not move"] += 1
            except Problem as refused:
                outcomes[f"change refused: {type(refused).__name__}"] += 1

    work = [request(n, d, x) for n, (d, x) in enumerate(pairs)] + [change() for _ in range(500)]
    rng.shuffle(work)
    await asyncio.gather(*work)
    await redis.aclose()
    return dict(outcomes)


async def _meetings(stack: LocalStack, expo_id: str) -> list[dict[str, Any]]:
    token = issue_token(stack.settings(), Role.organiser, "disperindag-ntb")
    found: list[dict[str, Any]] = []
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        offset: int | None = 0
        while offset is not None:
            page = (await client.get(
                f"{stack.service_urls['events']}/expos/{expo_id}/requests",
                params={"limit": 200, "offset": offset, "status": "scheduled"},
            )).json()  # fmt: skip
            found += [item["meeting"] for item in page["items"]]
            offset = page["next_offset"]
    return found


async def _setup(stack: LocalStack) -> tuple[str, list[str], list[str]]:
    token = issue_token(stack.settings(), Role.organiser, "disperindag-ntb")
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        return await _prepare(stack, client)


def test_ten_thousand_concurrent_requests_and_changes_never_double_book(stack: LocalStack) -> None:
    expo_id, delegates, exhibitors = asyncio.run(_setup(stack))
    pairs = [(d, x) for d in delegates for x in exhibitors]
    random.Random(7).shuffle(pairs)
    halves = [pairs[0::2], pairs[1::2]]
    # Two processes, each with its share of requests and changes in flight at once, race for
    # the same slots and tables through Redis: atomicity must hold across processes too.
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(
            _worker, [(stack.redis_url, expo_id, half, seed) for seed, half in enumerate(halves)]
        )
    statuses: Counter[str] = Counter()
    for result in results:
        statuses.update(result)
    meetings = asyncio.run(_meetings(stack, expo_id))
    busy = Counter(
        (person, m["slot_id"]) for m in meetings for person in (m["delegate_id"], m["exhibitor_id"])
    )
    tables = Counter((m["slot_id"], m["table"]) for m in meetings)
    double_booked = sum(n - 1 for n in busy.values() if n > 1) + sum(
        n - 1 for n in tables.values() if n > 1
    )
    print(f"outcomes {dict(statuses)}; meetings {len(meetings)}; double bookings {double_booked}")
    requests = sum(
        n
        for outcome, n in statuses.items()
        if outcome == "placed" or outcome.startswith("not placed")
    )
    assert requests == DELEGATES * EXHIBITORS
    assert statuses["cancelled"] + statuses["moved"] > 0
    assert len(meetings) > 0
    assert double_booked == 0
