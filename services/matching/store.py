"""Match requests and their proposals in Redis, with the events announcing them.

A match request and its proposals are one document; the request id carries the outbox shard
of its aggregate (the expo, or the delegate for catalogue-wide requests), so every key a change
touches — the document, the expo's exposure counters, the outbox stream — shares a hash tag.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel
from redis.asyncio import Redis
from redis.exceptions import WatchError

from shared.atomic import Conflicted, retry_on_conflict
from shared.auth import Role
from shared.contracts import Event
from shared.errors import NotFound
from shared.outbox import Outbox
from shared.redis_client import text


class StoredMeeting(BaseModel):
    slot_id: str
    start: str
    end: str
    location: str
    table: int | None


class StoredReason(BaseModel):
    code: str
    text: str
    weight: float
    product_id: str | None = None


class StoredProduct(BaseModel):
    id: str
    name: str
    relevance: float


class MeetingStatus(StrEnum):
    """Where the meeting an accepted proposal became stands, as the events service announced."""

    scheduled = "scheduled"
    cancelled = "cancelled"
    unscheduled = "unscheduled"


class ProposalStatus(StrEnum):
    """A proposal is answered once: accepted (a meeting follows) or declined."""

    proposed = "proposed"
    accepted = "accepted"
    declined = "declined"


class StoredProposal(BaseModel):
    id: str
    request_id: str
    expo_id: str | None
    delegate_id: str | None
    seller_id: str
    seller_name: str
    exhibitor_id: str | None
    rank: int
    score: float
    reasons: list[StoredReason]
    products: list[StoredProduct]
    status: ProposalStatus = ProposalStatus.proposed
    meeting: StoredMeeting | None = None
    meeting_status: MeetingStatus | None = None


class StoredRequest(BaseModel):
    id: str
    expo_id: str | None
    delegate_id: str | None
    owner: str  # subject of the account that asked
    # Its role: a subject names an account only together with the role it was issued for
    # (None: asked before roles were recorded; then only the rules below grant access).
    owner_role: Role | None = None
    created_at: str
    query: dict[str, object]
    proposals: list[StoredProposal]

    @property
    def aggregate(self) -> str:
        return aggregate_of(self.expo_id, self.delegate_id, self.owner)


def aggregate_of(expo_id: str | None, delegate_id: str | None, subject: str) -> str:
    """What a request belongs to, for its outbox shard and its listing: its expo, or for a
    catalogue-wide request the delegate it is for, else the account that asked."""
    return expo_id or f"catalogue:{delegate_id or subject}"


def asker_of(delegate_id: str | None, role: Role | None, subject: str) -> str:
    """Whose requests a request counts among (the cap per delegate): the delegate it is for,
    else the account that asked."""
    return delegate_id or f"{role}:{subject}"


# A request's next state and the events announcing it.
Decision = tuple[StoredRequest, list[Event]]


def request_of(proposal_id: str) -> str:
    """The request a proposal belongs to: proposal ids are `<request id>.<rank>`."""
    return proposal_id.rsplit(".", 1)[0]


class MatchStore:
    def __init__(self, redis: Redis, outbox: Outbox) -> None:
        self.redis = redis
        self.outbox = outbox

    def new_request_id(self, aggregate: str) -> str:
        return f"mrq-{self.outbox.shard_of(aggregate)}-{uuid.uuid4().hex[:12]}"

    def _tag_of_request(self, request_id: str) -> str:
        try:
            shard = int(request_id.split("-")[1])
        except (IndexError, ValueError):
            raise NotFound(f"no match request {request_id}", "request_id") from None
        if not 0 <= shard < self.outbox.shards:
            raise NotFound(f"no match request {request_id}", "request_id")
        return self.outbox.shard_tag(shard)

    def request_key(self, request_id: str) -> str:
        return f"{self._tag_of_request(request_id)}:request:{request_id}"

    def exposure_key(self, expo_id: str) -> str:
        return f"{self.outbox.tag(expo_id)}:exposure:{expo_id}"

    def listing_key(self, aggregate: str) -> str:
        return f"{self.outbox.tag(aggregate)}:requests:{aggregate}"

    def marker(self, request_id: str, event_id: str) -> str:
        return f"{self._tag_of_request(request_id)}:processed:{event_id}"

    def asked_key(self, aggregate: str, asker: str) -> str:
        return f"{self.outbox.tag(aggregate)}:asked:{aggregate}:{asker}"

    async def asked(self, aggregate: str, asker: str) -> int:
        """How many requests were made for `asker` within `aggregate` (an expo)."""
        return int(await self.redis.get(self.asked_key(aggregate, asker)) or 0)

    async def create(
        self, aggregate: str, asker: str, decide: Callable[[int], Decision]
    ) -> StoredRequest:
        """Read how many requests were made for `asker` within `aggregate`, `decide` the new
        request and its events from that count, and commit them with the count raised by one,
        the request counted in its expo's exposure and its events staged; when another request
        for the same asker committed meanwhile, read and decide again."""
        counter = self.asked_key(aggregate, asker)

        async def attempt() -> StoredRequest:
            async with self.redis.pipeline(transaction=True) as pipe:
                await pipe.watch(counter)
                request, events = decide(int(await pipe.get(counter) or 0))
                pipe.multi()
                pipe.incr(counter)
                pipe.set(self.request_key(request.id), request.model_dump_json())
                pipe.zadd(self.listing_key(aggregate), {request.id: _created_score(request)})
                if request.expo_id is not None:
                    for proposal in request.proposals:
                        pipe.hincrby(self.exposure_key(request.expo_id), proposal.seller_id, 1)
                for event in events:
                    self.outbox.stage(pipe, event, shard_key=aggregate)
                try:
                    await pipe.execute()
                except WatchError:
                    raise Conflicted from None
                return request

        return await retry_on_conflict(attempt)

    async def load(self, request_id: str) -> StoredRequest:
        raw = await self.redis.get(self.request_key(request_id))
        if raw is None:
            raise NotFound(f"no match request {request_id}", "request_id")
        return StoredRequest.model_validate_json(raw)

    async def listing(self, aggregate: str) -> list[StoredRequest]:
        ids = [text(i) for i in await self.redis.zrange(self.listing_key(aggregate), 0, -1)]
        values = await self.redis.mget([self.request_key(i) for i in ids]) if ids else []
        return [StoredRequest.model_validate_json(raw) for raw in values if raw]

    async def exposure(self, expo_id: str) -> dict[str, int]:
        counts = await self.redis.hgetall(self.exposure_key(expo_id))
        return {text(seller): int(count) for seller, count in counts.items()}

    async def change(
        self, request_id: str, decide: Callable[[StoredRequest], Decision]
    ) -> StoredRequest:
        """Read the request, `decide` its next state and events, and commit both unless another
        writer changed the request meanwhile (then read and decide again)."""
        key = self.request_key(request_id)

        async def attempt() -> StoredRequest:
            async with self.redis.pipeline(transaction=True) as pipe:
                await pipe.watch(key)
                raw = await pipe.get(key)
                if raw is None:
                    raise NotFound(f"no match request {request_id}", "request_id")
                updated, events = decide(StoredRequest.model_validate_json(raw))
                pipe.multi()
                pipe.set(key, updated.model_dump_json())
                for event in events:
                    self.outbox.stage(pipe, event, shard_key=updated.aggregate)
                try:
                    await pipe.execute()
                except WatchError:
                    raise Conflicted from None
                return updated

        return await retry_on_conflict(attempt)


def _created_score(request: StoredRequest) -> float:
    return dt.datetime.fromisoformat(request.created_at).timestamp()
