"""Rebuild the matching read model from scratch by replaying the `catalog` and `expo` topics.

    python -m services.matching.rebuild            # into a scratch prefix; compare with live
    python -m services.matching.rebuild --live     # replace the live model (service stopped)

Exit code 0 when the rebuilt model equals the live one (or after --live), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from redis.asyncio import Redis

from services.matching.readmodel import LIVE, PROJECTED_TYPES, ReadModel
from shared.contracts import topics
from shared.envelope import InvalidEvent, parse_record
from shared.redis_client import make_redis
from shared.settings import Settings, get_settings

SCRATCH = "{matching-model-rebuild}"
PROJECTED = {event_type.type for event_type in PROJECTED_TYPES}


async def rebuild(settings: Settings, redis: Redis, prefix: str) -> int:
    """Replay both topics up to their current end into an emptied model; returns events applied."""
    model = ReadModel(redis, prefix)
    await model.clear()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    applied = 0
    try:
        partitions = [
            TopicPartition(topic, partition)
            for topic in (topics.CATALOG, topics.EXPO)
            for partition in sorted(
                consumer.partitions_for_topic(topic) or await _partitions(consumer, topic)
            )
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if end[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=500)
            for records in batches.values():
                for record in records:
                    try:
                        envelope = parse_record(record.value, record.headers)
                        if envelope.type in PROJECTED:
                            applied += await model.apply(envelope.event(), envelope.id)
                    except InvalidEvent:
                        continue  # dead-lettered when it was first consumed
            for tp in list(remaining):
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return applied


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # a fresh consumer has none
    return consumer.partitions_for_topic(topic) or {0}


def differences(live: dict[str, Any], rebuilt: dict[str, Any]) -> list[str]:
    names = sorted(set(live) | set(rebuilt))
    return [name for name in names if live.get(name) != rebuilt.get(name)]


async def main_async(live: bool) -> int:
    settings = get_settings()
    redis = make_redis(settings)
    try:
        prefix = LIVE if live else SCRATCH
        applied = await rebuild(settings, redis, prefix)
        print(f"replayed {applied} events into {prefix}")
        if live:
            return 0
        different = differences(
            await ReadModel(redis, LIVE).snapshot(), await ReadModel(redis, SCRATCH).snapshot()
        )
        if different:
            print(f"{len(different)} entities differ from the live model, e.g. {different[:5]}")
            return 1
        print("the rebuilt model equals the live one")
        return 0
    finally:
        await redis.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--live", action="store_true", help="rebuild the live model in place")
    return asyncio.run(main_async(parser.parse_args(argv).live))


if __name__ == "__main__":
    sys.exit(main())
