"""10,000 concurrent meeting requests, with reschedules and cancellations racing them, sent over
HTTP by two client processes to two instances of the events service that share one Redis: not
one double booking (participant or table), and every acknowledged request is kept and announced.

Delegates ask for their own meetings (a delegate token each); the organiser moves and cancels
meetings at the same time. Capacity is far below demand, so most requests compete for the same
few free slots, tables and participants at once: the case a lost race would double-book."""

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
from shared.auth import Role, bearer
from shared.contracts import topics
from shared.envelope import parse_record
from shared.settings import Settings
from tests.helpers import read_topic
from tests.reliability.traffic import Counts, every_request

pytestmark = pytest.mark.reliability
DELEGATES, EXHIBITORS = 100, 100
IN_FLIGHT_PER_PROCESS = 16
CHANGES_PER_PROCESS = 500
ORGANISER = "disperindag-ntb"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with LocalStack(tmp_path, services=["catalog", "events"], own_infrastructure=True) as running:
        running.start_service("events", instance="events-2")
        yield running


async def _prepare(stack: LocalStack) -> tuple[str, list[dict[str, str]], list[str]]:
    catalog, events = stack.service_urls["catalog"], stack.service_urls["events"]
    async with httpx.AsyncClient(
        headers=bearer(stack.settings(), Role.organiser, ORGANISER), timeout=60
    ) as client:
        sellers = []
        for number in range(EXHIBITORS):
            seller = await client.post(f"{catalog}/sellers", json={
                "name": f"UMKM Rumput Laut {number}", "province": "ID-NB", "regency": "Lombok Timur",
                "sectors": ["seaweed"], "languages": ["id"], "sales_terms": ["outright_purchase"],
            })  # fmt: skip
            sellers.append(seller.json()["id"])
        # 18 slots of 20 minutes at 12 tables: 216 meetings can exist for 10,000 requests.
        expo = (await client.post(f"{events}/expos", json={
            "name": "Sunda Kecil Expo", "venue": "Kupang", "time_zone": "Asia/Makassar",
            "start_date": "2019-11-14", "end_date": "2019-11-15", "mode": "tables", "tables": 12,
            "sessions": [{"id": "d1", "day": "2019-11-14", "start": "09:00", "end": "12:00"},
                         {"id": "d2", "day": "2019-11-15", "start": "09:00", "end": "12:00"}],
        })).json()  # fmt: skip
        expo_id = expo["id"]
        await client.post(f"{events}/expos/{expo_id}/status", json={"status": "open"})
        exhibitors = []
        for seller_id in sellers:
            deadline = time.monotonic() + 60
            while True:  # the seller reaches the events service through the `catalog` topic
                answer = await client.post(
                    f"{events}/expos/{expo_id}/exhibitors", json={"seller_id": seller_id}
                )
                if answer.status_code == 201 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            assert answer.status_code == 201, answer.text
            exhibitors.append(answer.json()["id"])
        delegates = []
        for number in range(DELEGATES):
            answer = await client.post(f"{events}/expos/{expo_id}/delegates", json={
                "name": f"Delegate {number}", "country": "AU", "organisation": "Trade office",
                "role": "importer", "languages": ["en"], "subject": f"buyer-{number}",
                "max_meetings": 6,
            })  # fmt: skip
            delegates.append({"id": answer.json()["id"], "subject": f"buyer-{number}"})
        scheduled = await client.post(
            f"{events}/expos/{expo_id}/schedule", json={"time_limit_seconds": 1}
        )
        assert scheduled.status_code == 200  # a schedule exists: every request is placed at once
    return expo_id, delegates, exhibitors


def _storm(*arguments: Any) -> tuple[dict[str, int], list[str]]:
    """The entry point of a client process (see `_storm_async`)."""
    return asyncio.run(_storm_async(*arguments))


