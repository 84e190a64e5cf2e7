"""The compare-and-set commit on a real Redis: the hash fields, the index sets beside the hash
and the outbox entries change together, or none of them does."""

from __future__ import annotations

from redis.asyncio import Redis

from shared.atomic import AtomicHash, Change, Changed
from shared.contracts.catalog import SellerDelisted
from shared.outbox import Outbox
from tests.helpers import unique


async def test_set_additions_commit_with_the_fields_and_not_at_all_on_a_conflict(
    redis: Redis,
) -> None:
    outbox = Outbox("atomic-test", 1, source="/test")
    atomic = AtomicHash(redis, outbox)
    aggregate = unique("exp")
    key = f"{outbox.tag(aggregate)}:expo:{aggregate}"
    every, mine = f"{key}:requests", f"{key}:requests-of:del-1"
    stream = outbox.stream_of(aggregate)
    before = await redis.xlen(stream)

    first = Change()
    first.expect("request:r1", None)
    first.put("request:r1", "{}")
    first.add_to("requests", "r1")  # a set named after the hash: `every`
    first.add_to("requests-of:del-1", "r1")
    first.announce(SellerDelisted(seller_id=aggregate, version=1))
    assert await atomic.commit(key, first) is None
    assert await redis.smembers(every) == await redis.smembers(mine) == {b"r1"}

    losing = Change()  # read before `first` committed: r1 was absent
    losing.expect("request:r1", None)
    losing.put("request:r2", "{}")
    losing.add_to("requests", "r2")
    losing.announce(SellerDelisted(seller_id=aggregate, version=2))
    assert await atomic.commit(key, losing) == "request:r1"
    assert await redis.smembers(every) == {b"r1"}
    assert await redis.hkeys(key) == [b"request:r1"]
    assert await redis.xlen(stream) == before + 1


async def test_a_reader_catches_up_with_the_fields_each_commit_wrote_or_reads_whole(
    redis: Redis,
) -> None:
    """A hash with a revision: every commit increments it and lists the fields it wrote and
    deleted, so a reader that read it at one revision reads only what changed since."""
    atomic = AtomicHash(redis, Outbox("atomic-test", 1, source="/test"), revision="revision")
    key = f"{{{unique('tag')}}}:expo:{unique('exp')}"
    first = Change()
    first.put("request:r1", "one")
    first.put("request:r2", "two")
    assert await atomic.commit(key, first) is None
    assert await redis.hget(key, "revision") == b"1"
    assert await atomic.changed_since(key, "1") == Changed("1", {})  # nothing since
    second, third = Change(), Change()
    second.put("request:r1", "uno")
    third.delete("request:r2")
    third.put("meeting:r1", "{}")
    for change in (second, third):
        assert await atomic.commit(key, change) is None
    assert await atomic.changed_since(key, "1") == Changed(
        "3", {"request:r1": "uno", "request:r2": None, "meeting:r1": "{}"}
    )
    assert await atomic.changed_since(key, "2") == Changed(
        "3", {"request:r2": None, "meeting:r1": "{}"}
    )
    # The stream is kept short: a reader further behind than it reaches reads the hash whole.
    await redis.xtrim(atomic.changes_key(key), maxlen=1, approximate=False)
    assert await atomic.changed_since(key, "1") is None
