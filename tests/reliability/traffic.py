"""A steady stream of writes through all three services, and the count of what became of them.

Two flows cross every service: products listed in the catalog must reach matching's read
model (catalog -> `catalog` topic -> matching), and accepted matches must become exactly one
meeting request each (matching -> `matching` topic -> events -> `expo` topic). A write counts
as acknowledged when its API answered 2xx; afterwards every acknowledged write must have its
effect exactly once.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from redis.asyncio import Redis

from deploy.local.stack import LocalStack
from shared.auth import Role, bearer
from shared.contracts import topics
from shared.envelope import parse_record
from tests.helpers import read_all

ORGANISER = "disperindag-ntt"
SECTORS = [
    ("coffee", "090111", "Kopi arabika"),
    ("cashew", "080132", "Kacang mete"),
    ("salt", "250100", "Garam laut"),
]


@dataclass
class Counts:
    flow: str
    sent: int = 0
    acknowledged: int = 0
    delivered: int = 0
    applied: int = 0
    duplicated: int = 0
    lost: int = 0

    def line(self) -> str:
        return (
            f"{self.flow:<9} sent {self.sent:>5}  acknowledged {self.acknowledged:>5}  "
            f"delivered {self.delivered:>5}  applied {self.applied:>5}  "
            f"duplicated {self.duplicated}  lost {self.lost}"
        )


@dataclass
class Traffic:
    stack: LocalStack
    matching_urls: list[str] = field(default_factory=list)
    sellers: list[str] = field(default_factory=list)
    delegates: list[dict[str, Any]] = field(default_factory=list)
    expo_id: str = ""
    products: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # proposal ids
    pairs: set[tuple[str, str]] = field(default_factory=set)
    product_counts: Counts = field(default_factory=lambda: Counts("products"))
    match_counts: Counts = field(default_factory=lambda: Counts("matches"))

    def __post_init__(self) -> None:
        self.settings = self.stack.settings()
        self.matching_urls = self.matching_urls or [self.stack.service_urls["matching"]]

    # -- setup --------------------------------------------------------------------------------
    def setup(self, sellers: int = 12, delegates: int = 20) -> None:
        organiser = bearer(self.settings, Role.organiser, ORGANISER)
        urls = self.stack.service_urls
        with httpx.Client(timeout=30) as client:
            for number in range(sellers):
                sector, hs, name = SECTORS[number % len(SECTORS)]
                seller = client.post(f"{urls['catalog']}/sellers", headers=organiser, json={
                    "name": f"UMKM {name} {number}", "province": "ID-NT", "regency": "Kupang",
                    "sectors": [sector], "languages": ["id", "en"], "sales_terms": ["consignment"],
                }).json()  # fmt: skip
                client.post(f"{urls['catalog']}/sellers/{seller['id']}/products", headers=organiser, json={
                    "name": {"id": f"{name} {number}"}, "hs_code": hs, "sector": sector, "unit": "kg",
                    "monthly_capacity": 1000,
                })  # fmt: skip
                self.sellers.append(seller["id"])
            expo = client.post(f"{urls['events']}/expos", headers=organiser, json={
                "name": "Sunda Kecil Expo", "venue": "Kupang", "time_zone": "Asia/Makassar",
                "start_date": "2019-11-14", "end_date": "2019-11-17", "mode": "tables", "tables": 10,
                "sessions": [{"id": f"d{d}", "day": f"2019-11-{14 + d}", "start": "09:00", "end": "16:00"} for d in range(4)],
            }).json()  # fmt: skip
            self.expo_id = expo["id"]
            client.post(
                f"{urls['events']}/expos/{self.expo_id}/status",
                headers=organiser,
                json={"status": "open"},
            )
            for seller_id in self.sellers:
                deadline = time.monotonic() + 60
                while True:
                    answer = client.post(
                        f"{urls['events']}/expos/{self.expo_id}/exhibitors", headers=organiser,
                        json={"seller_id": seller_id},
                    )  # fmt: skip
                    if answer.status_code == 201 or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
                assert answer.status_code == 201, answer.text
            for number in range(delegates):
                self.delegates.append(client.post(
                    f"{urls['events']}/expos/{self.expo_id}/delegates", headers=organiser,
                    json={"name": f"Delegate {number}", "country": "JP", "organisation": "Embassy",
                          "role": "trade_attache", "languages": ["en"], "subject": f"delegate-{number}",
                          "interests": ["coffee", "cashew", "sea salt"]},
                ).json())  # fmt: skip

    # -- the stream ---------------------------------------------------------------------------
    async def run(
        self, seconds: float, fault: Callable[[], None] | None = None, fault_after: float = 2.0
    ) -> None:
        """Write for `seconds`; `fault` runs (in a thread, it blocks) `fault_after` seconds in."""
        stop = asyncio.Event()
        writers = [
            asyncio.create_task(self._list_products(stop)),
            asyncio.create_task(self._accept_matches(stop)),
        ]
        if fault is not None:
            await asyncio.sleep(fault_after)
            await asyncio.to_thread(fault)
        await asyncio.sleep(max(0.0, seconds - (fault_after if fault else 0)))
        stop.set()
        await asyncio.gather(*writers)

    async def _list_products(self, stop: asyncio.Event) -> None:
        organiser = bearer(self.settings, Role.organiser, ORGANISER)
        async with httpx.AsyncClient(timeout=5) as client:
            for number in itertools.count():
                if stop.is_set():
                    return
                seller_id = self.sellers[number % len(self.sellers)]
                self.product_counts.sent += 1
                try:
                    answer = await client.post(
                        f"{self.stack.service_urls['catalog']}/sellers/{seller_id}/products",
                        headers=organiser,
                        json={"name": {"id": f"Kopi aliran {number}"}, "hs_code": "090111", "sector": "coffee",
                              "unit": "kg", "monthly_capacity": 100},
                    )  # fmt: skip
                    if answer.status_code == 201:
                        self.products.append(answer.json()["id"])
                        self.product_counts.acknowledged += 1
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.02)

    async def _accept_matches(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            for number in itertools.count():
                if stop.is_set():
                    return
                delegate = self.delegates[number % len(self.delegates)]
                token = bearer(self.settings, Role.delegate, delegate["subject"])
                url = self.matching_urls[number % len(self.matching_urls)]
                self.match_counts.sent += 1
                try:
                    answer = await client.post(f"{url}/match-requests", headers=token, json={
                        "expo_id": self.expo_id, "delegate_id": delegate["id"], "k": 10,
                    })  # fmt: skip
                    fresh = [
                        p for p in answer.json().get("proposals", [])
                        if (delegate["id"], p["seller_id"]) not in self.pairs
                    ] if answer.status_code == 201 else []  # fmt: skip
                    if fresh:
                        # Once an acceptance is sent its pair is never tried again: if the answer
                        # is lost (the service was killed) the acceptance may still have landed,
                        # and a second match for the pair would be honoured by the first's request.
                        pair = (delegate["id"], fresh[0]["seller_id"])
                        self.pairs.add(pair)
                        accepted = await client.post(
                            f"{url}/proposals/{fresh[0]['id']}/accept", headers=token, json={}
                        )
                        if accepted.status_code == 200:
                            self.accepted.append(fresh[0]["id"])
                            self.match_counts.acknowledged += 1
                except (httpx.HTTPError, ValueError):
                    pass
                await asyncio.sleep(0.05)

    # -- the reckoning ------------------------------------------------------------------------
    async def settle(self, timeout: float = 90) -> tuple[Counts, Counts]:
        """Wait until every acknowledged write has its effect (or the timeout), then count."""
        redis = Redis.from_url(self.stack.settings().redis_url)
        # One deadline for every wait, so that a lost write fails with the counts, well inside
        # the test's own timeout.
        deadline = time.monotonic() + timeout
        try:
            await self._until(lambda: self._products_applied(redis), len(self.products), deadline)
            await self._until(self._requests_made, len(self.accepted), deadline)
            # Effects can land before their announcements: a relay that crashed holds its
            # outbox lease until it expires (15 s), then the new one publishes the backlog.
            while True:
                await self._count_products(redis)
                await self._count_matches()
                delivered = (
                    self.product_counts.delivered == self.product_counts.acknowledged
                    and self.match_counts.delivered == self.match_counts.acknowledged
                )
                if delivered or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
        finally:
            await redis.aclose()
        return self.product_counts, self.match_counts

    async def _until(
        self, probe: Callable[[], Awaitable[int]], wanted: int, deadline: float
    ) -> None:
        while await probe() < wanted and time.monotonic() < deadline:
            await asyncio.sleep(0.5)

    async def _products_applied(self, redis: Redis) -> int:
        if not self.products:
            return 0
        values = await redis.mget([f"{{matching-model}}:product:{pid}" for pid in self.products])
        return sum(value is not None for value in values)

    async def _requests(self) -> list[dict[str, Any]]:
        organiser = bearer(self.settings, Role.organiser, ORGANISER)
        return await every_request(self.stack.service_urls["events"], self.expo_id, organiser)

    async def _requests_made(self) -> int:
        wanted = {f"req-{pid}" for pid in self.accepted}
        return len(wanted & {item["request"]["id"] for item in await self._requests()})

    async def _count_products(self, redis: Redis) -> None:
        counts = self.product_counts
        acknowledged = set(self.products)
        records = await read_all(self.settings, topics.CATALOG)
        listed: Counter[str] = Counter()
        for record in records:
            envelope = parse_record(record.value, record.headers)
            if envelope.type == "catalog.product.listed":
                listed[envelope.event().product.id] += 1  # type: ignore[attr-defined]
        counts.delivered = sum(1 for pid in acknowledged if listed[pid] > 0)
        counts.applied = await self._products_applied(redis)
        counts.lost = len(acknowledged) - counts.applied
        # An effect applied twice would have appended a second change for the product.
        changes = Counter(
            fields[b"id"].decode()
            for _, fields in await redis.xrange("{matching-model}:changes")
            if fields[b"kind"] == b"product"
        )
        counts.duplicated = sum(max(0, changes[pid] - 1) for pid in acknowledged)

    async def _count_matches(self) -> None:
        counts = self.match_counts
        requests = await self._requests()
        by_match = Counter(
            item["request"]["match_id"] for item in requests if item["request"]["match_id"]
        )
        records = await read_all(self.settings, topics.EXPO)
        announced: dict[str, set[str]] = {}
        for record in records:
            envelope = parse_record(record.value, record.headers)
            if envelope.type == "expo.meeting.requested":
                request_id = envelope.event().request.id  # type: ignore[attr-defined]
                announced.setdefault(request_id, set()).add(envelope.id)
        counts.delivered = sum(1 for pid in self.accepted if f"req-{pid}" in announced)
        counts.applied = sum(1 for pid in self.accepted if by_match[pid] >= 1)
        counts.lost = len(self.accepted) - counts.applied
        # Applied twice: two requests for one match, or one request announced by two events.
        counts.duplicated = sum(max(0, by_match[pid] - 1) for pid in self.accepted) + sum(
            max(0, len(announced.get(f"req-{pid}", ())) - 1) for pid in self.accepted
        )


async def every_request(
    events_url: str, expo_id: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    """Every meeting request of the expo that `headers`' bearer sees, page by page."""
    found: list[dict[str, Any]] = []
    async with httpx.AsyncClient(headers=headers, timeout=60) as client:
        offset: int | None = 0
        while offset is not None:
            page = (await client.get(
                f"{events_url}/expos/{expo_id}/requests", params={"limit": 200, "offset": offset}
            )).json()  # fmt: skip
            found += page["items"]
            offset = page["next_offset"]
    return found
