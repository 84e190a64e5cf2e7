"""Generates the checked-in artefacts from the contracts: one JSON Schema per event type under
shared/contracts/schemas/, and the AsyncAPI 3.0 document docs/asyncapi.yaml.

    python -m shared.contracts.generate           # write (refuses breaking schema changes)
    python -m shared.contracts.generate --check   # exit 1 when anything is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from shared.contracts import EVENT_TYPES, Event
from shared.contracts.compatibility import incompatibilities
from shared.contracts.consumers import GROUPS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
ASYNCAPI_PATH = ROOT / "docs" / "asyncapi.yaml"
TOPIC_DESCRIPTIONS = {
    "catalog": "Sellers, products, certifications and export readiness. Key: seller id.",
    "expo": "Expos, participants, meeting requests, meetings and outcomes. Key: expo id.",
    "matching": "Match requests, proposals and their acceptance. Key: delegate id.",
}


def schema_path(event_type: str) -> Path:
    return SCHEMA_DIR / f"{event_type}.json"


def event_schema(model: type[Event]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["title"] = model.type
    schema["description"] = model.summary
    return schema


def render_schema(model: type[Event]) -> str:
    return json.dumps(event_schema(model), indent=2, sort_keys=True) + "\n"


def asyncapi_document() -> dict[str, Any]:
    models = sorted(EVENT_TYPES.values(), key=lambda model: model.type)
    _, definitions = models_json_schema(
        [(model, "validation") for model in models], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(sorted(definitions.get("$defs", {}).items()))
    schemas["CloudEventHeaders"] = _cloudevent_headers()
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    for model in models:
        name = model.__name__
        messages[name] = {
            "name": model.type,
            "title": name,
            "summary": model.summary,
            "contentType": "application/json",
            "headers": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEventHeaders"},
                    {"type": "object", "properties": {"ce_type": {"const": model.type}}},
                ]
            },
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {"kafka": {"key": {"type": "string"}, "bindingVersion": "0.5.0"}},
        }
        channel = channels.setdefault(
            model.topic,
            {
                "address": model.topic,
                "description": TOPIC_DESCRIPTIONS.get(model.topic, ""),
                "messages": {},
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    operations = _operations(channels)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Temu Dagang events",
            "version": "1.0.0",
            "description": (
                "Every event is a CloudEvent 1.0 in the Kafka protocol binding, binary mode: "
                "attributes as ce_* headers, JSON data as the value, aggregate id as the key. "
                "Generated from shared/contracts; do not edit by hand."
            ),
        },
        "defaultContentType": "application/json",
        "channels": dict(sorted(channels.items())),
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def _operations(channels: dict[str, Any]) -> dict[str, Any]:
    """Each service's publishing, and each consumer group's receiving (its declared types)."""
    operations: dict[str, Any] = {}
    for topic, channel in sorted(channels.items()):
        operations[f"publish-{topic}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "messages": [
                {"$ref": f"#/channels/{topic}/messages/{name}"} for name in channel["messages"]
            ],
        }
    for group in GROUPS:
        operations[f"receive-{group.name}"] = {
            "action": "receive",
            "summary": f"Consumer group {group.name}",
            "description": group.description,
            "channel": {"$ref": f"#/channels/{group.topic}"},
            "messages": [
                {"$ref": f"#/channels/{group.topic}/messages/{model.__name__}"}
                for model in group.receives
            ],
        }
    return operations


def _cloudevent_headers() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "required": ["ce_id", "ce_type", "ce_source", "ce_specversion", "content-type"],
        "properties": {
            "ce_id": {**text, "description": "Unique event id; consumers deduplicate on it"},
            "ce_type": {**text, "description": "Event type, e.g. catalog.seller.registered"},
            "ce_source": {**text, "description": "Publishing service, e.g. /temu-dagang/catalog"},
            "ce_specversion": {"const": "1.0"},
            "ce_time": {**text, "format": "date-time"},
            "ce_subject": {**text, "description": "Aggregate id (also the record key)"},
            "ce_correlationid": {**text, "description": "Request that caused the event"},
            "content-type": {"const": "application/json"},
        },
    }


def render_asyncapi() -> str:
    return yaml.safe_dump(asyncapi_document(), sort_keys=False, allow_unicode=True, width=100)


def stale_files() -> list[str]:
    stale = [
        str(schema_path(model.type).relative_to(ROOT))
        for model in EVENT_TYPES.values()
        if not schema_path(model.type).exists()
        or schema_path(model.type).read_text() != render_schema(model)
    ]
    if not ASYNCAPI_PATH.exists() or ASYNCAPI_PATH.read_text() != render_asyncapi():
        stale.append(str(ASYNCAPI_PATH.relative_to(ROOT)))
    return stale


def breaking_changes() -> dict[str, list[str]]:
    """Per event type, how the current contract breaks the checked-in schema."""
    broken: dict[str, list[str]] = {}
    for model in EVENT_TYPES.values():
        path = schema_path(model.type)
        if path.exists():
            problems = incompatibilities(json.loads(path.read_text()), event_schema(model))
            if problems:
                broken[model.type] = problems
    return broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    arguments = parser.parse_args(argv)
    broken = breaking_changes()
    if broken:
        for event_type, problems in broken.items():
            print(f"{event_type} would break consumers: {'; '.join(problems)}", file=sys.stderr)
        print("Publish a new event type (e.g. a .v2 suffix) instead.", file=sys.stderr)
        return 1
    if arguments.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path} (run `make contracts`)", file=sys.stderr)
        return 1 if stale else 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for model in EVENT_TYPES.values():
        schema_path(model.type).write_text(render_schema(model))
    ASYNCAPI_PATH.write_text(render_asyncapi())
    return 0


if __name__ == "__main__":
    sys.exit(main())
