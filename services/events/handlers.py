"""What the events service does with other services' events: it keeps its own view of catalog
sellers (to know who may exhibit) and turns accepted matches into meeting requests."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from services.events import usecases
from services.events.commands.meetings import AlreadyRequested
from services.events.domain import exhibitor_of_seller_field
from services.events.store import EventsStore
from shared.auth import Principal, Role
from shared.consumer import HandlerRegistry, apply_once
from shared.contracts import consumers
from shared.contracts.catalog import (
    ListingStatus,
    SellerData,
    SellerDelisted,
    SellerRegistered,
    SellerUpdated,
)
from shared.contracts.matching import MatchAccepted
from shared.envelope import Envelope
from shared.errors import Problem

# The matching service's acceptances are requests this service makes on its own authority.
ON_BEHALF_OF_MATCHING = Principal(Role.service, "matching")


class UnusableEvent(Exception):
    """A well-formed event this service cannot act on (it names an unknown expo, say)."""


def catalog_handlers(redis: Redis, store: EventsStore) -> HandlerRegistry:
    async def upsert(seller: SellerData, envelope: Envelope) -> None:
        key = store.seller_key(seller.id)

        async def effect(pipe: Pipeline) -> None:
            known = await pipe.get(key)
            pipe.multi()
            # Snapshots carry the seller's version: an older one (a replay) changes nothing.
            if known is None or SellerData.model_validate_json(known).version < seller.version:
                store.queue_seller(pipe, seller)

        await apply_once(redis, store.marker(seller.id, envelope.id), effect, watch=[key])

    async def on_seller(event: SellerRegistered | SellerUpdated, envelope: Envelope) -> None:
        await upsert(event.seller, envelope)

    async def on_delisted(event: SellerDelisted, envelope: Envelope) -> None:
        known = await store.seller(event.seller_id)
        if known is not None:
            delisted = known.model_copy(
                update={"status": ListingStatus.delisted, "version": event.version}
            )
            await upsert(delisted, envelope)

    registry = HandlerRegistry(consumers.EVENTS_CATALOG)
    registry.on(SellerRegistered, on_seller)
    registry.on(SellerUpdated, on_seller)
    registry.on(SellerDelisted, on_delisted)
    return registry


def matching_handlers(store: EventsStore) -> HandlerRegistry:
    async def on_accepted(event: MatchAccepted, _envelope: Envelope) -> None:
        """The request id derives from the proposal id, so a redelivered acceptance finds its
        request already there and changes nothing."""
        proposal = event.proposal
        if proposal.expo_id is None:
            return  # accepted outside any expo: nothing to schedule
        exhibitor_id = proposal.exhibitor_id
        if exhibitor_id is None:
            field = exhibitor_of_seller_field(proposal.seller_id)
            exhibitor_id = (await store.read(proposal.expo_id, [field])).get(field)
            if exhibitor_id is None:
                raise UnusableEvent(
                    f"seller {proposal.seller_id} does not exhibit at {proposal.expo_id}"
                )
        try:
            await usecases.request_meeting(
                store,
                ON_BEHALF_OF_MATCHING,
                proposal.expo_id,
                proposal.delegate_id,
                exhibitor_id,
                event.weight,
                request_id=f"req-{proposal.id}",
                match_id=proposal.id,
                window=event.window,
            )
        except AlreadyRequested:
            return  # they already have an open request together: the match is honoured
        except Problem as refused:
            raise UnusableEvent(f"{type(refused).__name__}: {refused.detail}") from refused

    registry = HandlerRegistry(consumers.EVENTS_MATCHING)
    registry.on(MatchAccepted, on_accepted)
    return registry
