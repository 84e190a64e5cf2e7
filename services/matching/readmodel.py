"""The matching service's own view of the world, built only from events: catalog sellers and
products, expos, delegates and exhibitors.

Every entity is stored whole with its version; an event older than what is stored (a replay,
a redelivery) changes nothing, and each event's id is recorded in the same Lua script as its
effect (one round trip per event, atomic). Changes to sellers and products are appended to a
change stream, from which every process keeps its in-memory ranking index current. Under
another key prefix, the same code rebuilds the model from the topics
(`python -m services.matching.rebuild`).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from redis.asyncio import Redis

from services.matching.ranking.index import CatalogIndex, ProductProfile, SellerProfile
from shared.consumer import MARKER_TTL_SECONDS
from shared.contracts import Event, consumers
from shared.contracts import catalog as cat
from shared.contracts import expo as ex
from shared.contracts.catalog import ListingStatus, ProductData, SellerData
from shared.contracts.expo import DelegateData, ExhibitorData, ExpoData
from shared.envelope import Envelope
from shared.redis_client import text

LIVE = "{matching-model}"
CHANGES_KEPT = 200_000  # a process further behind than this reloads everything

# Everything the read model holds, from the catalog and from the expo topic.
PROJECTED_TYPES: tuple[type[Event], ...] = (
    *consumers.MATCHING_CATALOG.receives,
    *consumers.EXPO_PARTICIPANT_EVENTS,
)


# KEYS: entity, marker, change stream, set (or the entity again: no set). ARGV: mode
# (upsert | delist: only if stored), value, version, set member, change kind ("" = not
# followed), id, marker ttl, stream length kept. Returns 1 when the entity changed.
_APPLY = """
if redis.call('exists', KEYS[2]) == 1 then return 0 end
redis.call('set', KEYS[2], '1', 'EX', ARGV[7])
local stored = redis.call('get', KEYS[1])
local version = tonumber(ARGV[3])
if stored and cjson.decode(stored)['version'] >= version then return 0 end
if ARGV[1] == 'upsert' then
  redis.call('set', KEYS[1], ARGV[2])
else
  if not stored then return 0 end
  redis.call('set', KEYS[1], ARGV[2])
end
if KEYS[4] ~= KEYS[1] then redis.call('sadd', KEYS[4], ARGV[4]) end
if ARGV[5] ~= '' then
  redis.call('xadd', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'kind', ARGV[5], 'id', ARGV[6])
