"""Replaying dead letters sends each one once, to the group that dead-lettered it alone. On
1d967a0 every replay re-sent every letter (1, then 2, then 4 as each failed again) to the
original topic, where every other consumer group of that topic received it once more."""

from __future__ import annotations

import asyncio
import operator
from collections import Counter
from collections.abc import AsyncIterator
from functools import partial

import pytest

from shared.consumer import ConsumerRunner
from shared.contracts import Event
from shared.contracts.catalog import SellerDelisted
from shared.deadletters import read_dead_letters, replay
from shared.envelope import Envelope
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.helpers import eventually, produce_raw, unique


class Handler:
    """Counts the events it is given; fails on every one while `broken`."""

    def __init__(self, broken: bool) -> None:
        self.broken = broken
        self.seen: Counter[str] = Counter()

    async def __call__(self, _event: Event, envelope: Envelope) -> None:
        self.seen[envelope.id] += 1
        if self.broken:
            raise ValueError("cannot handle it (a bug)")


@pytest.fixture
async def two_groups(
    settings: Settings,
) -> AsyncIterator[tuple[str, str, Handler, Handler]]:
    topic, failing, healthy = unique("replay-topic"), unique("failing"), unique("healthy")
    await ensure_topics(settings, [topic])
    handlers = Handler(broken=True), Handler(broken=False)
    runners = [
        ConsumerRunner(settings, group, [topic], {SellerDelisted.type: handler})
        for group, handler in zip((failing, healthy), handlers, strict=True)
    ]
    tasks = [asyncio.create_task(runner.run()) for runner in runners]
    yield topic, failing, *handlers
    for runner in runners:
        await runner.stop()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=20)


async def test_a_replayed_letter_is_sent_once_and_only_to_its_group(
    settings: Settings, two_groups: tuple[str, str, Handler, Handler]
) -> None:
    topic, failing, broken, healthy = two_groups
    envelope, _ = Envelope.wrap(SellerDelisted(seller_id=unique("slr"), version=2), "/tests")
    await produce_raw(settings, topic, envelope.value(), envelope.headers(), key=b"slr")

    async def waiting() -> int:
        return len(await read_dead_letters(settings, failing, idle_s=0.3))

    async def tries() -> int:
        return broken.seen[envelope.id]

    assert await eventually(waiting, lambda n: n == 1, timeout=30) == 1
    first = await tries()  # a failing handler is tried a few times before the dead letter
    for replays in range(1, 4):
        assert await replay(settings, failing) == 1  # the letter of the last failure alone
        expected = first * (replays + 1)
        await eventually(tries, partial(operator.eq, expected), timeout=30)
        assert await eventually(waiting, lambda n: n == 1, timeout=30) == 1
    assert healthy.seen[envelope.id] == 1  # replays never reached the other group
