"""Decisions on an expo itself: create it, change its calendar, move it through its life."""

from __future__ import annotations

from typing import Any

from services.events.access import require_organiser
from services.events.domain import (
    EXPO,
    PUBLISHED,
    ExpoState,
    ScheduleChanges,
    check_transition,
    derive_slots,
    meeting_field,
    meeting_mode_problems,
    publication_of,
    published_of,
    schedule_changes,
)
from shared.atomic import Change
from shared.auth import Principal, Role
from shared.contracts import Event
from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    ExpoCreated,
    ExpoData,
    ExpoStatus,
    ExpoUpdated,
    SchedulePublished,
    SessionData,
)
from shared.errors import CommandConflict, InvalidCommand, Problem


def create_expo(
    principal: Principal, expo_id: str, details: dict[str, Any], sessions: list[SessionData]
) -> tuple[ExpoData, list[Event]]:
    """`details`: the expo's fields but its sessions (name, venue, dates, slot rules, mode)."""
    principal.require(Role.organiser)
    expo = ExpoData(
        id=expo_id,
        organiser=principal.subject,
        **details,
        sessions=sessions,
        slots=_slots(details, sessions),
        status=ExpoStatus.draft,
        version=1,
    )
    return expo, [ExpoCreated(expo=expo)]


def update_expo(
    principal: Principal, state: ExpoState, details: dict[str, Any], sessions: list[SessionData]
) -> tuple[Change, ExpoData]:
    """Replace the details and sessions, before any schedule exists and without dropping a
    slot someone said they are available in."""
    require_organiser(principal, state.expo)
    if state.expo.status not in (ExpoStatus.draft, ExpoStatus.open):
        raise CommandConflict(f"the expo is {state.expo.status.value}; its calendar is fixed")
    slots = _slots(details, sessions)
    known = {slot.id for slot in slots}
    people: list[DelegateData | ExhibitorData] = [
        *state.delegates.values(),
        *state.exhibitors.values(),
    ]
    for person in people:
        lost = set(person.available_slots or ()) - known
        if lost:
            raise CommandConflict(
                f"{person.id} is available in slots this calendar drops: {sorted(lost)[:5]}",
                "sessions",
            )
    expo = state.expo.model_copy(
        update={
            **details,
            "sessions": sessions,
            "slots": slots,
            "version": state.expo.version + 1,
        }
    )
    return _replaced(state, expo), expo


def change_status(
    principal: Principal, state: ExpoState, target: ExpoStatus
) -> tuple[Change, ExpoData]:
    """Open registration, reopen, publish or close. `scheduled` is reached by running the
    scheduler; `published` confirms every scheduled meeting, which will not move again."""
    if target is ExpoStatus.published and state.expo.status is not ExpoStatus.published:
        change, _ = publish(principal, state)  # its first version
        return change, ExpoData.model_validate_json(change.puts[EXPO])
    require_organiser(principal, state.expo)
    check_transition(state.expo, target)
    expo = state.expo.model_copy(update={"status": target, "version": state.expo.version + 1})
    return _replaced(state, expo), expo


def publish(principal: Principal, state: ExpoState) -> tuple[Change, ScheduleChanges]:
    """Send the schedule to participants as its next version: the first takes the expo from
    `scheduled` to `published`, a later one (after runs or moves) goes out only if something
    changed. Every meeting is confirmed; the event says what was added, moved and removed."""
    require_organiser(principal, state.expo)
    changes = schedule_changes(published_of(state.raw), state.meetings)
    if state.expo.status is ExpoStatus.published:
        if not changes.any:
            raise CommandConflict(
                f"nothing changed since version {changes.version - 1} was published",
                code="nothing-to-publish",
                params={"version": changes.version - 1},
            )
        change = Change()
    else:
        check_transition(state.expo, ExpoStatus.published)
        expo = state.expo.model_copy(
            update={"status": ExpoStatus.published, "version": state.expo.version + 1}
        )
        change = _replaced(state, expo)
    for meeting in state.meetings.values():
        if not meeting.confirmed:
            name = meeting_field(meeting.request_id)
            change.expect(name, state.raw[name])
            change.put(name, meeting.model_copy(update={"confirmed": True}).model_dump_json())
    change.expect(PUBLISHED, state.raw.get(PUBLISHED))
    change.put(PUBLISHED, publication_of(changes, state.meetings).model_dump_json())
    change.announce(
        SchedulePublished(
            expo_id=state.expo.id,
            version=changes.version,
            added=changes.added,
            moved=changes.moved,
            removed=changes.removed,
        )
    )
    return change, changes


def _slots(details: dict[str, Any], sessions: list[SessionData]) -> list[Any]:
    """The expo's slots, or every problem of its calendar and meeting mode at once."""
    problems = meeting_mode_problems(details["mode"], details["tables"])
    try:
        slots = derive_slots(
            details["time_zone"],
            details["start_date"],
            details["end_date"],
            sessions,
            details["slot_minutes"],
            details["break_minutes"],
        )
    except InvalidCommand as calendar:
        raise Problem.all_of([calendar, *calendar.others, *problems]) from None
    if problems:
        raise Problem.all_of(problems)
    return slots


def _replaced(state: ExpoState, expo: ExpoData) -> Change:
    change = Change()
    change.expect(EXPO, state.raw[EXPO])
    change.put(EXPO, expo.model_dump_json())
    change.announce(ExpoUpdated(expo=expo))
    return change
