"""List and replay a consumer group's dead letters.

    python -m shared.deadletters list --group matching
    python -m shared.deadletters replay --group matching [--id EVENT_ID ...]

A dead letter is the original record (same key, value and headers) plus `dlq_*` headers saying
why it failed and where it came from. Replaying publishes the original record back to its topic;
consumers are idempotent, so replaying one that had meanwhile been applied changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict, dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.contracts import topics
from shared.kafka import make_producer
from shared.settings import Settings, get_settings


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    partition: int
    key: str | None
    event_id: str | None
    event_type: str | None
    reason: str
    detail: str
    topic: str
    original_partition: int
    original_offset: int
    failed_at: str

    @classmethod
    def from_record(
        cls, record: object
    ) -> tuple[DeadLetter, bytes | None, list[tuple[str, bytes]]]:
        headers = list(getattr(record, "headers", ()) or ())
        text = {name: value.decode(errors="replace") for name, value in headers}
        key = getattr(record, "key", None)
        letter = cls(
            offset=int(getattr(record, "offset", -1)),
            partition=int(getattr(record, "partition", -1)),
            key=key.decode(errors="replace") if isinstance(key, bytes) else None,
            event_id=text.get("ce_id"),
            event_type=text.get("ce_type"),
            reason=text.get("dlq_reason", "unknown"),
            detail=text.get("dlq_detail", ""),
            topic=text.get("dlq_topic", ""),
            original_partition=int(text.get("dlq_partition", "-1")),
            original_offset=int(text.get("dlq_offset", "-1")),
            failed_at=text.get("dlq_time", ""),
        )
        original_headers = [(n, v) for n, v in headers if not n.startswith("dlq_")]
        return letter, getattr(record, "value", None), original_headers


async def read_dead_letters(
    settings: Settings, group: str, idle_s: float = 1.0
) -> list[tuple[DeadLetter, bytes | None, list[tuple[str, bytes]], bytes | None]]:
    """Every dead letter of `group`, oldest first per partition.

    Reads until the topic has been idle for `idle_s`: the end offset cannot be trusted on every
    broker we run on (Tansu answers it wrongly)."""
    topic = topics.dead_letter_topic(group)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    letters = []
    try:
        partitions = await consumer._client._wait_on_metadata(topic)
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions or ())])
        await consumer.seek_to_beginning()
        while True:
            batches = await consumer.getmany(timeout_ms=int(idle_s * 1000))
            if not batches:
                break
            for records in batches.values():
                for record in records:
                    letter, value, headers = DeadLetter.from_record(record)
                    letters.append((letter, value, headers, record.key))
    finally:
        await consumer.stop()
    return letters


async def replay(settings: Settings, group: str, event_ids: set[str] | None = None) -> int:
    """Publish the chosen dead letters (all when `event_ids` is None) back to their topics."""
    producer = make_producer(settings, f"{group}-replay")
    await producer.start()
    replayed = 0
    try:
        for letter, value, headers, key in await read_dead_letters(settings, group):
            if event_ids is not None and letter.event_id not in event_ids:
                continue
            if not letter.topic:
                continue
            await producer.send_and_wait(letter.topic, value=value, key=key, headers=headers)
            replayed += 1
    finally:
        await producer.stop()
    return replayed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="List or replay dead letters of a consumer group")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("--group", required=True, help="consumer group, e.g. matching")
    parser.add_argument("--id", action="append", dest="ids", help="replay only this event id")
    arguments = parser.parse_args(argv)
    settings = get_settings()
    if arguments.action == "list":
        for letter, *_ in asyncio.run(read_dead_letters(settings, arguments.group)):
            print(json.dumps(asdict(letter), ensure_ascii=False))
    else:
        ids = set(arguments.ids) if arguments.ids else None
        print(f"replayed {asyncio.run(replay(settings, arguments.group, ids))} dead letters")


if __name__ == "__main__":
    main()
