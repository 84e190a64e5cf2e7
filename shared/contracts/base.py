"""The base of every event contract, and the registry of event types by CloudEvents type."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

EVENT_TYPES: dict[str, type[Event]] = {}


class Event(BaseModel):
    """An integration event: a fact, named in the past tense, published on one topic.

    Unknown fields are ignored so that a producer may add optional fields without breaking
    older consumers; the schema-compatibility test keeps producers honest about the rest.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: ClassVar[str]
    topic: ClassVar[str]
    summary: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("type")
        if isinstance(event_type, str):
            if event_type in EVENT_TYPES:
                raise TypeError(f"event type {event_type} is defined twice")
            EVENT_TYPES[event_type] = cls

    @property
    @abstractmethod
    def key(self) -> str:
        """The aggregate id: the Kafka key, so that one aggregate's events stay in order."""
