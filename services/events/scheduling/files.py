"""The instance and schedule file format (documented in docs/scheduling.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.events.scheduling.instance import (
    Fixed,
    Instance,
    InvalidInstance,
    Participant,
    Request,
    Schedule,
    Slot,
)


def instance_from_json(document: Any) -> Instance:
    """An `Instance` from the documented JSON shape; `InvalidInstance` names what is wrong."""
    if not isinstance(document, dict):
        raise InvalidInstance("$", "an instance is a JSON object")
    slots = [
        Slot(_string(item, "id", where), _time(item, "start", where), _time(item, "end", where))
        for where, item in _objects(document, "slots")
    ]
    tables = document.get("tables")
    if tables is not None and (not isinstance(tables, int) or isinstance(tables, bool)):
        raise InvalidInstance("tables", "an integer, or null for meetings at the booth")
    participants = []
    for where, item in _objects(document, "participants"):
        available = item.get("available")
        if available is not None and (
            not isinstance(available, list) or not all(isinstance(s, str) for s in available)
        ):
            raise InvalidInstance(f"{where}.available", "a list of slot ids")
        kind = item.get("kind", "participant")
        if not isinstance(kind, str):
            raise InvalidInstance(f"{where}.kind", "a string")
        participants.append(
            Participant(
                _string(item, "id", where),
                kind,
                frozenset(available) if available is not None else None,
                _optional_int(item, "max_meetings", where),
            )
        )
    requests = [
        Request(
            _string(item, "id", where),
            _string(item, "a", where),
            _string(item, "b", where),
            _int(item, "weight", where),
            _window(item, where),
        )
        for where, item in _objects(document, "requests")
    ]
    fixed = [
        Fixed(
            _string(item, "request", where),
            _string(item, "slot", where),
            _optional_int(item, "table", where),
        )
        for where, item in _objects(document, "fixed", optional=True)
    ]
    return Instance(
        slots,
        tables,
        participants,
        requests,
        fixed,
        _optional_int(document, "max_break_spread", ""),
    )


def _window(item: dict[str, Any], where: str) -> frozenset[str] | None:
    """A request's optional `slots`: the only ones it may have."""
    window = item.get("slots")
    if window is None:
        return None
    if not isinstance(window, list) or not all(isinstance(s, str) for s in window):
        raise InvalidInstance(f"{where}.slots", "a list of slot ids")
    return frozenset(window)


def schedule_to_json(schedule: Schedule) -> dict[str, Any]:
    return {
        "meetings": [
            {"request": m.request, "slot": m.slot, "table": m.table} for m in schedule.meetings
        ],
        "unscheduled": [{"request": u.request, "reason": u.reason} for u in schedule.unscheduled],
        "objective": schedule.objective,
        "upper_bound": schedule.upper_bound,
        "status": schedule.status,
        "breaks": schedule.breaks,
        "max_breaks": schedule.max_breaks,
        "min_breaks": schedule.min_breaks,
        "breaks_bound": schedule.breaks_bound,
        "seconds": round(schedule.seconds, 3),
    }


def _objects(
    document: dict[str, Any], key: str, optional: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    """The list under `key`, each object with its path for error messages."""
    value = document.get(key)
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise InvalidInstance(key, "a list of objects")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidInstance(f"{key}[{index}]", "an object")
    return [(f"{key}[{index}]", item) for index, item in enumerate(value)]


def _string(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInstance(f"{where}.{key}", "a non-empty string")
    return value


def _int(item: dict[str, Any], key: str, where: str) -> int:
    value = item.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInstance(f"{where}.{key}" if where else key, "an integer")
    return value


def _optional_int(item: dict[str, Any], key: str, where: str) -> int | None:
    return None if item.get(key) is None else _int(item, key, where)


def _time(item: dict[str, Any], key: str, where: str) -> dt.datetime:
    text = _string(item, key, where)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as wrong:
        raise InvalidInstance(f"{where}.{key}", "an ISO 8601 date-time with offset") from wrong
    if moment.tzinfo is None:
        raise InvalidInstance(f"{where}.{key}", "needs a UTC offset")
    return moment
