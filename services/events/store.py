"""The events service's Redis keys: one hash per expo (entities and the booking index as
fields, under the hash tag of the expo's outbox shard), beside it the sets a listing reads
instead of the whole hash (its exhibiting sellers, its request ids, each participant's request
ids), and the projection of catalog sellers; the reads of the views decisions take, and the
compare-and-set commits of what they decide."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from services.events.domain import (
    EXPO,
    REQUESTS_INDEX,
    REVISION,
    SELLERS_INDEX,
    ExpoState,
    apply_changes,
    busy_field,
    count_field,
    delegate_field,
    delegate_of_subject_field,
    exhibitor_field,
    exhibitor_of_seller_field,
    meeting_field,
    outcome_field,
    pair_field,
    parse_state,
    renamed_person,
    request_field,
    requests_of_index,
    table_field,
    view_field,
)
from services.events.views import (
    BookingView,
    DelegateView,
    ExhibitorView,
    NewRequestView,
    RegistrationView,
    RequestView,
    expo_of,
    parsed,
    request_of,
    shared_slots,
)
from shared.atomic import MAX_ATTEMPTS, AtomicHash, Change, Conflicted, retry_on_conflict
from shared.contracts import Event
from shared.contracts.catalog import SellerData
from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    ExpoData,
    MeetingData,
    MeetingMode,
    MeetingRequestData,
    OutcomeData,
    Recorder,
)
from shared.errors import NotFound
from shared.outbox import Outbox
from shared.redis_client import text

View = TypeVar("View")
SCAN_BATCH = 2000  # fields per HSCAN round trip: a busy expo holds some 40,000
Result = TypeVar("Result")


class EventsStore:
    def __init__(self, redis: Redis, outbox: Outbox) -> None:
        self.redis = redis
        self.outbox = outbox
        self.atomic = AtomicHash(redis, outbox, revision=REVISION)
        # The last whole expo each read-only page read, with its revision: reused while no
        # commit has changed the expo since (one HGET instead of reading 30,000 fields).
        self._snapshots: dict[str, tuple[str, ExpoState]] = {}

    def key(self, expo_id: str) -> str:
        return f"{self.outbox.tag(expo_id)}:expo:{expo_id}"

    def index_key(self, expo_id: str, index: str) -> str:
        """The set `index` beside the expo's hash (where `Change.add_to` adds)."""
        return f"{self.key(expo_id)}:{index}"

    def _index(self, shard: int) -> str:
        return f"{self.outbox.shard_tag(shard)}:expos"

    def seller_key(self, seller_id: str) -> str:
        return f"{self.outbox.tag(seller_id)}:seller:{seller_id}"

    def marker(self, aggregate_id: str, event_id: str) -> str:
        return f"{self.outbox.tag(aggregate_id)}:processed:{event_id}"

    # -- expos --------------------------------------------------------------------------------
    async def create(self, expo_id: str, fields: dict[str, str], events: Iterable[Event]) -> None:
        """Commit a new expo; its id is fresh, so nothing can conflict with it."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key(expo_id), mapping=fields)
            pipe.sadd(self._index(self.outbox.shard_of(expo_id)), expo_id)
            for event in events:
                self.outbox.stage(pipe, event)
            await pipe.execute()

    async def load(self, expo_id: str) -> ExpoState:
        raw = await self.redis.hgetall(self.key(expo_id))
        state = parse_state({text(k): text(v) for k, v in raw.items()})
        if state is None:
            raise NotFound(f"no expo {expo_id}", "expo_id")
        return state

    async def snapshot(self, expo_id: str) -> ExpoState:
        """The whole expo for reading only (never to decide on: it is shared between readers,
        and brought up to date in place), as of its latest commit."""
        kept = self._snapshots.get(expo_id)
        if kept is not None:
            revision, state = kept
            # The fields the commits since then wrote, read in one step: a few per commit.
            changed = await self.atomic.changed_since(self.key(expo_id), revision)
            if changed is not None:
                apply_changes(state, changed.fields)
                self._snapshots[expo_id] = (changed.revision, state)
                return state
        state = await self.load(expo_id)
        if REVISION in state.raw:  # an expo no commit changed since its creation has none
            self._snapshots[expo_id] = (state.raw[REVISION], state)
        return state

    async def read(self, expo_id: str, names: list[str]) -> dict[str, str]:
        """The present fields among `names` (a targeted read for small changes)."""
        if not names:
            return {}
        values = await self.redis.hmget(self.key(expo_id), names)
        return {name: text(value) for name, value in zip(names, values, strict=True) if value}

    async def exhibiting_seller_ids(self, expo_id: str) -> list[str]:
        members = await self.redis.smembers(self.index_key(expo_id, SELLERS_INDEX))
        return sorted(text(i) for i in members)

    async def request_ids(self, expo_id: str) -> list[str]:
        members = await self.redis.smembers(self.index_key(expo_id, REQUESTS_INDEX))
        return sorted(text(i) for i in members)

    async def requests_of(self, expo_id: str, participant_ids: Iterable[str]) -> list[str]:
        """Ids of the requests naming any of `participant_ids` (delegates or exhibitors)."""
        keys = [self.index_key(expo_id, requests_of_index(p)) for p in sorted(set(participant_ids))]
        return sorted(text(i) for i in await self.redis.sunion(keys)) if keys else []

    async def commit(self, expo_id: str, change: Change) -> str | None:
        """Commit `change`; returns the field that changed meanwhile, or None."""
        return await self.atomic.commit(self.key(expo_id), change)

    async def change(
        self,
        expo_id: str,
        read: Callable[[], Awaitable[View]],
        decide: Callable[[View], tuple[Change, Result]],
        attempts: int = MAX_ATTEMPTS,
    ) -> Result:
        """Read a view, decide, and commit the change with its events atomically; when another
        writer changed a field the view read, read and decide again."""

        async def attempt() -> Result:
            change, result = decide(await read())
            if change and await self.commit(expo_id, change) is not None:
                raise Conflicted
            return result

        return await retry_on_conflict(attempt, attempts)

    async def expo_ids(self) -> list[str]:
        ids: list[str] = []
        for shard in range(self.outbox.shards):
            ids += [text(member) for member in await self.redis.smembers(self._index(shard))]
        return sorted(ids)

    # -- the views decisions take: each read in one place, naming only the fields it needs ------
    async def meeting(self, expo_id: str, request_id: str) -> MeetingData | None:
        name = meeting_field(request_id)
        return parsed(await self.read(expo_id, [name]), name, MeetingData)

    async def listed(self, expo_id: str, index: str, field_of: Callable[[str], str]) -> list[str]:
        """The values of the fields an index beside the hash names (`DELEGATES_INDEX` with
        `delegate_field`): a listing of 400 delegates reads 400 fields, not 10,000 requests.
        An expo registered before the index existed has none; its fields are found by
        HSCAN, which Redis filters but must walk whole (20 ms at 20,000 fields)."""
        ids = [text(i) for i in await self.redis.smembers(self.index_key(expo_id, index))]
        if not ids:
            return [
                text(value)
                async for _, value in self.redis.hscan_iter(
                    self.key(expo_id), match=field_of("*"), count=SCAN_BATCH
                )
            ]
        values = await self.redis.hmget(self.key(expo_id), [field_of(i) for i in ids])
        return [text(value) for value in values if value is not None]

    async def read_expo(self, expo_id: str) -> ExpoData:
        return expo_of(await self.read(expo_id, [EXPO]), expo_id)

    async def delegate_registration(
        self, expo_id: str, subject: str, person: str
    ) -> RegistrationView:
        """`person`: the delegate's `person_field` (name, organisation and country)."""
        raw = await self.read(expo_id, [EXPO, delegate_of_subject_field(subject), person])
        return RegistrationView(
            expo_of(raw, expo_id), raw.get(delegate_of_subject_field(subject)), raw, raw.get(person)
        )

    async def exhibitor_registration(self, expo_id: str, seller_id: str) -> RegistrationView:
        raw = await self.read(expo_id, [EXPO, exhibitor_of_seller_field(seller_id)])
        return RegistrationView(
            expo_of(raw, expo_id), raw.get(exhibitor_of_seller_field(seller_id)), raw
        )

    async def delegate_view(
        self, expo_id: str, delegate_id: str, changes: dict[str, Any] | None = None
    ) -> DelegateView:
        """With `changes` that rename the delegate (name, organisation or country), the view
        also holds who, if anyone, already is the person they would become."""
        raw = await self.read(expo_id, [EXPO, delegate_field(delegate_id)])
        expo = expo_of(raw, expo_id)
        found = raw.get(delegate_field(delegate_id))
        if found is None:
            raise NotFound(f"no delegate {delegate_id} in expo {expo_id}", "delegate_id")
        delegate = DelegateData.model_validate_json(found)
        person = renamed_person(delegate, changes or {})
        if person is not None:
            raw |= await self.read(expo_id, [person])
        return DelegateView(expo, delegate, raw)

    async def exhibitor_view(self, expo_id: str, exhibitor_id: str) -> ExhibitorView:
        raw = await self.read(expo_id, [EXPO, exhibitor_field(exhibitor_id)])
        expo = expo_of(raw, expo_id)
        found = raw.get(exhibitor_field(exhibitor_id))
        if found is None:
            raise NotFound(f"no exhibitor {exhibitor_id} in expo {expo_id}", "exhibitor_id")
        exhibitor = ExhibitorData.model_validate_json(found)
        return ExhibitorView(expo, exhibitor, await self.seller(exhibitor.seller_id), raw)

    async def new_request_view(
        self, expo_id: str, request_id: str, delegate_id: str, exhibitor_id: str
    ) -> NewRequestView:
        names = [EXPO, delegate_field(delegate_id), exhibitor_field(exhibitor_id)]
        names += [request_field(request_id), pair_field(delegate_id, exhibitor_id)]
        raw = await self.read(expo_id, names)
        return NewRequestView(
            expo=expo_of(raw, expo_id),
            delegate_id=delegate_id,
            exhibitor_id=exhibitor_id,
            delegate=parsed(raw, delegate_field(delegate_id), DelegateData),
            exhibitor=parsed(raw, exhibitor_field(exhibitor_id), ExhibitorData),
            existing=parsed(raw, request_field(request_id), MeetingRequestData),
            open_request=raw.get(pair_field(delegate_id, exhibitor_id)),
            raw=raw,
        )

    async def request_view(self, expo_id: str, request_id: str) -> RequestView:
        """Two reads: the request, then (with the request again, so the view is one moment) the
        delegate and the booking fields its meeting holds."""
        head_names = [EXPO, request_field(request_id), meeting_field(request_id)]
        head = await self.read(expo_id, head_names)
        request = request_of(head, expo_id, request_id)
        meeting = parsed(head, meeting_field(request_id), MeetingData)
        people = (request.delegate_id, request.exhibitor_id)
        names = [*head_names, outcome_field(request_id), delegate_field(request.delegate_id)]
        names += [pair_field(*people), *(count_field(p) for p in people)]
        names += [view_field(request_id, recorder.value) for recorder in Recorder]
        if meeting is not None:
            names += [busy_field(p, meeting.slot_id) for p in people]
            if meeting.table is not None:
                names.append(table_field(meeting.slot_id, meeting.table))
        raw = await self.read(expo_id, names)
        request = request_of(raw, expo_id, request_id)
        return RequestView(
            expo=expo_of(raw, expo_id),
            request=request,
            meeting=parsed(raw, meeting_field(request_id), MeetingData),
            outcome=parsed(raw, outcome_field(request_id), OutcomeData),
            delegate=DelegateData.model_validate_json(raw[delegate_field(request.delegate_id)]),
            seller=await self.seller(request.seller_id),
            raw=raw,
            views={
                recorder: OutcomeData.model_validate_json(raw[name])
                for recorder in Recorder
                if (name := view_field(request_id, recorder.value)) in raw
            },
        )

    async def booking_view(self, expo_id: str, request_id: str) -> BookingView:
        """Three reads, each naming what the one before revealed: the request; its participants
        and their busy slots; then all of that again with the tables of the slots they share (and
        of the slot a meeting to move frees). The view is the last read alone: one moment of the
        expo, so its meetings, counts and tables agree (what changes after, the commit's
        expectations catch)."""
        head = await self.read(
            expo_id, [EXPO, request_field(request_id), meeting_field(request_id)]
        )
        expo, request = expo_of(head, expo_id), request_of(head, expo_id, request_id)
        people = (request.delegate_id, request.exhibitor_id)
        names = [EXPO, request_field(request_id), meeting_field(request_id)]
        names += [delegate_field(request.delegate_id), exhibitor_field(request.exhibitor_id)]
        names += [count_field(p) for p in people]
        names += [busy_field(p, slot.id) for slot in expo.slots for p in people]
        seen = await self.read(expo_id, names)
        delegate = parsed(seen, delegate_field(request.delegate_id), DelegateData)
        exhibitor = parsed(seen, exhibitor_field(request.exhibitor_id), ExhibitorData)
        if delegate is None or exhibitor is None:
            raise NotFound(f"request {request_id} names a participant the expo lost", "request_id")
        if expo.mode is MeetingMode.tables and expo.tables:
            slots = {s.id for s in shared_slots(expo, delegate, exhibitor)}
            moving = parsed(seen, meeting_field(request_id), MeetingData)
            slots |= {moving.slot_id} if moving is not None else set()
            names += [table_field(s, n) for s in sorted(slots) for n in range(1, expo.tables + 1)]
        raw = await self.read(expo_id, names)
        return BookingView(
            expo=expo_of(raw, expo_id),
            request=request_of(raw, expo_id, request_id),
            meeting=parsed(raw, meeting_field(request_id), MeetingData),
            delegate=parsed(raw, delegate_field(request.delegate_id), DelegateData) or delegate,
            exhibitor=parsed(raw, exhibitor_field(request.exhibitor_id), ExhibitorData)
            or exhibitor,
            raw=raw,
        )

    # -- the projection of catalog sellers ----------------------------------------------------
    async def seller(self, seller_id: str) -> SellerData | None:
        raw = await self.redis.get(self.seller_key(seller_id))
        return SellerData.model_validate_json(raw) if raw else None

    async def sellers(self, seller_ids: Iterable[str]) -> dict[str, SellerData]:
        ids = sorted(set(seller_ids))
        if not ids:
            return {}
        values = await self.redis.mget([self.seller_key(seller_id) for seller_id in ids])
        return {
            seller_id: SellerData.model_validate_json(value)
            for seller_id, value in zip(ids, values, strict=True)
            if value
        }

    def queue_seller(self, pipe: Pipeline, seller: SellerData) -> None:
        pipe.set(self.seller_key(seller.id), seller.model_dump_json())
