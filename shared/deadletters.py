"""List and replay a consumer group's dead letters.

    python -m shared.deadletters groups
    python -m shared.deadletters list --group matching.catalog
    python -m shared.deadletters replay --group matching.catalog [--id EVENT_ID ...]

A dead letter is the original record (same key, value and headers) plus `dlq_*` headers saying
why it failed and where it came from. Replaying publishes the original record to the group's
own retry topic, which no other group reads, and then marks the letter as replayed (a marker
record on the dead-letter topic), so it is never sent twice; if it fails again, that is a new
letter. Consumers are idempotent: replaying one applied meanwhile changes nothing.
With no KAFKA_BOOTSTRAP_SERVERS set, the commands use the broker of a running local stack.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict, dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.contracts import topics
from shared.contracts.consumers import GROUPS
from shared.kafka import make_producer
from shared.settings import Settings, local_settings


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


REPLAYED = "dlq_replayed"  # header of a marker record: "<partition>:<offset>" of a letter replayed


async def read_dead_letters(
    settings: Settings, group: str, idle_s: float = 1.0
) -> list[tuple[DeadLetter, bytes | None, list[tuple[str, bytes]], bytes | None]]:
    """Every dead letter of `group` not yet replayed, oldest first per partition.

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
    replayed: set[str] = set()
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
                    marked = dict(record.headers or ()).get(REPLAYED)
                    if marked is not None:
                        replayed.add(marked.decode())
                        continue
                    letter, value, headers = DeadLetter.from_record(record)
                    letters.append((letter, value, headers, record.key))
    finally:
        await consumer.stop()
    return [item for item in letters if f"{item[0].partition}:{item[0].offset}" not in replayed]


async def replay(settings: Settings, group: str, event_ids: set[str] | None = None) -> int:
    """Publish the chosen dead letters (all when `event_ids` is None) to the group's retry
    topic, each followed by its marker: a letter is replayed at most once."""
    producer = make_producer(settings, f"{group}-replay")
    await producer.start()
    replayed = 0
    try:
        for letter, value, headers, key in await read_dead_letters(settings, group):
            if event_ids is not None and letter.event_id not in event_ids:
                continue
            if not letter.topic:
                continue
            retried = [*headers, (topics.RETRY_OF, letter.topic.encode())]
            await producer.send_and_wait(
                topics.retry_topic(group), value=value, key=key, headers=retried
            )
            marker = [(REPLAYED, f"{letter.partition}:{letter.offset}".encode())]
            await producer.send_and_wait(
                topics.dead_letter_topic(group), value=b"", key=key, headers=marker
            )
            replayed += 1
    finally:
        await producer.stop()
    return replayed


def main(argv: list[str] | None = None) -> None:
    names = [group.name for group in GROUPS]
    parser = argparse.ArgumentParser(
        description="List consumer groups, or list or replay the dead letters of one",
        epilog=f"consumer groups: {', '.join(names)}",
    )
    parser.add_argument("action", choices=["groups", "list", "replay"])
    parser.add_argument("--group", choices=names, help="consumer group (list and replay)")
    parser.add_argument("--id", action="append", dest="ids", help="replay only this event id")
    arguments = parser.parse_args(argv)
    settings = local_settings()
    if arguments.action == "groups":
        for group in GROUPS:
            pending = len(asyncio.run(read_dead_letters(settings, group.name, idle_s=0.5)))
            print(
                f"{group.name:18} reads {group.topic:9} {pending} dead letters  {group.description}"
            )
        return
    if arguments.group is None:
        parser.error(f"{arguments.action} needs --group (one of {', '.join(names)})")
    letters = asyncio.run(read_dead_letters(settings, arguments.group))
    if not letters:
        print(f"{arguments.group} has no dead letters waiting")
    elif arguments.action == "list":
        for letter, *_ in letters:
            print(json.dumps(asdict(letter), ensure_ascii=False))
    else:
        ids = set(arguments.ids) if arguments.ids else None
        print(f"replayed {asyncio.run(replay(settings, arguments.group, ids))} dead letters")


if __name__ == "__main__":
    main()
