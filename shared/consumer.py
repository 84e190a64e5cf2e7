"""The consumer runner every service uses: one consumer group, effects applied once, offsets
committed after the effect, transient failures retried, everything else dead-lettered.

A handler applies its effect with `apply_once`, which records the event id in the same Redis
transaction as the effect: a redelivered event (after a crash, a rebalance or a replay) then
changes nothing. A record that is not a valid event of a known type, or whose handler fails for
a reason other than an outage, is published unchanged to the group's dead-letter topic with the
reason in headers; the consumer commits past it and goes on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Histogram
from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from shared.contracts import Event, topics
from shared.contracts.consumers import ConsumerGroup
from shared.envelope import Envelope, InvalidEvent, parse_record
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.observability import use_correlation_id
from shared.settings import Settings

log = logging.getLogger(__name__)

CONSUMED = Counter("events_consumed_total", "Events handled", ["group", "type", "outcome"])
DEAD_LETTERED = Counter("events_dead_lettered_total", "Records dead-lettered", ["group", "reason"])
HANDLE_SECONDS = Histogram("event_handle_seconds", "Time to handle one event", ["group"])
MARKER_TTL_SECONDS = 30 * 24 * 3600  # far longer than any redelivery or replay window
NON_TRANSIENT_ATTEMPTS = 3

Handler = Callable[[Event, Envelope], Awaitable[None]]
E = TypeVar("E", bound=Event)
# Applies a run of consecutive events at once (say, in one Redis pipeline); must be as
# idempotent as the single handlers, which take over one by one if the batch fails.
BatchHandler = Callable[[list[tuple[Event, Envelope]]], Awaitable[None]]


class RetryLater(Exception):
    """The event cannot be applied yet (say, it refers to something not seen yet): retry it."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.BusyLoadingError,
    redis_errors.TryAgainError,
    ConnectionError,
    TimeoutError,
    RetryLater,
)


async def apply_once(
    redis: Redis,
    marker: str,
    effect: Callable[[Pipeline], Awaitable[None]],
    watch: Sequence[str] = (),
) -> bool:
    """Run `effect` and record `marker` in one transaction, unless the marker exists already.

    `effect` gets the pipeline after WATCH, so it may read; it must call `pipe.multi()` before
    queueing writes (it is called for it when the effect only writes). Returns False when the
    event had already been applied.
    """
    async with redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(marker, *watch)
                if await pipe.exists(marker):
                    await pipe.reset()
                    return False
                await effect(pipe)
                if not pipe.explicit_transaction:
                    pipe.multi()
                pipe.set(marker, b"1", ex=MARKER_TTL_SECONDS)
                await pipe.execute()
                return True
            except redis_errors.WatchError:
                continue


class HandlerRegistry:
    """A consumer group's handlers, one per event class, each given the typed event.

    The group's contract (`shared.contracts.consumers`) says which types it acts on; handling
    one it does not declare, or leaving one out, fails when the service assembles."""

    def __init__(self, group: ConsumerGroup) -> None:
        self.group = group
        self._handlers: dict[str, Handler] = {}

    def on(self, event_class: type[E], handler: Callable[[E, Envelope], Awaitable[None]]) -> None:
        if event_class not in self.group.receives:
            raise ValueError(f"{self.group.name} does not declare {event_class.type}")

        async def typed(event: Event, envelope: Envelope) -> None:
            if not isinstance(event, event_class):
                raise TypeError(f"{envelope.type} carried a {type(event).__name__}")
            await handler(event, envelope)

        self._handlers[event_class.type] = typed

    def handlers(self) -> dict[str, Handler]:
        missing = [c.type for c in self.group.receives if c.type not in self._handlers]
        if missing:
            raise ValueError(f"{self.group.name} has no handler for {', '.join(missing)}")
        return dict(self._handlers)

    def runner(
        self, settings: Settings, batch_handler: BatchHandler | None = None
    ) -> ConsumerRunner:
        return ConsumerRunner(
            settings,
            self.group.name,
            [self.group.topic],
            self.handlers(),
            batch_handler=batch_handler,
        )