end
return 1
"""


class ReadModel:
    def __init__(self, redis: Redis, prefix: str = LIVE) -> None:
        self.redis = redis
        self.prefix = prefix
        self._apply_script: Callable[..., Awaitable[Any]] = redis.register_script(_APPLY)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    @property
    def changes(self) -> str:
        return self.key("changes")

    # -- applying events ----------------------------------------------------------------------
    async def apply(self, event: Event, event_id: str) -> bool:
        """Apply one event once, in one round trip; returns False when it had been applied
        already (or was older than what is stored)."""
        key, value, members = self._target(event)
        if key is None:
            return False
        mode = "upsert"
        if value is None:
            # A delisting carries only the id and version: the stored document is rewritten.
            # Read here; the script applies it only if the stored version is still older.
            stored = await self.redis.get(key)
            if stored is None:
                return False
            version = getattr(event, "version", 0)
            document = {
                **json.loads(stored),
                "status": ListingStatus.delisted.value,
                "version": version,
            }
            value, mode = json.dumps(document, separators=(",", ":")), "delist"
        version = _version_of(value)
        kind, _, ident = key.removeprefix(self.prefix + ":").partition(":")
        followed = kind in ("seller", "product")
        collection, member = members[0] if members else ("", "")
        applied = await self._apply_script(
            keys=[key, self.key("processed", event_id), self.changes, collection or key],
            args=[
                mode,
                value or "",
                version,
                member,
                kind if followed else "",
                ident,
                MARKER_TTL_SECONDS,
                CHANGES_KEPT,
            ],
        )
        return bool(applied)

    async def apply_many(self, batch: list[tuple[Event, Envelope]]) -> None:
        """Apply a run of events in one pipeline (each still atomic and idempotent on its
        own). Delistings read the stored document first, so they go one at a time."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for event, envelope in batch:
                if isinstance(event, cat.SellerDelisted | cat.ProductDelisted):
                    await pipe.execute()
                    await self.apply(event, envelope.id)
                    continue
                key, value, members = self._target(event)
                if key is None or value is None:
                    continue
                kind, _, ident = key.removeprefix(self.prefix + ":").partition(":")
                collection, member = members[0] if members else ("", "")
                await self._apply_script(
                    keys=[key, self.key("processed", envelope.id), self.changes, collection or key],
                    args=[
                        "upsert", value, _version_of(value), member,
                        kind if kind in ("seller", "product") else "", ident,
                        MARKER_TTL_SECONDS, CHANGES_KEPT,
                    ],
                    client=pipe,
                )  # fmt: skip
            await pipe.execute()

    def _target(self, event: Event) -> tuple[str | None, str | None, list[tuple[str, str]]]:
        """Which key an event writes, the value (None: a delisting) and set memberships."""
        match event:
            case cat.SellerRegistered(seller=seller) | cat.SellerUpdated(seller=seller):
                return (
                    self.key("seller", seller.id),
                    seller.model_dump_json(),
                    [(self.key("sellers"), seller.id)],
                )
            case cat.SellerDelisted(seller_id=seller_id):
                return self.key("seller", seller_id), None, []
            case cat.ProductListed(product=product) | cat.ProductUpdated(product=product):
                return (
                    self.key("product", product.id),
                    product.model_dump_json(),
                    [(self.key("products"), product.id)],
                )
            case cat.ProductDelisted(product_id=product_id):
                return self.key("product", product_id), None, []
            case ex.ExpoCreated(expo=expo) | ex.ExpoUpdated(expo=expo):
                return self.key("expo", expo.id), expo.model_dump_json(), []
            case ex.DelegateRegistered(delegate=delegate) | ex.DelegateUpdated(delegate=delegate):
                return (
                    self.key("delegate", delegate.id),
                    delegate.model_dump_json(),
                    [(self.key("delegates", delegate.expo_id), delegate.id)],
                )
            case (
                ex.ExhibitorRegistered(exhibitor=exhibitor)
                | ex.ExhibitorUpdated(exhibitor=exhibitor)
            ):
                return (
                    self.key("exhibitor", exhibitor.expo_id, exhibitor.seller_id),
                    exhibitor.model_dump_json(),
                    [(self.key("exhibitors", exhibitor.expo_id), exhibitor.seller_id)],
                )
        return None, None, []

    # -- reading ------------------------------------------------------------------------------
    async def expo(self, expo_id: str) -> ExpoData | None:
        raw = await self.redis.get(self.key("expo", expo_id))
        return ExpoData.model_validate_json(raw) if raw else None

    async def delegate(self, delegate_id: str) -> DelegateData | None:
        raw = await self.redis.get(self.key("delegate", delegate_id))
        return DelegateData.model_validate_json(raw) if raw else None

    async def delegates(self, expo_id: str) -> list[DelegateData]:
        ids = sorted(text(i) for i in await self.redis.smembers(self.key("delegates", expo_id)))
        return [
            DelegateData.model_validate_json(raw)
            for raw in await self._many("delegate", ids)
            if raw
        ]

    async def exhibitors(self, expo_id: str) -> dict[str, ExhibitorData]:
        """An expo's exhibitors by seller id."""
        seller_ids = sorted(
            text(i) for i in await self.redis.smembers(self.key("exhibitors", expo_id))
        )
        keys = [self.key("exhibitor", expo_id, seller_id) for seller_id in seller_ids]
        values = await self.redis.mget(keys) if keys else []
        return {
            seller_id: ExhibitorData.model_validate_json(raw)
            for seller_id, raw in zip(seller_ids, values, strict=True)
            if raw
        }

    async def _many(self, kind: str, ids: list[str]) -> list[bytes | None]:
        values: list[bytes | None] = []
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            values += await self.redis.mget([self.key(kind, i) for i in chunk])
        return values

    async def catalog(self) -> tuple[list[SellerData], list[ProductData]]:
        seller_ids = sorted(text(i) for i in await self.redis.smembers(self.key("sellers")))
        product_ids = sorted(text(i) for i in await self.redis.smembers(self.key("products")))
        sellers = [
            SellerData.model_validate_json(r) for r in await self._many("seller", seller_ids) if r
        ]
        products = [
            ProductData.model_validate_json(r)
            for r in await self._many("product", product_ids)
            if r
        ]
        return sellers, products

    async def snapshot(self) -> dict[str, Any]:
        """Every entity of the model (for comparing a rebuilt model with the live one)."""
        entities: dict[str, Any] = {}
        async for key in self.redis.scan_iter(match=f"{self.prefix}:*", count=1000):
            name = text(key).removeprefix(self.prefix + ":")
            kind = name.split(":", 1)[0]
            if kind in ("seller", "product", "expo", "delegate", "exhibitor"):
                entities[name] = json.loads(await self.redis.get(key) or b"null")
            elif kind in ("sellers", "products", "delegates", "exhibitors"):
                entities[name] = sorted(text(m) for m in await self.redis.smembers(key))
        return entities

    async def clear(self) -> None:
        async for key in self.redis.scan_iter(match=f"{self.prefix}:*", count=1000):
            await self.redis.delete(key)


