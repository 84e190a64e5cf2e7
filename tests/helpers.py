"""What the integration and end-to-end tests share: reading a topic as any Kafka client would,
and waiting for a condition with a deadline (never a bare sleep)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from shared.settings import Settings

T = TypeVar("T")


async def read_topic(
    settings: Settings,
    topic: str,
    until: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    timeout: float = 30.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of `topic` from the beginning, read by a raw consumer with no group, until
    `until(records)` holds; fails the test at the deadline."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + timeout
        partitions: set[int] | None = None
        while not partitions:
            partitions = await consumer._client._wait_on_metadata(topic)
            if time.monotonic() > deadline:
                raise AssertionError(f"topic {topic} does not exist")
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        await consumer.seek_to_beginning()
        while not until(records):
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met on {topic}; {len(records)} records read")
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def read_all(settings: Settings, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of `topic`, from the beginning to its end as of now."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False
    )
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        remaining = {tp for tp in partitions if end[tp] > 0}
        while remaining:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
            remaining = {tp for tp in remaining if await consumer.position(tp) < end[tp]}
        return records
    finally:
        await consumer.stop()


async def produce_raw(
    settings: Settings,
    topic: str,
    value: bytes | None,
    headers: list[tuple[str, bytes]],
    key: bytes | None = None,
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def eventually(
    probe: Callable[[], Awaitable[T]],
    accept: Callable[[T], bool] = bool,
    timeout: float = 30.0,
    interval: float = 0.05,
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s; last value: {value!r}")
        await asyncio.sleep(interval)


def headers_of(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def seller_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Kelompok Tenun Ikat Sumba Timur",
        "province": "ID-NT",
        "regency": "Sumba Timur",
        "sectors": ["woven_textiles"],
        "languages": ["id", "en"],
        "sales_terms": ["consignment", "outright_purchase"],
        "export_countries": ["AU"],
    }
    body.update(overrides)
    return body


def product_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": {"id": "Kain tenun ikat Sumba motif kuda", "en": "Sumba ikat cloth, horse motif"},
        "hs_code": "580810",
        "sector": "woven_textiles",
        "unit": "piece",
        "monthly_capacity": 40,
        "minimum_order": 2,
        "branded": True,
    }
    body.update(overrides)
    return body
