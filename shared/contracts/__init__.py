"""Event contracts: every event type any service publishes, registered by CloudEvents type."""

from shared.contracts import catalog, expo, identity, matching, topics
from shared.contracts.base import EVENT_TYPES, Event

__all__ = ["EVENT_TYPES", "Event", "catalog", "expo", "identity", "matching", "topics"]