async def _storm_async(
    settings: Settings,
    urls: list[str],
    expo_id: str,
    pairs: list[tuple[dict[str, str], str]],
    seed: int,
) -> tuple[dict[str, int], list[str]]:
    """One client process's share: its requests and changes all in flight together, spread
    over both instances. Returns the outcomes and the ids of the acknowledged requests."""
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    acknowledged: list[str] = []
    placed: list[str] = []
    organiser = bearer(settings, Role.organiser, ORGANISER)
    tokens = {
        delegate["id"]: bearer(settings, Role.delegate, delegate["subject"])
        for delegate, _ in pairs
    }
    # Workers pull from one shuffled queue of requests and changes, so changes race requests the
    # whole way through. (Ten thousand requests handed to httpx at once would queue in its pool,
    # which rescans its queue on every response: quadratic.)
    work: list[tuple[int, tuple[dict[str, str], str] | None]] = list(enumerate(pairs))
    work += [(len(pairs) + n, None) for n in range(CHANGES_PER_PROCESS)]
    rng.shuffle(work)
    queue = iter(work)

    async def request(
        client: httpx.AsyncClient, url: str, delegate_id: str, exhibitor: str
    ) -> None:
        answer = await client.post(
            f"{url}/expos/{expo_id}/requests",
            headers=tokens[delegate_id],
            json={"delegate_id": delegate_id, "exhibitor_id": exhibitor},
        )
        if answer.status_code != 201:
            outcomes[f"refused {answer.status_code}"] += 1
            return
        body = answer.json()
        acknowledged.append(body["request"]["id"])
        if body["meeting"]:
            placed.append(body["request"]["id"])
            outcomes["placed"] += 1
        else:
            outcomes[f"not placed: {body['not_placed']['reason']}"] += 1

    async def change(client: httpx.AsyncClient, url: str) -> None:
        if not placed:
            outcomes["nothing to change yet"] += 1
            return
        base = f"{url}/expos/{expo_id}/requests/{rng.choice(placed)}"
        if rng.random() < 0.5:
            answer = await client.post(
                f"{base}/cancel", headers=organiser, json={"reason": "flight changed"}
            )
            outcomes["cancelled" if answer.status_code == 200 else "cancel refused"] += 1
        else:
            answer = await client.post(f"{base}/reschedule", headers=organiser, json={})
            moved = answer.status_code == 200 and answer.json()["meeting"] is not None
            outcomes["moved" if moved else "not moved"] += 1

    async def worker(client: httpx.AsyncClient) -> None:
        for number, pair in queue:
            url = urls[number % len(urls)]
            if pair is None:
                await change(client, url)
            else:
                await request(client, url, pair[0]["id"], pair[1])

    limits = httpx.Limits(max_connections=IN_FLIGHT_PER_PROCESS)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        await asyncio.gather(*(worker(client) for _ in range(IN_FLIGHT_PER_PROCESS)))
    return dict(outcomes), acknowledged


def _announced(records: list[Any]) -> Counter[str]:
    requested: Counter[str] = Counter()
    for record in records:
        envelope = parse_record(record.value, record.headers)
        if envelope.type == "expo.meeting.requested":
            requested[envelope.event().request.id] += 1  # type: ignore[attr-defined]
    return requested


def test_ten_thousand_concurrent_requests_and_changes_never_double_book(stack: LocalStack) -> None:
    expo_id, delegates, exhibitors = asyncio.run(_prepare(stack))
    pairs = [(d, x) for d in delegates for x in exhibitors]
    random.Random(7).shuffle(pairs)
    urls = [stack.service_urls["events"], stack.service_urls["events-2"]]
    # Two client processes, each with its share in flight at once, through both instances:
    # atomicity must hold across processes on both sides of the API.
    context = multiprocessing.get_context("spawn")
    started = time.monotonic()
    with context.Pool(2) as pool:
        results = pool.starmap(
            _storm,
            [(stack.settings(), urls, expo_id, pairs[seed::2], seed) for seed in range(2)],
        )
    storm_seconds = time.monotonic() - started
    outcomes: Counter[str] = Counter()
    acknowledged: list[str] = []
    for result, ids in results:
        outcomes.update(result)
        acknowledged += ids

    organiser = bearer(stack.settings(), Role.organiser, ORGANISER)
    requests = asyncio.run(every_request(stack.service_urls["events-2"], expo_id, organiser))
    kept = {item["request"]["id"] for item in requests}
    meetings = [item["meeting"] for item in requests if item["meeting"]]
    busy = Counter(
        (person, m["slot_id"]) for m in meetings for person in (m["delegate_id"], m["exhibitor_id"])
    )
    tables = Counter((m["slot_id"], m["table"]) for m in meetings)
    double_booked = sum(n - 1 for n in busy.values() if n > 1) + sum(
        n - 1 for n in tables.values() if n > 1
    )
    wanted = set(acknowledged)
    records = asyncio.run(read_topic(
        stack.settings(), topics.EXPO, lambda seen: wanted <= set(_announced(seen)), timeout=90
    ))  # fmt: skip
    announced = _announced(records)
    counts = Counts(
        "bookings",
        sent=len(pairs),
        acknowledged=len(acknowledged),
        delivered=sum(1 for request_id in acknowledged if announced[request_id]),
        applied=len(wanted & kept),
        duplicated=double_booked,
        lost=len(wanted - kept),
    )
    print(f"{storm_seconds:.1f} s; outcomes {dict(outcomes)}; meetings {len(meetings)}")
    print(counts.line())
    assert counts.acknowledged == DELEGATES * EXHIBITORS, dict(outcomes)
    assert outcomes["cancelled"] + outcomes["moved"] > 0
    assert meetings
    assert counts.duplicated == 0, counts.line()
    assert counts.lost == 0, counts.line()
    assert counts.delivered == counts.acknowledged, counts.line()