class IndexFollower:
    """Keeps a process's in-memory `CatalogIndex` in step with the read model."""

    def __init__(self, model: ReadModel) -> None:
        self.model = model
        self.index = CatalogIndex()
        self.position = "0-0"

    async def load(self) -> None:
        # Read the position first: a change made while loading is applied again, harmlessly.
        last = await self.model.redis.xrevrange(self.model.changes, count=1)
        self.position = text(last[0][0]) if last else "0-0"
        sellers, products = await self.model.catalog()
        index = CatalogIndex()
        for seller in sellers:
            index.upsert_seller(SellerProfile.of(seller))
        for product in products:
            index.upsert_product(ProductProfile.of(product))
        self.index = index
        # Hundreds of thousands of long-lived objects: without this, every full collection
        # walks them all and stalls a query for hundreds of milliseconds (measured p99).
        gc.collect()
        gc.freeze()

    async def follow(self, block_ms: int = 100) -> int:
        """Apply the changes since the last call; returns how many."""
        response = await self.model.redis.xread(
            {self.model.changes: self.position}, count=5000, block=block_ms
        )
        if not response:
            return 0
        entries = response[0][1]
        oldest = await self.model.redis.xrange(self.model.changes, count=1)
        if oldest and _order(text(oldest[0][0])) > _order(self.position) > (0, 0):
            await self.load()  # entries it never saw were trimmed away: start over
            return len(entries)
        await self._apply(entries)
        self.position = text(entries[-1][0])
        return len(entries)

    async def _apply(self, entries: Iterable[tuple[Any, dict[bytes, bytes]]]) -> None:
        wanted: dict[tuple[str, str], None] = {}
        for _, fields in entries:
            wanted[(text(fields[b"kind"]), text(fields[b"id"]))] = None
        keys = [self.model.key(kind, ident) for kind, ident in wanted]
        values = await self.model.redis.mget(keys) if keys else []
        for (kind, _), raw in zip(wanted, values, strict=True):
            if raw is None:
                continue
            if kind == "seller":
                self.index.upsert_seller(SellerProfile.of(SellerData.model_validate_json(raw)))
            else:
                self.index.upsert_product(ProductProfile.of(ProductData.model_validate_json(raw)))


def _order(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)


def _version_of(value: str) -> int:
    version = json.loads(value).get("version")
    return int(version) if isinstance(version, int) else 0
