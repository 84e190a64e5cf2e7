"""Every rule a schedule can break, in words: what the tests and benchmarks hold answers to."""

from __future__ import annotations

from collections import defaultdict

from services.events.scheduling.booking import Booking, placed_weight
from services.events.scheduling.instance import Instance, Meeting, Schedule


def check_feasible(instance: Instance, schedule: Schedule) -> list[str]:
    """Every rule a schedule breaks, in words (empty when there is none): the hard rules, the
    confirmed meetings, the objective and its bound, and that every request left out is listed
    once with the true reason it does not fit."""
    booking, problems = _rebook_checked(instance, schedule)
    for person, count in booking.count.items():
        limit = instance.by_id[person].max_meetings
        if limit is not None and count > limit:
            problems.append(f"{person}: {count} meetings, more than {limit}")
    for fixed in instance.fixed:
        kept = booking.meetings.get(fixed.request)
        if (
            kept is None
            or kept.slot != fixed.slot
            or (fixed.table is not None and kept.table != fixed.table)
        ):
            problems.append(f"{fixed.request}: a confirmed meeting moved")
    weight = placed_weight(instance, booking)
    if weight != schedule.objective:
        problems.append(f"objective {schedule.objective} is not the placed weight {weight}")
    if schedule.objective > schedule.upper_bound:
        problems.append("objective above the upper bound")
    return problems + _left_out_problems(instance, schedule, booking)


def _rebook_checked(instance: Instance, schedule: Schedule) -> tuple[Booking, list[str]]:
    """The schedule's meetings booked one by one, with every hard rule each one breaks."""
    problems: list[str] = []
    booking = Booking(instance)
    tables: dict[str, set[int | None]] = defaultdict(set)
    for meeting in schedule.meetings:
        request = instance.request_by_id.get(meeting.request)
        slot = instance.slot_index.get(meeting.slot)
        if request is None or slot is None:
            problems.append(f"{meeting.request}: unknown request or slot")
            continue
        if meeting.request in booking.meetings:
            problems.append(f"{meeting.request}: placed twice")
        for person in (request.a, request.b):
            if not instance.available(person, slot):
                problems.append(f"{meeting.request}: {person} not available in {meeting.slot}")
            if (person, slot) in booking.at:
                problems.append(f"{meeting.request}: {person} double-booked in {meeting.slot}")
        if request.slots is not None and meeting.slot not in request.slots:
            problems.append(f"{meeting.request}: {meeting.slot} is outside its window")
        problems += _table_problems(instance, meeting, tables[meeting.slot])
        tables[meeting.slot].add(meeting.table)
        booking.book(request, slot, meeting.table)
    return booking, problems


def _table_problems(instance: Instance, meeting: Meeting, taken: set[int | None]) -> list[str]:
    if instance.tables is None:
        return [f"{meeting.request}: a table at the booth"] if meeting.table is not None else []
    if meeting.table is None or not 1 <= meeting.table <= instance.tables:
        return [f"{meeting.request}: table {meeting.table} does not exist"]
    if meeting.table in taken:
        return [f"{meeting.request}: table {meeting.table} double-booked"]
    return []


def _left_out_problems(instance: Instance, schedule: Schedule, booking: Booking) -> list[str]:
    """Every request left out is listed once, does not fit, and says the true reason."""
    problems: list[str] = []
    left_out = sorted(u.request for u in schedule.unscheduled)
    if left_out != sorted(set(instance.request_by_id) - set(booking.meetings)):
        problems.append("the unscheduled list is not exactly the requests left out")
    for unscheduled in schedule.unscheduled:
        request = instance.request_by_id.get(unscheduled.request)
        if request is None or request.id in booking.meetings:
            continue
        if booking.under_limits(request) and booking.best_slot(request) is not None:
            problems.append(f"{request.id}: left out, but it fits")
        elif unscheduled.reason != booking.reason(request):
            problems.append(
                f"{request.id}: reason {unscheduled.reason}, but it is {booking.reason(request)}"
            )
    return problems
