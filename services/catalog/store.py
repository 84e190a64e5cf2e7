"""The catalog's Redis keys and transactions, outbox writes included.

One hash per seller aggregate (`seller`, `product:<id>`, `certification:<id>` fields) under the
hash tag of its outbox shard, so a change and the events announcing it commit in one MULTI/EXEC
on one Cluster slot. Optimistic concurrency: WATCH the hash, decide, write; retry on conflict.

Per-shard indexes, written in the same transaction: every seller id; the earliest end of a
seller's valid certificates (the expiry sweep); sellers with certificates awaiting review; and
each product's facets (what a catalogue listing filters on), so a listing reads small records
and loads whole aggregates only for the page it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from services.catalog.commands import Decision
from services.catalog.domain import (
    Certification,
    Product,
    ProductFacets,
    Seller,
    SellerCatalog,
    facets_of,
    seller_id_of,
)
from shared.contracts.catalog import CertificationStatus
from shared.errors import NotFound
from shared.outbox import Outbox
from shared.redis_client import text

SELLER_FIELD = "seller"
PRODUCT_PREFIX = "product:"
CERTIFICATION_PREFIX = "certification:"
Changed = TypeVar("Changed")


class CatalogStore:
    def __init__(self, redis: Redis, outbox: Outbox) -> None:
        self.redis = redis
        self.outbox = outbox

    def _key(self, seller_id: str) -> str:
        return f"{self.outbox.tag(seller_id)}:seller:{seller_id}"

    def _index(self, shard: int) -> str:
        return f"{self.outbox.shard_tag(shard)}:sellers"

    def _expiries(self, shard: int) -> str:
        return f"{self.outbox.shard_tag(shard)}:expiries"

    def _reviews(self, shard: int) -> str:
        return f"{self.outbox.shard_tag(shard)}:awaiting-review"

    def _facets(self, shard: int) -> str:
        return f"{self.outbox.shard_tag(shard)}:product-facets"

    async def load(self, seller_id: str) -> SellerCatalog:
        catalog = _decode(await self.redis.hgetall(self._key(seller_id)))
        if catalog is None:
            raise NotFound(f"no seller {seller_id}")
        return catalog

    async def load_product(self, product_id: str) -> tuple[SellerCatalog, Product]:
        """A product with its aggregate, whose certifications its readiness depends on."""
        try:
            catalog = await self.load(seller_id_of(product_id))
        except NotFound:
            raise NotFound(f"no product {product_id}") from None
        product = catalog.products.get(product_id)
        if product is None:
            raise NotFound(f"no product {product_id}")
        return catalog, product

    async def create(self, decision: Decision[Changed]) -> Decision[Changed]:
        """Commit a new aggregate; its id is fresh, so nothing can conflict with it."""
        async with self.redis.pipeline(transaction=True) as pipe:
            self._queue_commit(pipe, decision)
            await pipe.execute()
        return decision

    async def change(
        self, seller_id: str, decide: Callable[[SellerCatalog], Decision[Changed]]
    ) -> Decision[Changed]:
        """Load, decide, and commit the new state with its events atomically; returns the
        decision that was committed."""
        key = self._key(seller_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    current = _decode(await pipe.hgetall(key))
                    if current is None:
                        raise NotFound(f"no seller {seller_id}")
                    decision = decide(current)
                    if not decision.events:
                        await pipe.reset()
                        return decision
                    pipe.multi()
                    self._queue_commit(pipe, decision)
                    await pipe.execute()
                    return decision
                except WatchError:
                    # Another writer committed first: decide again on what it left.
                    continue

    def _queue_commit(self, pipe: Pipeline, decision: Decision[Any]) -> None:
        self._queue_write(pipe, decision.catalog)
        for event in decision.events:
            self.outbox.stage(pipe, event)

    def _queue_write(self, pipe: Pipeline, catalog: SellerCatalog) -> None:
        seller_id = catalog.seller.id
        shard = self.outbox.shard_of(seller_id)
        fields = {SELLER_FIELD: catalog.seller.model_dump_json()}
        for product_id, product in catalog.products.items():
            fields[PRODUCT_PREFIX + product_id] = product.model_dump_json()
        for certification_id, certification in catalog.certifications.items():
            fields[CERTIFICATION_PREFIX + certification_id] = certification.model_dump_json()
        pipe.hset(self._key(seller_id), mapping=fields)
        pipe.sadd(self._index(shard), seller_id)
        if catalog.products:
            # Rewritten whole with the aggregate: a seller's move to another province moves
            # every product's facets with it.
            facets = {
                product_id: facets_of(catalog.seller, product).model_dump_json()
                for product_id, product in catalog.products.items()
            }
            pipe.hset(self._facets(shard), mapping=facets)
        # The earliest end date among valid certificates, so the expiry sweep finds this seller.
        ends = [
            c.valid_until.toordinal()
            for c in catalog.certifications.values()
            if c.valid_until is not None and c.status is CertificationStatus.valid
        ]
        if ends:
            pipe.zadd(self._expiries(shard), {seller_id: min(ends)})
        else:
            pipe.zrem(self._expiries(shard), seller_id)
        # Sellers with a certificate awaiting review, so the certifiers' list reads only them.
        if any(c.status is CertificationStatus.submitted for c in catalog.certifications.values()):
            pipe.sadd(self._reviews(shard), seller_id)
        else:
            pipe.srem(self._reviews(shard), seller_id)

    async def product_ids(self, admits: Callable[[ProductFacets], bool]) -> list[str]:
        """The ids of the products whose facets `admits`, in id order: one read of each
        shard's facet index, no aggregate."""
        found: list[str] = []
        for shard in range(self.outbox.shards):
            for product_id, raw in (await self.redis.hgetall(self._facets(shard))).items():
                if admits(ProductFacets.model_validate_json(raw)):
                    found.append(text(product_id))
        return sorted(found)

    async def catalogs_of(self, product_ids: Sequence[str]) -> dict[str, SellerCatalog]:
        """The aggregates the given products belong to, by seller id, each read once."""
        seller_ids = sorted({seller_id_of(product_id) for product_id in product_ids})
        return {catalog.seller.id: catalog for catalog in await self._catalogs(seller_ids)}

    async def sellers(self) -> list[Seller]:
        """Every seller without its products and certificates: what a listing of sellers
        reads (one small field per seller, however many products it has)."""
        pipe = self.redis.pipeline(transaction=False)
        for seller_id in await self._members(self._index):
            pipe.hget(self._key(seller_id), SELLER_FIELD)
        return [Seller.model_validate_json(raw) for raw in await pipe.execute() if raw]

    async def catalogs_awaiting_review(self) -> list[SellerCatalog]:
        """The sellers with a submitted certificate."""
        return await self._catalogs(await self._members(self._reviews))

    async def _members(self, index: Callable[[int], str]) -> list[str]:
        """The seller ids of a per-shard index, every shard's, in id order."""
        found: list[str] = []
        for shard in range(self.outbox.shards):
            found += (text(s) for s in await self.redis.smembers(index(shard)))
        return sorted(found)

    async def _catalogs(self, seller_ids: list[str]) -> list[SellerCatalog]:
        pipe = self.redis.pipeline(transaction=False)
        for seller_id in seller_ids:
            pipe.hgetall(self._key(seller_id))
        return [c for c in map(_decode, await pipe.execute()) if c is not None]

    async def sellers_with_certifications_ending_before(self, ordinal: int) -> list[str]:
        due: list[str] = []
        for shard in range(self.outbox.shards):
            members = await self.redis.zrangebyscore(self._expiries(shard), "-inf", ordinal - 1)
            due.extend(text(member) for member in members)
        return due


def _decode(raw: dict[bytes, bytes]) -> SellerCatalog | None:
    if not raw:
        return None
    fields = {text(name): value for name, value in raw.items()}
    seller = Seller.model_validate_json(fields[SELLER_FIELD])
    products = {
        name.removeprefix(PRODUCT_PREFIX): Product.model_validate_json(value)
        for name, value in fields.items()
        if name.startswith(PRODUCT_PREFIX)
    }
    certifications = {
        name.removeprefix(CERTIFICATION_PREFIX): Certification.model_validate_json(value)
        for name, value in fields.items()
        if name.startswith(CERTIFICATION_PREFIX)
    }
    return SellerCatalog(seller=seller, products=products, certifications=certifications)
