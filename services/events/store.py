"""The events service's Redis keys: one hash per expo (entities and the booking index as
fields, under the hash tag of the expo's outbox shard), beside it the sets a listing reads
instead of the whole hash (its exhibiting sellers, its request ids, each participant's request
ids), and the projection of catalog sellers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from services.events.domain import (
    REQUESTS_INDEX,
    SELLERS_INDEX,
    ExpoState,
    parse_state,
    requests_of_index,
)
from shared.atomic import MAX_ATTEMPTS, AtomicHash, Change, Conflicted, retry_on_conflict
from shared.contracts import Event
from shared.contracts.catalog import SellerData
from shared.errors import NotFound
from shared.outbox import Outbox
from shared.redis_client import text

View = TypeVar("View")
Result = TypeVar("Result")


class EventsStore:
    def __init__(self, redis: Redis, outbox: Outbox) -> None:
        self.redis = redis
        self.outbox = outbox
        self.atomic = AtomicHash(redis, outbox)

    def key(self, expo_id: str) -> str:
        return f"{self.outbox.tag(expo_id)}:expo:{expo_id}"

    def index_key(self, expo_id: str, index: str) -> str:
        """The set `index` beside the expo's hash (where `Change.add_to` adds)."""
        return f"{self.key(expo_id)}:{index}"

    def _index(self, shard: int) -> str:
        return f"{self.outbox.shard_tag(shard)}:expos"

    def seller_key(self, seller_id: str) -> str:
        return f"{self.outbox.tag(seller_id)}:seller:{seller_id}"

    def marker(self, aggregate_id: str, event_id: str) -> str:
        return f"{self.outbox.tag(aggregate_id)}:processed:{event_id}"

    # -- expos --------------------------------------------------------------------------------
    async def create(self, expo_id: str, fields: dict[str, str], events: Iterable[Event]) -> None:
        """Commit a new expo; its id is fresh, so nothing can conflict with it."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key(expo_id), mapping=fields)
            pipe.sadd(self._index(self.outbox.shard_of(expo_id)), expo_id)
            for event in events:
                self.outbox.stage(pipe, event)
            await pipe.execute()

    async def load(self, expo_id: str) -> ExpoState:
        raw = await self.redis.hgetall(self.key(expo_id))
        state = parse_state({text(k): text(v) for k, v in raw.items()})
        if state is None:
            raise NotFound(f"no expo {expo_id}", "expo_id")
        return state

    async def read(self, expo_id: str, names: list[str]) -> dict[str, str]:
        """The present fields among `names` (a targeted read for small changes)."""
        if not names:
            return {}
        values = await self.redis.hmget(self.key(expo_id), names)
        return {name: text(value) for name, value in zip(names, values, strict=True) if value}

    async def exhibiting_seller_ids(self, expo_id: str) -> list[str]:
        members = await self.redis.smembers(self.index_key(expo_id, SELLERS_INDEX))
        return sorted(text(i) for i in members)

    async def request_ids(self, expo_id: str) -> list[str]:
        members = await self.redis.smembers(self.index_key(expo_id, REQUESTS_INDEX))
        return sorted(text(i) for i in members)

    async def requests_of(self, expo_id: str, participant_ids: Iterable[str]) -> list[str]:
        """Ids of the requests naming any of `participant_ids` (delegates or exhibitors)."""
        keys = [self.index_key(expo_id, requests_of_index(p)) for p in sorted(set(participant_ids))]
        return sorted(text(i) for i in await self.redis.sunion(keys)) if keys else []

    async def commit(self, expo_id: str, change: Change) -> str | None:
        """Commit `change`; returns the field that changed meanwhile, or None."""
        return await self.atomic.commit(self.key(expo_id), change)

    async def change(
        self,
        expo_id: str,
        read: Callable[[], Awaitable[View]],
        decide: Callable[[View], tuple[Change, Result]],
        attempts: int = MAX_ATTEMPTS,
    ) -> Result:
        """Read a view, decide, and commit the change with its events atomically; when another
        writer changed a field the view read, read and decide again."""

        async def attempt() -> Result:
            change, result = decide(await read())
            if change and await self.commit(expo_id, change) is not None:
                raise Conflicted
            return result

        return await retry_on_conflict(attempt, attempts)

    async def expo_ids(self) -> list[str]:
        ids: list[str] = []
        for shard in range(self.outbox.shards):
            ids += [text(member) for member in await self.redis.smembers(self._index(shard))]
        return sorted(ids)

    # -- the projection of catalog sellers ----------------------------------------------------
    async def seller(self, seller_id: str) -> SellerData | None:
        raw = await self.redis.get(self.seller_key(seller_id))
        return SellerData.model_validate_json(raw) if raw else None

    async def sellers(self, seller_ids: Iterable[str]) -> dict[str, SellerData]:
        ids = sorted(set(seller_ids))
        if not ids:
            return {}
        values = await self.redis.mget([self.seller_key(seller_id) for seller_id in ids])
        return {
            seller_id: SellerData.model_validate_json(value)
            for seller_id, value in zip(ids, values, strict=True)
            if value
        }

    def queue_seller(self, pipe: Pipeline, seller: SellerData) -> None:
        pipe.set(self.seller_key(seller.id), seller.model_dump_json())