@dataclass(frozen=True)
class Failure:
    reason: str
    detail: str


class ConsumerRunner:
    """Consumes `topics` in `group_id` and dispatches each event type to its handler.

    Types missing from `handlers` but known to the contracts are skipped (not this consumer's
    business); unknown types and invalid records are dead-lettered.
    """

    def __init__(
        self,
        settings: Settings,
        group_id: str,
        subscribed: Sequence[str],
        handlers: Mapping[str, Handler],
        retry_backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        self.settings = settings
        self.group_id = group_id
        self.subscribed = list(subscribed)
        self.handlers = dict(handlers)
        self.batch_handler = batch_handler
        self.retry_backoff_s = retry_backoff_s
        self.max_backoff_s = max_backoff_s
        self.dead_letter_topic = topics.dead_letter_topic(group_id)
        self.retry_topic = topics.retry_topic(group_id)
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self.assigned = asyncio.Event()

    async def run(self) -> None:
        reading = [*self.subscribed, self.retry_topic]
        await ensure_topics(self.settings, [*reading, self.dead_letter_topic])
        self._consumer = make_consumer(self.settings, self.group_id, *reading)
        self._producer = make_producer(self.settings, f"{self.group_id}-dead-letters")
        await self._producer.start()
        await self._consumer.start()
        try:
            while not self._stopping.is_set():
                batches = await self._consumer.getmany(timeout_ms=500, max_records=500)
                if self._consumer.assignment():
                    self.assigned.set()
                for partition, records in batches.items():
                    await self._handle_partition(partition, records)
        finally:
            await self._shutdown()

    async def stop(self) -> None:
        self._stopping.set()

    async def _handle_partition(
        self, partition: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]
    ) -> None:
        assert self._consumer is not None
        next_offset = None
        try:
            if self.batch_handler is not None and await self._handle_batch(records):
                next_offset = records[-1].offset + 1
                return
            for record in records:
                if self._stopping.is_set():
                    break
                await self._handle_record(record)
                next_offset = record.offset + 1
        finally:
            # Committed once per batch: a crash before this redelivers at most the batch, and
            # the markers written with each effect make the redelivery harmless.
            if next_offset is not None:
                try:
                    await self._consumer.commit({partition: next_offset})
                except KafkaError:
                    log.warning("commit failed; the batch may be redelivered", exc_info=True)

    async def _handle_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        """All of a partition's batch through the batch handler, when every record is a valid
        event this consumer handles; False to take them one by one (dead-lettering what must
        be, retrying what may be)."""
        assert self.batch_handler is not None
        batch: list[tuple[Event, Envelope]] = []
        for record in records:
            try:
                envelope = parse_record(record.value, record.headers)
                event = envelope.event()
            except InvalidEvent:
                return False
            if _forbidden_source(record, envelope) is not None:
                return False
            if envelope.type not in self.handlers:
                continue  # not this consumer's business, as one by one
            batch.append((event, envelope))
        if not batch:
            return True
        started = time.perf_counter()
        try:
            await self.batch_handler(batch)
        except Exception:
            log.info("batch failed; handling its events one by one", exc_info=True)
            return False
        for _, envelope in batch:
            CONSUMED.labels(self.group_id, envelope.type, "applied").inc()
        HANDLE_SECONDS.labels(self.group_id).observe((time.perf_counter() - started) / len(batch))
        return True

    async def _handle_record(self, record: ConsumerRecord[bytes, bytes]) -> None:
        started = time.perf_counter()
        # Each line logged carries this record's correlation id, or none: never an earlier one's.
        use_correlation_id(None)
        try:
            envelope = parse_record(record.value, record.headers)
            event = envelope.event()
        except InvalidEvent as invalid:
            await self._dead_letter(record, Failure(invalid.reason, invalid.detail))
            return
        use_correlation_id(envelope.correlation_id)
        forbidden = _forbidden_source(record, envelope)
        if forbidden is not None:
            await self._dead_letter(record, forbidden)
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            CONSUMED.labels(self.group_id, envelope.type, "skipped").inc()
            return
        failure = await self._apply_with_retries(handler, event, envelope)
        if failure is not None:
            await self._dead_letter(record, failure)
        else:
            CONSUMED.labels(self.group_id, envelope.type, "applied").inc()
        HANDLE_SECONDS.labels(self.group_id).observe(time.perf_counter() - started)

    async def _apply_with_retries(
        self, handler: Handler, event: Event, envelope: Envelope
    ) -> Failure | None:
        backoff = self.retry_backoff_s
        attempts = 0
        while True:
            try:
                await handler(event, envelope)
                return None
            except TRANSIENT_ERRORS as transient:
                # An outage is not the event's fault: wait for it to pass, never dead-letter.
                log.warning(
                    "transient failure handling event; retrying",
                    extra={
                        "event_id": envelope.id,
                        "type": envelope.type,
                        "error": repr(transient),
                    },
                )
            except Exception as error:
                attempts += 1
                log.warning(
                    "handler failed",
                    exc_info=True,
                    extra={"event_id": envelope.id, "type": envelope.type, "attempt": attempts},
                )
                if attempts >= NON_TRANSIENT_ATTEMPTS:
                    return Failure("handler-error", f"{type(error).__name__}: {error}"[:1000])
            if self._stopping.is_set():
                raise asyncio.CancelledError("stopping with the event unapplied; it is redelivered")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff_s)

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], failure: Failure) -> None:
        assert self._producer is not None
        headers = [*(record.headers or ()), *self._failure_headers(record, failure)]
        while True:
            try:
                await self._producer.send_and_wait(
                    self.dead_letter_topic, value=record.value, key=record.key, headers=headers
                )
                break
            except KafkaError:
                log.warning("dead-letter topic unreachable; retrying", exc_info=True)
                await asyncio.sleep(self.retry_backoff_s)
        DEAD_LETTERED.labels(self.group_id, failure.reason).inc()
        log.error(
            "record dead-lettered",
            extra={
                "reason": failure.reason,
                "detail": failure.detail,
                "topic": original_topic(record),
                "partition": record.partition,
                "offset": record.offset,
            },
        )

    def _failure_headers(
        self, record: ConsumerRecord[bytes, bytes], failure: Failure
    ) -> list[tuple[str, bytes]]:
        values: dict[str, Any] = {
            "dlq_reason": failure.reason,
            "dlq_detail": failure.detail,
            "dlq_group": self.group_id,
            "dlq_topic": original_topic(record),
            "dlq_partition": record.partition,
            "dlq_offset": record.offset,
            "dlq_time": dt.datetime.now(dt.UTC).isoformat(),
        }
        return [(name, str(value).encode()) for name, value in values.items()]

    async def _shutdown(self) -> None:
        for client in (self._consumer, self._producer):
            if client is not None:
                try:
                    await asyncio.wait_for(client.stop(), timeout=10)
                except Exception:
                    log.info("kafka client did not stop cleanly", exc_info=True)


def _forbidden_source(record: ConsumerRecord[bytes, bytes], envelope: Envelope) -> Failure | None:
    """Why the record's source may not write its topic (None: it may, or the topic is not one
    of ours, as in tests)."""
    topic = original_topic(record)
    allowed = topics.WRITERS.get(topic)
    if allowed is None or envelope.source == allowed:
        return None
    return Failure(
        "forbidden-source", f"{envelope.source} may not write {topic}; only {allowed} does"
    )


def original_topic(record: ConsumerRecord[bytes, bytes]) -> str:
    """The topic a record was first published to (a replayed one arrives on a retry topic)."""
    for name, value in record.headers or ():
        if name == topics.RETRY_OF:
            return bytes(value).decode(errors="replace")
    return str(record.topic)
