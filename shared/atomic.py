"""Compare-and-set on the fields of one Redis hash, with the events announcing the change, in
one Lua script: either every expected field still holds what the caller read and every write
and outbox entry happens, or nothing does and the caller learns which field changed.

It is optimistic concurrency at the granularity of a field, where WATCH works per key: two
bookings of different slots in one expo never conflict, two bookings of the same slot always
do, and exactly one of them wins. A change may also add members to sets beside the hash (the
indexes a listing reads instead of the whole hash), named after the hash's key, so under the
same hash tag, and in the same script.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from redis.asyncio import Redis

from shared.contracts import Event
from shared.errors import Conflict
from shared.outbox import Outbox
from shared.redis_client import text

T = TypeVar("T")
MAX_ATTEMPTS = 50

ABSENT = ""  # as an expected value: the field must not exist (stored values are never empty)

# KEYS[1] the hash; KEYS[2..] outbox streams, then sets, then (with a revision) the stream of
# changed fields. ARGV: revision field (or ''), changes kept, n, (field, expected)*,
# n, (field, value)*, n, field*, n, (set index, member)*, n, (stream index, record, event id)*.
# Writes go in chunks: Lua's unpack is bounded.
_COMPARE_AND_SET = """
local hash, i = KEYS[1], 1
local function take() local v = ARGV[i]; i = i + 1; return v end
local revision, kept, written = take(), take(), {}
for _ = 1, tonumber(take()) do
  local name, expected = take(), take()
  local current = redis.call('HGET', hash, name)
  if (expected == '' and current) or (expected ~= '' and current ~= expected) then
    return name
  end
end
local chunk = {}
for n = 1, tonumber(take()) do
  local name = take()
  table.insert(chunk, name); table.insert(chunk, take()); table.insert(written, name)
  if #chunk >= 1000 then redis.call('HSET', hash, unpack(chunk)); chunk = {} end
end
if #chunk > 0 then redis.call('HSET', hash, unpack(chunk)); chunk = {} end
for n = 1, tonumber(take()) do
  local name = take()
  table.insert(chunk, name); table.insert(written, name)
  if #chunk >= 1000 then redis.call('HDEL', hash, unpack(chunk)); chunk = {} end
end
if #chunk > 0 then redis.call('HDEL', hash, unpack(chunk)) end
for n = 1, tonumber(take()) do
  local set = KEYS[tonumber(take())]
  redis.call('SADD', set, take())
end
for n = 1, tonumber(take()) do
  local stream = KEYS[tonumber(take())]
  redis.call('XADD', stream, '*', 'r', take(), 'id', take())
