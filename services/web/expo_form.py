"""The expo form: what the page shows, what it sends to the events API, and where the API's
field errors go back on the page. Pure: no I/O, no framework.

The API is the one validator: the page sends what was typed (an empty date, "dua puluh"
minutes) and shows the API's refusal next to the field, translated by its code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.web.api import ApiProblem
from services.web.messages import FieldMessage, explain

_SIMPLE_FIELDS = (
    "name", "venue", "time_zone", "start_date", "end_date",
    "slot_minutes", "break_minutes", "mode", "tables",
)  # fmt: skip
EMPTY_SESSION_ROWS = 2  # more rows than sessions, so a session is added without JavaScript
MIN_SESSION_ROWS = 4


@dataclass
class SessionRow:
    id: str = ""
    day: str = ""
    start: str = ""
    end: str = ""

    @property
    def empty(self) -> bool:
        return not (self.day or self.start or self.end)

    def session_id(self, row: int) -> str:
        """The row's id: kept on edit; a new row is named by its day and start."""
        if self.id:
            return self.id
        if self.day and self.start:
            return f"{self.day}-{self.start.replace(':', '')}"
        return f"session-{row + 1}"


@dataclass
class ExpoForm:
    name: str = ""
    venue: str = ""
    time_zone: str = "Asia/Makassar"
    start_date: str = ""
    end_date: str = ""
    slot_minutes: str = "20"
    break_minutes: str = "5"
    mode: str = "tables"
    tables: str = "8"
    sessions: list[SessionRow] = field(default_factory=list)

    def __post_init__(self) -> None:
        filled = [row for row in self.sessions if not row.empty]
        rows = max(MIN_SESSION_ROWS, len(filled) + EMPTY_SESSION_ROWS)
        self.sessions = filled + [SessionRow() for _ in range(rows - len(filled))]

    @classmethod
    def from_expo(cls, expo: Mapping[str, Any]) -> ExpoForm:
        return cls(
            name=expo["name"],
            venue=expo["venue"],
            time_zone=expo["time_zone"],
            start_date=expo["start_date"],
            end_date=expo["end_date"],
            slot_minutes=str(expo["slot_minutes"]),
            break_minutes=str(expo["break_minutes"]),
            mode=expo["mode"],
            tables="" if expo["tables"] is None else str(expo["tables"]),
            sessions=[
                SessionRow(s["id"], s["day"], s["start"][:5], s["end"][:5])
                for s in expo["sessions"]
            ],
        )

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> ExpoForm:
        rows: dict[int, SessionRow] = {}
        for name, value in data.items():
            if name.startswith("sessions[") and "]." in name:
                index, part = name.removeprefix("sessions[").split("].", 1)
                if index.isdigit() and part in ("id", "day", "start", "end"):
                    setattr(rows.setdefault(int(index), SessionRow()), part, value.strip())
        simple = {name: str(data.get(name, "")).strip() for name in _SIMPLE_FIELDS}
        return cls(**simple, sessions=[rows[i] for i in sorted(rows)])

    def body(self) -> tuple[dict[str, Any], list[int]]:
        """The API's body, and for each session it lists, the row it came from (the API
        numbers only the rows sent)."""
        sent = [(row, session) for row, session in enumerate(self.sessions) if not session.empty]
        body: dict[str, Any] = {
            "name": self.name,
            "venue": self.venue,
            "time_zone": self.time_zone,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "slot_minutes": self.slot_minutes,
            "break_minutes": self.break_minutes,
            "mode": self.mode,
            "tables": (self.tables or None) if self.mode == "tables" else None,
            "sessions": [
                {"id": s.session_id(row), "day": s.day, "start": s.start, "end": s.end}
                for row, s in sent
            ],
        }
        return body, [row for row, _ in sent]

    def errors(self, problem: ApiProblem, rows: list[int]) -> dict[str, FieldMessage]:
        """The API's field errors under the names of this form's inputs."""
        shown: dict[str, FieldMessage] = {}
        for name, error in problem.field_errors("body.").items():
            shown.setdefault(
                _input_of(name, rows), explain(error.code, error.params, error.message)
            )
        if not shown:
            shown["form"] = explain(problem.code, problem.params, problem.detail)
        return shown


def _input_of(name: str, rows: list[int]) -> str:
    """`sessions[1].day` of the API is the row the second sent session came from; a session's
    id has no input, so its error goes to the row's start."""
    if not name.startswith("sessions["):
        return name
    index, _, rest = name.removeprefix("sessions[").partition("]")
    if not index.isdigit() or int(index) >= len(rows):
        return "sessions"
    part = rest.removeprefix(".") or "day"
    return f"sessions[{rows[int(index)]}].{'start' if part == 'id' else part}"
