"""Decisions on how a meeting went: each party records its own view once the meeting has
started, the organiser records the final one, and the expo counts the organiser's if there is
one, else a no-show from either side, else the latest view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.events.access import require_party
from services.events.domain import outcome_field, request_field, view_field
from services.events.views import RequestView
from shared.atomic import Change
from shared.auth import Principal, Role
from shared.contracts.expo import (
    FollowUp,
    MeetingOutcomeRecorded,
    OutcomeData,
    Recorder,
    RequestStatus,
)
from shared.errors import CommandConflict, InvalidCommand, Problem

# The largest deal a small producer's meeting plausibly leads to, per currency; others get the
# general cap. Beyond it a value is a typo (or a test of the system), not a deal.
DEAL_LIMITS = {"IDR": 100_000_000_000.0}
DEAL_LIMIT = 10_000_000.0
RECORDED = {RequestStatus.scheduled, RequestStatus.held, RequestStatus.no_show}


@dataclass(frozen=True)
class Outcome:
    held: bool
    rating: int | None = None
    follow_up: FollowUp = FollowUp.none
    deal_value: float | None = None
    currency: str | None = None
    version: int | None = None  # of the record this one replaces (None: the first)


def record_outcome(
    principal: Principal, view: RequestView, outcome: Outcome, now: dt.datetime
) -> tuple[Change, OutcomeData]:
    """Record the principal's own view of the meeting; replacing it needs the version it
    replaces, so two writers never overwrite each other unknowingly."""
    require_party(principal, view.expo, view.delegate, view.seller)
    request, meeting = view.request, view.meeting
    if request.status not in RECORDED or meeting is None:
        raise CommandConflict(
            f"only a scheduled meeting has an outcome; this one is {request.status.value}"
        )
    if now < meeting.start:
        raise CommandConflict(
            f"the meeting starts at {meeting.start.isoformat()}; record how it went after that"
        )
    _check(outcome)
    recorder = _recorder(principal)
    name = view_field(request.id, recorder.value)
    earlier = view.views.get(recorder)
    if (earlier.version if earlier else None) != outcome.version:
        raise CommandConflict(
            f"your record is at version {earlier.version}; send it to replace the record"
            if earlier
            else "there is no record to replace yet; leave out the version",
            "version",
        )
    recorded = OutcomeData(
        request_id=request.id,
        expo_id=request.expo_id,
        delegate_id=request.delegate_id,
        seller_id=request.seller_id,
        held=outcome.held,
        rating=outcome.rating,
        follow_up=outcome.follow_up,
        deal_value=outcome.deal_value,
        currency=outcome.currency,
        version=(earlier.version + 1) if earlier else 1,
        recorded_by=recorder,
    )
    counted = _counted({**view.views, recorder: recorded}, recorded)
    status = RequestStatus.held if counted.held else RequestStatus.no_show
    updated = request.model_copy(update={"status": status, "version": request.version + 1})
    change = Change()
    change.expect(request_field(request.id), view.raw[request_field(request.id)])
    change.expect(name, view.raw.get(name))
    change.put(name, recorded.model_dump_json())
    change.put(request_field(request.id), updated.model_dump_json())
    change.put(outcome_field(request.id), counted.model_dump_json())
    change.announce(MeetingOutcomeRecorded(outcome=recorded))
    return change, recorded


def _check(outcome: Outcome) -> None:
    """Every rule the outcome's fields break together, reported at once."""
    problems: list[Problem] = []
    if not outcome.held and (
        outcome.deal_value or outcome.follow_up is not FollowUp.none or outcome.rating
    ):
        problems.append(
            InvalidCommand("a meeting that was not held has no rating, follow-up or deal", "held")
        )
    if (outcome.deal_value is None) != (outcome.currency is None):
        problems.append(
            InvalidCommand("a deal value needs its currency and the reverse", "currency")
        )
    if outcome.deal_value is not None and outcome.currency is not None:
        limit = DEAL_LIMITS.get(outcome.currency, DEAL_LIMIT)
        if outcome.deal_value > limit:
            problems.append(
                InvalidCommand(
                    f"a deal from one meeting above {limit:,.0f} {outcome.currency} is not "
                    "plausible",
                    "deal_value",
                )
            )
    if problems:
        raise Problem.all_of(problems)


def _recorder(principal: Principal) -> Recorder:
    if principal.role is Role.delegate:
        return Recorder.delegate
    if principal.role is Role.seller:
        return Recorder.seller
    return Recorder.organiser  # the expo's organiser or a service (require_party said so)


def _counted(views: dict[Recorder, OutcomeData], latest: OutcomeData) -> OutcomeData:
    """The organiser's final record; else a no-show from either side; else the latest view."""
    if Recorder.organiser in views:
        return views[Recorder.organiser]
    absent = [v for v in views.values() if not v.held]
    return absent[0] if absent else latest
