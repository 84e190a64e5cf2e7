"""Malformed bytes, unknown event types and schema-violating payloads on every topic reach the
dead-letter topic of every consumer group that reads it, with the reason, and each consumer
keeps going: a valid event after them is applied."""

from __future__ import annotations

from typing import Any

import pytest

from shared.contracts import topics
from shared.contracts.matching import MatchAccepted, ProposalData
from shared.envelope import Envelope
from tests.helpers import eventually, headers_of, produce_raw, read_topic, seller_body, unique
from tests.integration.expo import delegate, exhibitor, open_expo

pytestmark = pytest.mark.integration

READERS = {
    topics.CATALOG: ["events.catalog", "matching.catalog"],
    topics.EXPO: ["matching.expo"],
    topics.MATCHING: ["events.matching"],
}
INVALID_DATA = {
    topics.CATALOG: ("catalog.seller.delisted", b'{"seller_id": 7}'),
    topics.EXPO: ("expo.expo.created", b'{"expo": {"id": "exp-x"}}'),
    topics.MATCHING: ("matching.match.accepted", b'{"weight": 0}'),
}


async def poison(settings: Any, topic: str) -> dict[str, str]:
    """Three bad records, keyed so they can be found; returns key -> expected reason."""
    base = [
        ("ce_specversion", b"1.0"),
        ("ce_source", b"/tests"),
        ("content-type", b"application/json"),
    ]
    keys = {
        unique("junk"): "not-a-cloudevent",
        unique("alien"): "unknown-type",
        unique("bad"): "schema-violation",
    }
    junk, alien, bad = keys
    await produce_raw(settings, topic, b"\x00\xff not json", [], key=junk.encode())
    await produce_raw(
        settings, topic, b"{}",
        [*base, ("ce_id", unique("e").encode()), ("ce_type", f"{topic}.thing.teleported".encode())],
        key=alien.encode(),
    )  # fmt: skip
    event_type, data = INVALID_DATA[topic]
    await produce_raw(
        settings, topic, data, [*base, ("ce_id", unique("e").encode()), ("ce_type", event_type.encode())],
        key=bad.encode(),
    )  # fmt: skip
    return keys


async def assert_dead_lettered(settings: Any, topic: str, keys: dict[str, str]) -> None:
    wanted = {key.encode() for key in keys}
    for group in READERS[topic]:
        records = await read_topic(
            settings, topics.dead_letter_topic(group), lambda rs: wanted <= {r.key for r in rs}
        )
        for record in records:
            if record.key in wanted:
                assert headers_of(record)["dlq_reason"] == keys[record.key.decode()], group
                assert headers_of(record)["dlq_topic"] == topic


async def test_poison_on_the_catalog_topic(catalog, events, matching, settings, redis) -> None:
    keys = await poison(settings, topics.CATALOG)
    seller = (await catalog.post("/sellers", json=seller_body(name=unique("Koperasi")))).json()
    expo = await open_expo(events)

    async def exhibits() -> int:
        answer = await events.post(
            f"/expos/{expo['id']}/exhibitors", json={"seller_id": seller["id"]}
        )
        return answer.status_code

    assert await eventually(exhibits, lambda code: code == 201) == 201  # events went on
    assert await eventually(lambda: redis.exists(f"{{matching-model}}:seller:{seller['id']}"))
    await assert_dead_lettered(settings, topics.CATALOG, keys)


async def test_poison_on_the_expo_topic(events, matching, settings, redis) -> None:
    keys = await poison(settings, topics.EXPO)
    expo = await open_expo(events)
    guest = await delegate(events, expo["id"])
    assert await eventually(lambda: redis.exists(f"{{matching-model}}:delegate:{guest['id']}"))
    await assert_dead_lettered(settings, topics.EXPO, keys)


async def test_poison_on_the_matching_topic(catalog, events, matching, settings) -> None:
    keys = await poison(settings, topics.MATCHING)
    expo = await open_expo(events)
    booth = await exhibitor(catalog, events, expo["id"])
    guest = await delegate(events, expo["id"])
    proposal = ProposalData(
        id=unique("mat"), request_id=unique("mrq"), expo_id=expo["id"], delegate_id=guest["id"],
        seller_id=booth["seller_id"], exhibitor_id=booth["id"], rank=1, score=80.0, reasons=[],
    )  # fmt: skip
    envelope, key = Envelope.wrap(
        MatchAccepted(proposal=proposal, weight=5), topics.WRITERS[topics.MATCHING]
    )
    await produce_raw(settings, topics.MATCHING, envelope.value(), envelope.headers(), key.encode())

    async def requests() -> int:
        return int((await events.get(f"/expos/{expo['id']}/requests")).json()["total"])

    assert await eventually(requests, lambda total: total == 1) == 1  # the consumer went on
    await assert_dead_lettered(settings, topics.MATCHING, keys)
