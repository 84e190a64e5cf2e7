"""The scheduler's words as an organiser reads them: a run's phases and why it stopped, why a
request is not placed or a move is refused, what no longer holds for a meeting, and how close
a schedule is to the best possible one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from services.web import i18n
from services.web.messages import N_

PHASES = {
    "reading": N_("Reading the requests"),
    "selecting": N_("Choosing which meetings to hold"),
    "placing": N_("Placing them in slots and at tables"),
    "closing_gaps": N_("Closing idle breaks between meetings"),
    "committing": N_("Saving the schedule"),
    "done": N_("Done"),
}
SCOPES = {
    "everything": N_("Everything (meetings not locked or published may move)"),
    "unplaced": N_("Only what is not placed (every placed meeting stays)"),
}
# Why the scheduler, or a move by hand, left a request without the meeting asked for.
UNPLACED = {
    "no_common_slot": N_("The two are never free at the same time."),
    "max_meetings": N_("One of the two has reached their limit of meetings."),
    "capacity": N_("Every table is taken whenever both are free."),
    "conflict": N_("Both are busy with other meetings in every slot they share."),
    "slot_taken": N_("One of the two is busy at that time, or not there."),
    "table_taken": N_("That table is taken at that time."),
    # the grid's, within one session
    "unavailable_here": N_("The two are not both here in this session."),
    "outside_window": N_("The meeting was asked for another part of the expo."),
    "busy_here": N_("One of the two is busy in every slot of this session they share."),
    "full_here": N_("Every table is taken in this session whenever both are free."),
}
CONFLICTS = {
    "delegate_unavailable": N_("The delegate is no longer available at this time."),
    "exhibitor_unavailable": N_("The exhibitor is no longer available at this time."),
    "over_limit": N_("A participant has more meetings than their limit."),
}
RUN_PROBLEMS = {
    "interrupted": N_("The run stopped because the service running it stopped. Run it again."),
    "internal": N_("The run failed on our side. It has been logged; run it again."),
    "expo-not-schedulable": N_("This expo cannot be scheduled in its present status."),
    "run-in-progress": N_("A scheduling run of this expo is already going on. Wait for it."),
    "conflict": N_("The expo changed while the run was saving. Run it again."),
    "meeting-locked": N_("This meeting is locked. Unlock it to move it."),
    "no-meeting": N_("This request has no meeting any more."),
    "not-waiting": N_("This request already has a meeting, or is over."),
    "nothing-to-publish": N_("Nothing has changed since the last published version."),
    "status-unreachable": N_("The expo has no schedule to publish yet: run the scheduler first."),
}


def _said(table: dict[str, str], code: str | None, fallback: str) -> str:
    return i18n._(table[code]) if code in table else fallback


def phase(code: str) -> str:
    return _said(PHASES, code, code)


def scope(code: str) -> str:
    return _said(SCOPES, code, code)


def unplaced(code: str | None, english: str = "") -> str:
    return _said(UNPLACED, code, english or str(code))


def conflict(code: str) -> str:
    return _said(CONFLICTS, code, code)


def run_problem(code: str | None, english: str) -> str:
    return _said(RUN_PROBLEMS, code, english)


@dataclass(frozen=True)
class Quality:
    """How close a schedule's weight is to the proven bound: 100 % is the best possible."""

    weight: int
    bound: int

    @property
    def percent(self) -> float:
        return 100.0 if self.bound == 0 else 100.0 * self.weight / self.bound

    @property
    def gap(self) -> float:
        return 100.0 - self.percent

    @property
    def proven_best(self) -> bool:
        return self.weight >= self.bound


def quality(weight: int | None, bound: int | None) -> Quality | None:
    return None if weight is None or bound is None else Quality(weight, bound)


def reasons(report: dict[str, Any]) -> list[tuple[str, int]]:
    """The report's reasons for what it left out, the commonest first."""
    counted = Counter(str(item["reason"]) for item in report.get("unplaced", []))
    return sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))


def percent(value: float) -> str:
    """`98,7 %` or `98.7%`, as the reader writes it; never 100 % for what is not."""
    shown = min(value, 99.9) if value < 100 else 100.0
    return i18n.percent(shown / 100)
