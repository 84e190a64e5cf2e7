"""Transactional outbox over Redis, and the relay that publishes it to Kafka.

A service stages each event in the same MULTI/EXEC as the state change it announces (so both
happen or neither does), into one of `shards` Redis streams chosen by aggregate id. Keys of one
aggregate and its outbox stream share a hash tag, so the transaction stays in one Redis Cluster
slot. The relay publishes each stream in order with acks=all and deletes an entry only once the
broker has acknowledged it; after a failure it starts again from the first unacknowledged entry,
so a broker outage delays events but loses none (consumers drop the duplicates by event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from shared.contracts import Event
from shared.envelope import Envelope
from shared.observability import current_correlation_id
from shared.redis_client import text

log = logging.getLogger(__name__)

PUBLISHED = Counter("outbox_published_total", "Outbox entries acknowledged by Kafka", ["service"])
PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Failed relay rounds", ["service"])
BACKLOG = Gauge("outbox_backlog", "Outbox entries waiting to be published", ["service"])

# Renew a lease only if we still hold it: a paused relay must not extend another's lease.
_RENEW_LEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class Outbox:
    """Where a service's events wait for the relay: naming, sharding and staging."""

    def __init__(self, service: str, shards: int, source: str) -> None:
        self.service = service
        self.shards = shards
        self.source = source

    def shard_of(self, aggregate_id: str) -> int:
        return zlib.crc32(aggregate_id.encode()) % self.shards

    def tag(self, aggregate_id: str) -> str:
        """The Redis hash tag of an aggregate's keys, shared with its outbox shard."""
        return self.shard_tag(self.shard_of(aggregate_id))

    def shard_tag(self, shard: int) -> str:
        return f"{{{self.service}.{shard}}}"

    def stream(self, shard: int) -> str:
        return f"{self.shard_tag(shard)}:outbox"

    def stream_of(self, aggregate_id: str) -> str:
        return f"{self.tag(aggregate_id)}:outbox"

    def stage(self, pipe: Pipeline, event: Event, shard_key: str | None = None) -> str:
        """Queue `event` in the caller's MULTI; returns the event id.

        The outbox shard follows the event's Kafka key unless `shard_key` names the aggregate
        whose keys the transaction writes (they must share its hash tag); events of one Kafka
        key must always use the same shard key, so that they stay in order."""
        stream, entry = self.entry(event, shard_key)
        pipe.xadd(stream, entry)
        return entry["id"]

    def entry(self, event: Event, shard_key: str | None = None) -> tuple[str, dict[str, str]]:
        """The outbox stream of `event` and the entry to append to it."""
        envelope, key = Envelope.wrap(event, self.source, current_correlation_id())
        return self.stream_of(shard_key or key), _entry(envelope, event.topic, key)


def _entry(envelope: Envelope, topic: str, key: str) -> dict[str, str]:
    """The record as the relay sends it, encoded once here as one field: the relay then parses
    one string per entry instead of a field per header."""
    headers = [[name, value.decode()] for name, value in envelope.headers()]
    record = {"t": topic, "k": key, "v": envelope.value().decode(), "h": headers}
    return {"r": json.dumps(record, separators=(",", ":"), ensure_ascii=False), "id": envelope.id}


Record = tuple[str, bytes, bytes, list[tuple[str, bytes]]]


def _record(fields: dict[bytes, bytes]) -> Record:
    record = json.loads(fields[b"r"])
    headers = [(name, value.encode()) for name, value in record["h"]]
    return record["t"], record["k"].encode(), record["v"].encode(), headers


