"""CloudEvents 1.0 in the Kafka protocol binding, binary mode.

Attributes travel as `ce_*` headers, the JSON data is the record value and the aggregate id is
the record key, so any Kafka client (kcat, Java) can read and write our events. The few lines
here replace the SDK because we also need to say precisely *why* a record is not a valid event.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shared.contracts import EVENT_TYPES, Event

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
REQUIRED_ATTRIBUTES = ("id", "source", "specversion", "type")
Headers = Sequence[tuple[str, bytes]]


class InvalidEvent(ValueError):
    """A record that is not a valid event of a known type; `reason` says why."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Envelope:
    type: str
    source: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    subject: str | None = None
    correlation_id: str | None = None

    @classmethod
    def wrap(
        cls, event: Event, source: str, correlation_id: str | None = None
    ) -> tuple[Envelope, str]:
        """The envelope for `event` and its Kafka key."""
        envelope = cls(
            type=event.type,
            source=source,
            data=event.model_dump(mode="json"),
            subject=event.key,
            correlation_id=correlation_id,
        )
        return envelope, event.key

    def headers(self) -> list[tuple[str, bytes]]:
        headers = [
            ("ce_specversion", SPEC_VERSION),
            ("ce_id", self.id),
            ("ce_type", self.type),
            ("ce_source", self.source),
            ("ce_time", self.time.isoformat().replace("+00:00", "Z")),
            ("content-type", CONTENT_TYPE),
        ]
        if self.subject is not None:
            headers.append(("ce_subject", self.subject))
        if self.correlation_id is not None:
            headers.append(("ce_correlationid", self.correlation_id))
        return [(name, value.encode()) for name, value in headers]

    def value(self) -> bytes:
        return json.dumps(self.data, separators=(",", ":"), ensure_ascii=False).encode()

    def event(self) -> Event:
        """The typed event inside, validated against its contract."""
        model = EVENT_TYPES.get(self.type)
        if model is None:
            raise InvalidEvent("unknown-type", self.type)
        try:
            return model.model_validate(self.data)
        except ValidationError as invalid:
            raise InvalidEvent("schema-violation", _first_errors(invalid)) from invalid


def parse_record(value: bytes | None, headers: Headers) -> Envelope:
    """Read a Kafka record in binary mode; raise InvalidEvent saying what is wrong."""
    attributes: dict[str, str] = {}
    content_type = None
    for name, raw in headers:
        try:
            text = raw.decode() if raw is not None else ""
        except UnicodeDecodeError as bad:
            raise InvalidEvent("malformed-header", name) from bad
        if name.startswith("ce_"):
            attributes[name[3:]] = text
        elif name.lower() == "content-type":
            content_type = text
    missing = [name for name in REQUIRED_ATTRIBUTES if not attributes.get(name)]
    if missing:
        raise InvalidEvent("not-a-cloudevent", "missing " + ", ".join(f"ce_{m}" for m in missing))
    if attributes["specversion"] != SPEC_VERSION:
        raise InvalidEvent("unsupported-specversion", attributes["specversion"])
    if content_type is not None and not content_type.startswith(CONTENT_TYPE):
        raise InvalidEvent("unsupported-content-type", content_type)
    try:
        data = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError) as bad:
        raise InvalidEvent("malformed-json", str(bad)) from bad
    if not isinstance(data, dict):
        raise InvalidEvent("malformed-json", "the data must be a JSON object")
    return Envelope(
        type=attributes["type"],
        source=attributes["source"],
        data=data,
        id=attributes["id"],
        time=_parse_time(attributes.get("time")),
        subject=attributes.get("subject"),
        correlation_id=attributes.get("correlationid"),
    )


def _parse_time(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.now(dt.UTC)
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as bad:
        raise InvalidEvent("malformed-time", text) from bad


def _first_errors(invalid: ValidationError, limit: int = 3) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
        for error in invalid.errors()[:limit]
    )