end
if revision ~= '' then
  local number = redis.call('HINCRBY', hash, revision, 1)
  redis.call('XADD', KEYS[#KEYS], 'MAXLEN', '~', kept, number .. '-1',
             'f', table.concat(written, '\\n'))
end
return false
"""

# What changed in a hash since a revision, read in one step so it is one moment's: KEYS[1] the
# hash, KEYS[2] its stream of changes; ARGV[1] the revision field, ARGV[2] the revision known.
# Answers {revision}, when nothing changed; {revision, 'whole'}, when the stream no longer
# reaches back that far; else {revision, 'fields', names, values} (a deleted field's is nil).
_CHANGED_SINCE = """
local now = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if now == ARGV[2] then return {now} end
local since = tonumber(ARGV[2]) or 0
local entries = redis.call('XRANGE', KEYS[2], (since + 1) .. '-1', '+')
if #entries == 0 or entries[1][1] ~= (since + 1) .. '-1' then return {now, 'whole'} end
local names, seen = {}, {}
for _, entry in ipairs(entries) do
  for name in string.gmatch(entry[2][2], '[^\\n]+') do
    if not seen[name] then seen[name] = true; table.insert(names, name) end
  end
end
if #names == 0 then return {now, 'fields', {}, {}} end
return {now, 'fields', names, redis.call('HMGET', KEYS[1], unpack(names))}
"""
CHANGES_KEPT = 1000  # commits a reader may be behind and still catch up field by field


@dataclass(frozen=True)
class Changed:
    """The fields written or deleted (value None) since a revision, and the revision now."""

    revision: str
    fields: dict[str, str | None]


@dataclass
class Change:
    """What to check, write and announce; build it, then `commit` it."""

    expected: dict[str, str] = field(default_factory=dict)
    puts: dict[str, str] = field(default_factory=dict)
    deletes: set[str] = field(default_factory=set)
    events: list[Event] = field(default_factory=list)
    additions: list[tuple[str, str]] = field(default_factory=list)  # (set name, member)

    def expect(self, name: str, value: str | None) -> None:
        """The field must still hold `value` (None: must still be absent)."""
        self.expected[name] = ABSENT if value is None else value

    def put(self, name: str, value: str) -> None:
        self.deletes.discard(name)
        self.puts[name] = value

    def delete(self, name: str) -> None:
        self.puts.pop(name, None)
        self.deletes.add(name)

    def announce(self, *events: Event) -> None:
        self.events.extend(events)

    def add_to(self, set_name: str, member: str) -> None:
        """Add `member` to the set `<hash key>:<set_name>` beside the hash (so it shares the
        hash's tag, and Cluster slot)."""
        self.additions.append((set_name, member))

    def __bool__(self) -> bool:
        return bool(self.puts or self.deletes or self.events or self.additions)


class AtomicHash:
    """Commits `Change`s to hashes whose keys share the hash tag of their outbox shard."""

    def __init__(self, redis: Redis, outbox: Outbox, revision: str | None = None) -> None:
        """`revision`: a field every commit increments, so a reader can tell in one HGET
        whether the hash changed since it last read it whole."""
        self.outbox = outbox
        self.revision = revision
        self._script: Callable[..., Awaitable[Any]] = redis.register_script(_COMPARE_AND_SET)
        self._changed: Callable[..., Awaitable[Any]] = redis.register_script(_CHANGED_SINCE)

    @staticmethod
    def changes_key(key: str) -> str:
        """The stream beside the hash of the fields each commit wrote (same hash tag)."""
        return f"{key}:changes"

    async def changed_since(self, key: str, revision: str) -> Changed | None:
        """What changed since `revision`, or None when too much did to say field by field
        (or the hash keeps no revision): then read it whole."""
        assert self.revision is not None, "a hash without a revision keeps no changes"
        answer = await self._changed(
            keys=[key, self.changes_key(key)], args=[self.revision, revision]
        )
        now = text(answer[0])
        if len(answer) == 1:
            return Changed(now, {})
        if text(answer[1]) != "fields" or not now:
            return None
        names, values = answer[2], answer[3]
        return Changed(
            now,
            {
                text(name): None if value is None else text(value)
                for name, value in zip(names, values, strict=True)
            },
        )

    async def commit(self, key: str, change: Change) -> str | None:
        """Apply `change` to the hash at `key`; returns None, or the field that changed."""
        streams: list[str] = []
        entries: list[str] = []
        for event in change.events:
            stream, entry = self.outbox.entry(event)
            if stream not in streams:
                streams.append(stream)
            entries += [str(streams.index(stream) + 2), entry["r"], entry["id"]]
        sets = sorted({f"{key}:{name}" for name, _ in change.additions})
        first_set = 2 + len(streams)
        additions = [
            (str(first_set + sets.index(f"{key}:{name}")), member)
            for name, member in change.additions
        ]
        arguments = [
            self.revision or "",
            str(CHANGES_KEPT),
            *_counted(change.expected.items()),
            *_counted(change.puts.items()),
            str(len(change.deletes)),
            *sorted(change.deletes),
            *_counted(additions),
            str(len(change.events)),
            *entries,
        ]
        changes = [self.changes_key(key)] if self.revision else []
        conflict = await self._script(keys=[key, *streams, *sets, *changes], args=arguments)
        return None if conflict is None else text(conflict)


class Conflicted(Exception):
    """Another writer changed what an attempt read: read again and decide again."""


async def retry_on_conflict(
    attempt: Callable[[], Awaitable[T]],
    attempts: int = MAX_ATTEMPTS,
    gave_up: str = "too many concurrent changes; retry",
) -> T:
    """Run `attempt` (read, decide, commit) until it commits without raising `Conflicted`.

    Optimistic concurrency wins when conflicts are rare; when a hot field keeps changing the
    caller gets a 409 after `attempts` rounds rather than waiting without bound."""
    for _ in range(attempts):
        try:
            return await attempt()
        except Conflicted:
            continue
    raise Conflict(gave_up)


def _counted(pairs: Iterable[tuple[str, str]]) -> list[str]:
    flat = [item for pair in pairs for item in pair]
    return [str(len(flat) // 2), *flat]
