"""Nothing lost, nothing doubled, against the real broker and Redis: the outbox relay rides out
a broker pause, a Redis kill loses no acknowledged write, a redelivered event has no second
effect, and poison messages go to the dead-letter topic while the consumer keeps going."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.consumer import ConsumerRunner, apply_once
from shared.contracts import Event, topics
from shared.contracts.catalog import SellerDelisted
from shared.deadletters import read_dead_letters, replay
from shared.envelope import Envelope
from shared.kafka import ensure_topics
from tests.helpers import (
    eventually,
    headers_of,
    produce_raw,
    read_topic,
    seller_body,
    unique,
)
from tests.infrastructure import require_local_broker, require_local_redis

pytestmark = pytest.mark.integration


class DelistingCounter:
    """A tiny real projection: counts how often each seller's delisting took effect."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def handle(self, event: Event, envelope: Envelope) -> None:
        assert isinstance(event, SellerDelisted)
        if await self.redis.sismember(f"{self.prefix}:broken", event.seller_id):
            raise ValueError(f"cannot handle {event.seller_id} (a bug)")

        async def effect(pipe) -> None:
            pipe.multi()
            pipe.hincrby(f"{self.prefix}:effects", event.seller_id, 1)

        await apply_once(self.redis, f"{self.prefix}:seen:{envelope.id}", effect)

    async def effects(self, seller_id: str) -> int:
        return int(await self.redis.hget(f"{self.prefix}:effects", seller_id) or 0)


@pytest.fixture
async def consumer_setup(settings, redis) -> AsyncIterator[tuple[str, str, DelistingCounter]]:
    topic, group = unique("delivery-test"), unique("delivery-group")
    await ensure_topics(settings, [topic])
    counter = DelistingCounter(redis, unique("projection"))
    runner = ConsumerRunner(settings, group, [topic], {SellerDelisted.type: counter.handle})
    task = asyncio.create_task(runner.run())
    yield topic, group, counter
    await runner.stop()
    await asyncio.wait_for(task, timeout=20)


def record_of(event: Event, event_id: str | None = None) -> tuple[bytes, list[tuple[str, bytes]]]:
    envelope, _ = Envelope.wrap(event, "/tests")
    if event_id:
        envelope = Envelope(
            type=envelope.type, source=envelope.source, data=envelope.data, id=event_id
        )
    return envelope.value(), envelope.headers()


async def test_redelivered_event_has_no_second_effect(settings, consumer_setup):
    topic, _, counter = consumer_setup
    value, headers = record_of(SellerDelisted(seller_id="slr-twice", version=2), unique("evt"))
    await produce_raw(settings, topic, value, headers, key=b"slr-twice")
    await produce_raw(settings, topic, value, headers, key=b"slr-twice")  # the redelivery
    follow_up, follow_headers = record_of(SellerDelisted(seller_id="slr-after", version=2))
    await produce_raw(settings, topic, follow_up, follow_headers, key=b"slr-after")

    await eventually(lambda: counter.effects("slr-after"), lambda n: n == 1)
    assert await counter.effects("slr-twice") == 1


async def test_poison_messages_are_dead_lettered_with_reason_and_consumer_continues(
    settings, consumer_setup
):
    topic, group, counter = consumer_setup
    base = [
        ("ce_specversion", b"1.0"),
        ("ce_source", b"/tests"),
        ("content-type", b"application/json"),
    ]
    await produce_raw(settings, topic, b"\x00\x01 not json", [], key=b"junk")
    await produce_raw(
        settings, topic, b"{}", [*base, ("ce_id", b"u1"), ("ce_type", b"catalog.seller.teleported")]
    )
    await produce_raw(
        settings,
        topic,
        b'{"seller_id": 7}',
        [*base, ("ce_id", b"s1"), ("ce_type", b"catalog.seller.delisted")],
    )
    value, headers = record_of(SellerDelisted(seller_id="slr-good", version=2))
    await produce_raw(settings, topic, value, headers, key=b"slr-good")

    await eventually(lambda: counter.effects("slr-good"), lambda n: n == 1)
    records = await read_topic(
        settings, topics.dead_letter_topic(group), until=lambda rs: len(rs) >= 3
    )
    reasons = sorted(headers_of(r)["dlq_reason"] for r in records)
    assert reasons == ["not-a-cloudevent", "schema-violation", "unknown-type"]
    junk = next(r for r in records if r.key == b"junk")
    assert junk.value == b"\x00\x01 not json"  # the original bytes, unchanged
    assert headers_of(junk)["dlq_topic"] == topic

    listed = await read_dead_letters(settings, group)
    assert {letter.reason for letter, *_ in listed} == set(reasons)


