"""Kafka clients configured the one way every service uses them."""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.settings import Settings

log = logging.getLogger(__name__)


def make_producer(settings: Settings, client_id: str) -> AIOKafkaProducer:
    """acks=all always; the idempotent producer only where the broker supports it."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=5,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        retry_backoff_ms=200,
    )


def make_consumer(settings: Settings, group_id: str, *topics: str) -> AIOKafkaConsumer:
    # "earliest" with committed offsets: Tansu answers latest-offset queries wrongly, and a new
    # group must see the whole history anyway to build its projection.
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.bootstrap_servers,
        group_id=group_id,
        client_id=f"{settings.service_name}-{group_id}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 20_000),
        max_poll_records=500,
        # A short long-poll: an idle topic's next event is fetched within ~50 ms, not 500.
        fetch_max_wait_ms=50,
    )


async def ensure_topics(settings: Settings, names: list[str]) -> None:
    """Create the topics that do not exist yet, with the configured partition count."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, client_id=f"{settings.service_name}-admin"
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name, num_partitions=settings.kafka_topic_partitions, replication_factor=1)
            for name in names
            if name not in existing
        ]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                log.info("topics created concurrently by another instance", extra={"topics": names})
    finally:
        await admin.close()