class OutboxRelay:
    """Publishes outbox streams to Kafka; one relay per shard at a time, chosen by a lease."""

    def __init__(
        self,
        redis: Redis,
        outbox: Outbox,
        producer_factory: Callable[[], AIOKafkaProducer],
        batch_size: int = 2000,
        lease_ms: int = 15_000,
    ) -> None:
        self.redis = redis
        self.outbox = outbox
        self.producer_factory = producer_factory
        self.batch_size = batch_size
        self.lease_ms = lease_ms
        self.instance = uuid.uuid4().hex
        self.held: set[int] = set()
        self.cursors: dict[int, str] = {}
        self._producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self._renew: Callable[..., Awaitable[Any]] = redis.register_script(_RENEW_LEASE)
        self._last_lease_check = 0.0

    async def run(self) -> None:
        backoff = 0.2
        while not self._stopping.is_set():
            try:
                await self._refresh_leases()
                published = await self._relay_once()
                backoff = 0.2
                if not published and not self.held:
                    await self._sleep(self.lease_ms / 3000)
            except asyncio.CancelledError:
                raise
            except Exception:
                PUBLISH_FAILURES.labels(self.outbox.service).inc()
                log.warning("outbox relay round failed; retrying", exc_info=True)
                await self._drop_producer()
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        await self._drop_producer()
        await self._release_leases()

    async def stop(self) -> None:
        self._stopping.set()

    async def backlog(self) -> int:
        pipe = self.redis.pipeline(transaction=False)
        for shard in range(self.outbox.shards):
            pipe.xlen(self.outbox.stream(shard))
        total = sum(await pipe.execute())
        BACKLOG.labels(self.outbox.service).set(total)
        return int(total)

    async def _relay_once(self) -> int:
        if not self.held:
            return 0
        streams = {self.outbox.stream(shard): self.cursors.get(shard, "0-0") for shard in self.held}
        response = await self.redis.xread(streams, count=self.batch_size, block=200)
        if not response:
            return 0
        producer = await self._ensure_producer()
        # Send every shard's entries before awaiting any acknowledgement: the producer batches
        # them per partition, and per-key order holds because each stream is sent in order.
        sent: list[tuple[str, list[tuple[str, asyncio.Future[Any]]]]] = []
        for stream_name, entries in response:
            pending = []
            for entry_id, fields in entries:
                topic, key, value, headers = _record(fields)
                future = await producer.send(topic, value=value, key=key, headers=headers)
                pending.append((text(entry_id), future))
            sent.append((text(stream_name), pending))
        return await self._acknowledge(sent)

    async def _acknowledge(self, sent: list[tuple[str, list[tuple[str, Any]]]]) -> int:
        """Delete what the broker acknowledged, in order per stream; raise if anything failed."""
        published = 0
        failure: BaseException | None = None
        pipe = self.redis.pipeline(transaction=False)
        for stream, pending in sent:
            outcomes = await asyncio.gather(*(f for _, f in pending), return_exceptions=True)
            acknowledged = []
            for (entry_id, _), outcome in zip(pending, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    failure = failure or outcome
                    break  # keep order: the rest of this stream goes again after this one
                acknowledged.append(entry_id)
            if acknowledged:
                pipe.xdel(stream, *acknowledged)
                self.cursors[self._shard_of_stream(stream)] = acknowledged[-1]
                published += len(acknowledged)
        if published:
            await pipe.execute()
            PUBLISHED.labels(self.outbox.service).inc(published)
        if failure is not None:
            raise RuntimeError(f"broker did not acknowledge an outbox entry: {failure!r}")
        return published

    async def _refresh_leases(self) -> None:
        now = time.monotonic()
        if now - self._last_lease_check < self.lease_ms / 3000:
            return
        self._last_lease_check = now
        for shard in range(self.outbox.shards):
            lease = f"{self.outbox.shard_tag(shard)}:outbox:lease"
            if shard in self.held:
                if await self._renew(keys=[lease], args=[self.instance, self.lease_ms]):
                    continue
                self.held.discard(shard)
                log.info("outbox lease lost", extra={"shard": shard})
            if await self.redis.set(lease, self.instance, nx=True, px=self.lease_ms):
                self.held.add(shard)
                self.cursors[shard] = "0-0"

    async def _release_leases(self) -> None:
        for shard in list(self.held):
            lease = f"{self.outbox.shard_tag(shard)}:outbox:lease"
            try:
                if text(await self.redis.get(lease) or b"") == self.instance:
                    await self.redis.delete(lease)
            except Exception:
                log.info("could not release outbox lease", extra={"shard": shard})
        self.held.clear()

    def _shard_of_stream(self, stream: str) -> int:
        return int(stream.split(".", 1)[1].split("}", 1)[0])

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self.producer_factory()
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        # Entries whose fate is unknown are re-read from the stream after a failure.
        self.cursors = dict.fromkeys(self.held, "0-0")
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except Exception:
                log.info("producer did not stop cleanly", exc_info=True)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
