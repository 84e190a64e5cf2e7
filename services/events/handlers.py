"""What the events service does with other services' events: it keeps its own view of catalog
sellers (to know who may exhibit) and turns accepted matches into meeting requests."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from services.events import meetings
from services.events.domain import exhibitor_of_seller_field
from services.events.store import EventsStore
from shared.consumer import Handler, apply_once
from shared.contracts import Event
from shared.contracts.catalog import (
    ListingStatus,
    SellerData,
    SellerDelisted,
    SellerRegistered,
    SellerUpdated,
)
from shared.contracts.expo import RequestOrigin
from shared.contracts.matching import MatchAccepted
from shared.envelope import Envelope
from shared.errors import Conflict, Problem


class UnusableEvent(Exception):
    """A well-formed event this service cannot act on (it names an unknown expo, say)."""


def catalog_handlers(redis: Redis, store: EventsStore) -> dict[str, Handler]:
    async def upsert(seller: SellerData, envelope: Envelope) -> None:
        key = store.seller_key(seller.id)

        async def effect(pipe: Pipeline) -> None:
            known = await pipe.get(key)
            pipe.multi()
            # Snapshots carry the seller's version: an older one (a replay) changes nothing.
            if known is None or SellerData.model_validate_json(known).version < seller.version:
                store.queue_seller(pipe, seller)

        await apply_once(redis, store.marker(seller.id, envelope.id), effect, watch=[key])

    async def on_seller(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, SellerRegistered | SellerUpdated)
        await upsert(event.seller, envelope)

    async def on_delisted(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, SellerDelisted)
        known = await store.seller(event.seller_id)
        if known is not None:
            delisted = known.model_copy(
                update={"status": ListingStatus.delisted, "version": event.version}
            )
            await upsert(delisted, envelope)

    return {
        SellerRegistered.type: on_seller,
        SellerUpdated.type: on_seller,
        SellerDelisted.type: on_delisted,
    }


def matching_handlers(store: EventsStore) -> dict[str, Handler]:
    async def on_accepted(event: Event, envelope: Envelope) -> None:
        """The request id derives from the proposal id, so a redelivered acceptance finds its
        request already there and changes nothing."""
        assert isinstance(event, MatchAccepted)
        proposal = event.proposal
        if proposal.expo_id is None:
            return  # accepted outside any expo: nothing to schedule
        exhibitor_id = proposal.exhibitor_id
        if exhibitor_id is None:
            fields = await store.read(
                proposal.expo_id, [exhibitor_of_seller_field(proposal.seller_id)]
            )
            exhibitor_id = fields.get(exhibitor_of_seller_field(proposal.seller_id))
            if exhibitor_id is None:
                raise UnusableEvent(
                    f"seller {proposal.seller_id} does not exhibit at {proposal.expo_id}"
                )
        try:
            await meetings.create_request(
                store,
                proposal.expo_id,
                f"req-{proposal.id}",
                proposal.delegate_id,
                exhibitor_id,
                event.weight,
                RequestOrigin.match,
                match_id=proposal.id,
            )
        except Conflict as refused:
            if refused.field == "body.exhibitor_id":
                return  # they already have an open request together: the match is honoured
            raise UnusableEvent(f"{type(refused).__name__}: {refused.detail}") from refused
        except Problem as refused:
            raise UnusableEvent(f"{type(refused).__name__}: {refused.detail}") from refused

    return {MatchAccepted.type: on_accepted}