async def test_failing_handler_is_dead_lettered_and_replayed_after_the_fix(
    settings, consumer_setup, redis
):
    topic, group, counter = consumer_setup
    await redis.sadd(f"{counter.prefix}:broken", "slr-buggy")
    value, headers = record_of(SellerDelisted(seller_id="slr-buggy", version=2), unique("evt"))
    await produce_raw(settings, topic, value, headers, key=b"slr-buggy")
    letters = await read_topic(
        settings, topics.dead_letter_topic(group), until=lambda rs: len(rs) >= 1
    )
    assert headers_of(letters[0])["dlq_reason"] == "handler-error"
    assert "a bug" in headers_of(letters[0])["dlq_detail"]
    assert await counter.effects("slr-buggy") == 0

    await redis.srem(f"{counter.prefix}:broken", "slr-buggy")  # the fix is deployed
    assert await replay(settings, group) == 1
    await eventually(lambda: counter.effects("slr-buggy"), lambda n: n == 1)
    assert await replay(settings, group) == 0  # a replayed letter is never sent again
    await asyncio.sleep(1)
    assert await counter.effects("slr-buggy") == 1


async def _registered_events(settings, seller_ids: set[str]) -> Counter[str]:
    wanted = {seller_id.encode() for seller_id in seller_ids}

    def all_there(records) -> bool:
        return wanted <= {r.key for r in records}

    records = await read_topic(settings, topics.CATALOG, until=all_there, timeout=60)
    return Counter(
        headers_of(r)["ce_id"]
        for r in records
        if r.key in wanted and headers_of(r)["ce_type"] == "catalog.seller.registered"
    )


async def test_relay_survives_a_broker_pause_with_nothing_lost(stack, catalog, settings):
    require_local_broker(stack)
    stack.pause_broker()
    try:
        accepted = []
        for index in range(20):
            response = await catalog.post(
                "/sellers", json=seller_body(name=f"Garam Kupang {index}")
            )
            assert response.status_code == 201  # writes need Redis only
            accepted.append(response.json()["id"])
        await asyncio.sleep(3)  # longer than the producer's request timeout: the relay fails
    finally:
        stack.resume_broker()

    delivered = await _registered_events(settings, set(accepted))
    assert len(delivered) == len(accepted), "every accepted write's event arrived"
    from services.catalog.app import app

    await eventually(app.state.relay.backlog, lambda n: n == 0)


async def test_redis_kill_loses_no_acknowledged_write_nor_its_event(stack, catalog, settings):
    require_local_broker(stack)
    require_local_redis(stack)
    stack.pause_broker()  # keep the events in the outbox while Redis dies
    try:
        accepted = []
        for index in range(10):
            response = await catalog.post("/sellers", json=seller_body(name=f"Rumput Laut {index}"))
            assert response.status_code == 201
            accepted.append(response.json()["id"])
        stack.kill_redis()
        stack.restart_redis()
    finally:
        stack.resume_broker()

    for seller_id in accepted:

        async def fetch(seller_id: str = seller_id):
            return await catalog.get(f"/sellers/{seller_id}")

        response = await eventually(fetch, lambda r: r.status_code == 200)
        assert response.json()["id"] == seller_id
    delivered = await _registered_events(settings, set(accepted))
    assert len(delivered) == len(accepted)
