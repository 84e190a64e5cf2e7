"""Who reads what: every consumer group, the topic it subscribes to and the event types it
acts on. A service's handler registry must handle exactly its group's types (checked when the
service builds it), and the AsyncAPI document lists each group's receive operation, so a
service that joins later sees who depends on which events."""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts import catalog as cat
from shared.contracts import expo as ex
from shared.contracts import matching as mat
from shared.contracts import topics
from shared.contracts.base import Event


@dataclass(frozen=True)
class ConsumerGroup:
    name: str
    topic: str
    receives: tuple[type[Event], ...]
    description: str


SELLER_EVENTS = (cat.SellerRegistered, cat.SellerUpdated, cat.SellerDelisted)
PRODUCT_EVENTS = (cat.ProductListed, cat.ProductUpdated, cat.ProductDelisted)
EXPO_PARTICIPANT_EVENTS = (
    ex.ExpoCreated,
    ex.ExpoUpdated,
    ex.DelegateRegistered,
    ex.DelegateUpdated,
    ex.ExhibitorRegistered,
    ex.ExhibitorUpdated,
)
MEETING_EVENTS = (
    ex.MeetingScheduled,
    ex.MeetingRescheduled,
    ex.MeetingCancelled,
    ex.MeetingUnscheduled,
)

EVENTS_CATALOG = ConsumerGroup(
    "events.catalog",
    topics.CATALOG,
    SELLER_EVENTS,
    "The events service keeps its own view of catalog sellers, to know who may exhibit.",
)
EVENTS_MATCHING = ConsumerGroup(
    "events.matching",
    topics.MATCHING,
    (mat.MatchAccepted,),
    "The events service turns each accepted match into a meeting request.",
)
MATCHING_CATALOG = ConsumerGroup(
    "matching.catalog",
    topics.CATALOG,
    (*SELLER_EVENTS, *PRODUCT_EVENTS),
    "The matching service projects sellers and products into the read model it ranks from.",
)
MATCHING_EXPO = ConsumerGroup(
    "matching.expo",
    topics.EXPO,
    (*EXPO_PARTICIPANT_EVENTS, *MEETING_EVENTS),
    "The matching service projects expos and participants, and shows on each accepted "
    "proposal the meeting scheduled for it.",
)

GROUPS = (EVENTS_CATALOG, EVENTS_MATCHING, MATCHING_CATALOG, MATCHING_EXPO)
