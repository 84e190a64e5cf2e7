"""Events HTTP routes: expos and their sessions, delegates, exhibitors, meeting requests,
scheduling, agendas, outcomes and statistics."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.events import meetings
from services.events.agenda import AgendaItem, agenda_items, to_html, to_icalendar
from services.events.domain import (
    EXPO,
    ExpoState,
    check_meeting_mode,
    check_transition,
    delegate_field,
    delegate_of_subject_field,
    derive_slots,
    exhibitor_field,
    exhibitor_of_seller_field,
    expand_availability,
    meeting_field,
    request_field,
)
from services.events.planner import ScheduleReport, publish, run_schedule
from services.events.store import EventsStore
from shared.atomic import Change
from shared.auth import CurrentPrincipal, Principal, Role
from shared.contracts.catalog import CertificationKind, ListingStatus, Sector
from shared.contracts.expo import (
    DelegateData,
    DelegateRegistered,
    DelegateRole,
    DelegateUpdated,
    ExhibitorData,
    ExhibitorRegistered,
    ExpoCreated,
    ExpoData,
    ExpoStatus,
    ExpoUpdated,
    FollowUp,
    MeetingData,
    MeetingMode,
    MeetingRequestData,
    OutcomeData,
    RequestOrigin,
    RequestStatus,
    SessionData,
)
from shared.errors import Conflict, Forbidden, InvalidField, NotFound
from shared.http import Page, PageParams, page_params
from shared.types import (
    CountryCode,
    CurrencyCode,
    HsPrefix,
    Identifier,
    LanguageTag,
    ShortText,
    SubdivisionCode,
)

router = APIRouter()


def get_store(request: Request) -> EventsStore:
    store: EventsStore = request.app.state.store
    return store


Store = Annotated[EventsStore, Depends(get_store)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- expos -----------------------------------------------------------------------------------
class SessionIn(Strict):
    id: Identifier = Field(examples=["d1-am"])
    day: dt.date
    start: dt.time
    end: dt.time


class ExpoIn(Strict):
    name: ShortText = Field(examples=["Sunda Kecil Expo 2019"])
    venue: ShortText = Field(examples=["Aula El Tari, Kupang"])
    time_zone: str = Field(max_length=64, examples=["Asia/Makassar"])
    start_date: dt.date
    end_date: dt.date
    sessions: list[SessionIn] = Field(min_length=1, max_length=100)
    slot_minutes: int = Field(20, ge=5, le=240)
    break_minutes: int = Field(5, ge=0, le=120)
    mode: MeetingMode = MeetingMode.tables
    tables: int | None = Field(None, ge=1, le=1000)


class StatusIn(Strict):
    status: ExpoStatus


def _sessions(body: ExpoIn) -> list[SessionData]:
    return [SessionData(**session.model_dump()) for session in body.sessions]


@router.post("/expos", status_code=status.HTTP_201_CREATED, tags=["expos"])
async def create_expo(body: ExpoIn, principal: CurrentPrincipal, store: Store) -> ExpoData:
    principal.require(Role.organiser)
    check_meeting_mode(body.mode, body.tables)
    sessions = _sessions(body)
    slots = derive_slots(
        body.time_zone,
        body.start_date,
        body.end_date,
        sessions,
        body.slot_minutes,
        body.break_minutes,
    )
    expo = ExpoData(
        id=f"exp-{uuid.uuid4().hex[:12]}",
        organiser=principal.subject,
        **body.model_dump(exclude={"sessions"}),
        sessions=sessions,
        slots=slots,
        status=ExpoStatus.draft,
        version=1,
    )
    await store.create(expo.id, {EXPO: expo.model_dump_json()}, [ExpoCreated(expo=expo)])
    return expo


@router.get("/expos", tags=["expos"])
async def list_expos(
    principal: CurrentPrincipal, store: Store, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ExpoData]:
    expos = []
    for expo_id in await store.expo_ids():
        fields = await store.read(expo_id, [EXPO])
        if EXPO in fields:
            expos.append(ExpoData.model_validate_json(fields[EXPO]))
    return page.page(sorted(expos, key=lambda e: (e.start_date, e.id)))


@router.get("/expos/{expo_id}", tags=["expos"])
async def get_expo(expo_id: Identifier, principal: CurrentPrincipal, store: Store) -> ExpoData:
    return await _expo(store, expo_id)


@router.put("/expos/{expo_id}", tags=["expos"])
async def update_expo(
    expo_id: Identifier, body: ExpoIn, principal: CurrentPrincipal, store: Store
) -> ExpoData:
    """Replace the expo's details and sessions (before any schedule exists)."""
    state = await store.load(expo_id)
    require_organiser(principal, state.expo)
    if state.expo.status not in (ExpoStatus.draft, ExpoStatus.open):
        raise Conflict(f"the expo is {state.expo.status.value}; its calendar is fixed")
    check_meeting_mode(body.mode, body.tables)
    sessions = _sessions(body)
    slots = derive_slots(
        body.time_zone,
        body.start_date,
        body.end_date,
        sessions,
        body.slot_minutes,
        body.break_minutes,
    )
    known = {slot.id for slot in slots}
    people: list[DelegateData | ExhibitorData] = [
        *state.delegates.values(),
        *state.exhibitors.values(),
    ]
    for person in people:
        lost = set(person.available_slots or ()) - known
        if lost:
            raise Conflict(
                f"{person.id} is available in slots this calendar drops: {sorted(lost)[:5]}",
                "body.sessions",
            )
    expo = state.expo.model_copy(
        update={
            **body.model_dump(exclude={"sessions"}),
            "sessions": sessions,
            "slots": slots,
            "version": state.expo.version + 1,
        }
    )
    await _replace_expo(store, state, expo)
    return expo


@router.post("/expos/{expo_id}/status", tags=["expos"])
async def change_status(
    expo_id: Identifier, body: StatusIn, principal: CurrentPrincipal, store: Store
) -> ExpoData:
    """Open registration, reopen, publish or close. `scheduled` is reached by running the
    scheduler; `published` confirms every scheduled meeting."""
    state = await store.load(expo_id)
    require_organiser(principal, state.expo)
    check_transition(state.expo, body.status)
    if body.status is ExpoStatus.scheduled:
        raise Conflict("run the scheduler (POST /expos/{id}/schedule) to schedule", "body.status")
    if body.status is ExpoStatus.published:
        return await publish(store, state)
    expo = state.expo.model_copy(update={"status": body.status, "version": state.expo.version + 1})
    await _replace_expo(store, state, expo)
    return expo


async def _replace_expo(store: EventsStore, state: ExpoState, expo: ExpoData) -> None:
    change = Change()
    change.expect(EXPO, state.raw[EXPO])
    change.put(EXPO, expo.model_dump_json())
    change.announce(ExpoUpdated(expo=expo))
    await store.commit_or_conflict(expo.id, change)


# -- participants ----------------------------------------------------------------------------
class AvailabilityIn(Strict):
    """Given by whole sessions and/or single slots; leave both out for the whole expo."""

    sessions: list[Identifier] | None = Field(None, max_length=100)
    slots: list[Identifier] | None = Field(None, max_length=2000)


class DelegateIn(Strict):
    name: ShortText = Field(examples=["Kenji Watanabe"])
    country: CountryCode
    organisation: ShortText = Field(examples=["Embassy of Japan, Jakarta"])
    role: DelegateRole
    languages: list[LanguageTag] = Field(min_length=1, max_length=10)
    interests: list[ShortText] = Field(default_factory=list, max_length=20)
    sectors: list[Sector] = Field(default_factory=list, max_length=21)
    hs_codes: list[HsPrefix] = Field(default_factory=list, max_length=50)
    required_certifications: list[CertificationKind] = Field(default_factory=list, max_length=10)
    preferred_provinces: list[SubdivisionCode] = Field(default_factory=list, max_length=38)
    availability: AvailabilityIn | None = None
    max_meetings: int | None = Field(None, ge=0, le=500)
    subject: Identifier | None = Field(
        None, description="The delegate's account subject (organisers only; delegates are self)"
    )


class ExhibitorIn(Strict):
    seller_id: Identifier
    booth: ShortText | None = Field(None, max_length=20)
    availability: AvailabilityIn | None = None
    max_meetings: int | None = Field(None, ge=0, le=500)


def _availability(expo: ExpoData, given: AvailabilityIn | None) -> list[str] | None:
    if given is None:
        return None
    return expand_availability(expo, given.sessions, given.slots, "body.availability")


@router.post("/expos/{expo_id}/delegates", status_code=status.HTTP_201_CREATED, tags=["delegates"])
async def register_delegate(
    expo_id: Identifier, body: DelegateIn, principal: CurrentPrincipal, store: Store
) -> DelegateData:
    principal.require(Role.organiser, Role.delegate, Role.service)
    expo = await _expo(store, expo_id)
    if principal.role is Role.delegate:
        if body.subject not in (None, principal.subject):
            raise InvalidField("a delegate registers only themselves", "body.subject")
        subject = principal.subject
    else:
        require_organiser(principal, expo)
        subject = body.subject or f"delegate-{uuid.uuid4().hex[:8]}"
    _require_registration_open(expo)
    delegate = DelegateData(
        id=f"dlg-{uuid.uuid4().hex[:12]}",
        expo_id=expo_id,
        subject=subject,
        available_slots=_availability(expo, body.availability),
        version=1,
        **body.model_dump(exclude={"availability", "subject"}),
    )
    change = Change()
    change.expect(delegate_of_subject_field(subject), None)
    change.put(delegate_of_subject_field(subject), delegate.id)
    change.put(delegate_field(delegate.id), delegate.model_dump_json())
    change.announce(DelegateRegistered(delegate=delegate))
    if await store.commit(expo_id, change) is not None:
        raise Conflict(f"{subject} is already a delegate of this expo", "body.subject")
    return delegate


@router.get("/expos/{expo_id}/delegates", tags=["delegates"])
async def list_delegates(
    expo_id: Identifier,
    principal: CurrentPrincipal,
    store: Store,
    page: Annotated[PageParams, Depends(page_params)],
    country: CountryCode | None = None,
) -> Page[DelegateData]:
    state = await store.load(expo_id)
    visible = [
        d
        for d in state.delegates.values()
        if (principal.is_staff or d.subject == principal.subject)
        and (country is None or d.country == country)
    ]
    return page.page(sorted(visible, key=lambda d: (d.name, d.id)))


@router.get("/expos/{expo_id}/delegates/{delegate_id}", tags=["delegates"])
async def get_delegate(
    expo_id: Identifier, delegate_id: Identifier, principal: CurrentPrincipal, store: Store
) -> DelegateData:
    delegate = await _delegate(store, expo_id, delegate_id)
    _require_self_or_staff(principal, delegate)
    return delegate


class DelegatePatch(Strict):
    interests: list[ShortText] | None = Field(None, max_length=20)
    sectors: list[Sector] | None = Field(None, max_length=21)
    hs_codes: list[HsPrefix] | None = Field(None, max_length=50)
    required_certifications: list[CertificationKind] | None = Field(None, max_length=10)
    preferred_provinces: list[SubdivisionCode] | None = Field(None, max_length=38)
    languages: list[LanguageTag] | None = Field(None, min_length=1, max_length=10)
    availability: AvailabilityIn | None = None
    max_meetings: int | None = Field(None, ge=0, le=500)


@router.patch("/expos/{expo_id}/delegates/{delegate_id}", tags=["delegates"])
async def update_delegate(
    expo_id: Identifier,
    delegate_id: Identifier,
    body: DelegatePatch,
    principal: CurrentPrincipal,
    store: Store,
) -> DelegateData:
    fields = await store.read(expo_id, [EXPO, delegate_field(delegate_id)])
    expo = _parse_expo(fields, expo_id)
    raw = fields.get(delegate_field(delegate_id))
    if raw is None:
        raise NotFound(f"no delegate {delegate_id} in expo {expo_id}", "delegate_id")
    delegate = DelegateData.model_validate_json(raw)
    _require_self_or_staff(principal, delegate)
    changes = body.model_dump(exclude_unset=True, exclude={"availability"})
    if "availability" in body.model_fields_set:
        changes["available_slots"] = _availability(expo, body.availability)
    updated = delegate.model_copy(update={**changes, "version": delegate.version + 1})
    updated = DelegateData.model_validate(updated.model_dump())
    change = Change()
    change.expect(delegate_field(delegate_id), raw)
    change.put(delegate_field(delegate_id), updated.model_dump_json())
    change.announce(DelegateUpdated(delegate=updated))
    await store.commit_or_conflict(expo_id, change)
    return updated


@router.post(
    "/expos/{expo_id}/exhibitors", status_code=status.HTTP_201_CREATED, tags=["exhibitors"]
)
async def register_exhibitor(
    expo_id: Identifier, body: ExhibitorIn, principal: CurrentPrincipal, store: Store
) -> ExhibitorData:
    principal.require(Role.organiser, Role.seller, Role.service)
    expo = await _expo(store, expo_id)
    seller = await store.seller(body.seller_id)
    if seller is None:
        raise InvalidField(
            f"no seller {body.seller_id} in the catalog (or not yet seen by this service)",
            "body.seller_id",
        )
    if seller.status is not ListingStatus.active:
        raise InvalidField(f"seller {seller.id} is delisted", "body.seller_id")
    if principal.role is Role.seller:
        if seller.owner != principal.subject:
            raise Forbidden(f"only the owner of {seller.id} or an organiser may register it")
    else:
        require_organiser(principal, expo)
    _require_registration_open(expo)
    exhibitor = ExhibitorData(
        id=f"exh-{uuid.uuid4().hex[:12]}",
        expo_id=expo_id,
        seller_id=seller.id,
        seller_name=seller.name,
        booth=body.booth,
        available_slots=_availability(expo, body.availability),
        max_meetings=body.max_meetings,
        version=1,
    )
    change = Change()
    change.expect(exhibitor_of_seller_field(seller.id), None)
    change.put(exhibitor_of_seller_field(seller.id), exhibitor.id)
    change.put(exhibitor_field(exhibitor.id), exhibitor.model_dump_json())
    change.add_to(store.sellers_key(expo_id), seller.id)
    change.announce(ExhibitorRegistered(exhibitor=exhibitor))
    if await store.commit(expo_id, change) is not None:
        raise Conflict(f"{seller.name} already exhibits at this expo", "body.seller_id")
    return exhibitor


@router.get("/expos/{expo_id}/exhibitors", tags=["exhibitors"])
async def list_exhibitors(
    expo_id: Identifier,
    principal: CurrentPrincipal,
    store: Store,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[ExhibitorData]:
    state = await store.load(expo_id)
    return page.page(sorted(state.exhibitors.values(), key=lambda x: (x.seller_name, x.id)))


def _require_registration_open(expo: ExpoData) -> None:
    if expo.status is ExpoStatus.closed:
        raise Conflict("the expo is closed")


# -- meeting requests ------------------------------------------------------------------------
class MeetingRequestIn(Strict):
    delegate_id: Identifier
    exhibitor_id: Identifier
    weight: int = Field(5, ge=1, le=100, description="Importance for the scheduler")
    slot_id: Identifier | None = Field(
        None, description="Ask for this slot (once a schedule exists, else it is a hint ignored)"
    )


class Placement(BaseModel):
    reason: str
    detail: str


class MeetingRequestOut(BaseModel):
    request: MeetingRequestData
    meeting: MeetingData | None
    not_placed: Placement | None = None


def _request_out(outcome: meetings.RequestOutcome) -> MeetingRequestOut:
    unplaced = outcome.unplaced
    return MeetingRequestOut(
        request=outcome.request,
        meeting=outcome.meeting,
        not_placed=Placement(reason=unplaced.reason, detail=unplaced.detail) if unplaced else None,
    )


@router.post("/expos/{expo_id}/requests", status_code=status.HTTP_201_CREATED, tags=["meetings"])
async def request_meeting(
    expo_id: Identifier, body: MeetingRequestIn, principal: CurrentPrincipal, store: Store
) -> MeetingRequestOut:
    """A delegate asks to meet an exhibitor (or an organiser asks for them). Once a schedule
    exists the request is placed at once in the best free slot, moving nothing else."""
    principal.require(Role.organiser, Role.delegate, Role.service)
    expo = await _expo(store, expo_id)
    if principal.role is Role.delegate:
        delegate = await _delegate(store, expo_id, body.delegate_id, "body.delegate_id")
        if delegate.subject != principal.subject:
            raise Forbidden("a delegate requests meetings only for themselves")
        origin = RequestOrigin.delegate
    else:
        require_organiser(principal, expo)
        origin = RequestOrigin.organiser
    outcome = await meetings.create_request(
        store,
        expo_id,
        f"req-{uuid.uuid4().hex[:12]}",
        body.delegate_id,
        body.exhibitor_id,
        body.weight,
        origin,
        preferred_slot=body.slot_id,
    )
    return _request_out(outcome)


@router.get("/expos/{expo_id}/requests", tags=["meetings"])
async def list_requests(
    expo_id: Identifier,
    principal: CurrentPrincipal,
    store: Store,
    page: Annotated[PageParams, Depends(page_params)],
    request_status: Annotated[RequestStatus | None, Query(alias="status")] = None,
) -> Page[MeetingRequestOut]:
    """Organisers see every request; a delegate or a seller those they take part in. Reads
    only those requests, and parses only the page's unless a status is asked for."""
    await _expo(store, expo_id)
    if principal.is_staff:
        ids = await store.request_ids(expo_id)
    else:
        ids = await store.requests_of(expo_id, await _own_participants(principal, store, expo_id))
    if request_status is not None:
        fields = await store.read(expo_id, [request_field(i) for i in ids])
        ids = [
            i
            for i in ids
            if MeetingRequestData.model_validate_json(fields[request_field(i)]).status
            is request_status
        ]
    window = page.window(ids)
    names = [request_field(i) for i in window] + [meeting_field(i) for i in window]
    fields = await store.read(expo_id, names)
    shown = []
    for request_id in window:
        meeting = fields.get(meeting_field(request_id))
        shown.append(
            MeetingRequestOut(
                request=MeetingRequestData.model_validate_json(fields[request_field(request_id)]),
                meeting=MeetingData.model_validate_json(meeting) if meeting else None,
            )
        )
    return page.page_of(shown, len(ids))


@router.get("/expos/{expo_id}/requests/{request_id}", tags=["meetings"])
async def get_request(
    expo_id: Identifier, request_id: Identifier, principal: CurrentPrincipal, store: Store
) -> MeetingRequestOut:
    head = await store.read(expo_id, [EXPO, request_field(request_id), meeting_field(request_id)])
    _parse_expo(head, expo_id)
    request = _parse_request(head, expo_id, request_id)
    if not await _is_party(principal, store, request):
        raise NotFound(f"no meeting request {request_id} in expo {expo_id}", "request_id")
    meeting = head.get(meeting_field(request_id))
    return MeetingRequestOut(
        request=request, meeting=MeetingData.model_validate_json(meeting) if meeting else None
    )


class CancelIn(Strict):
    reason: ShortText


class RescheduleIn(Strict):
    slot_id: Identifier | None = Field(None, description="Leave out for the best other slot")


@router.post("/expos/{expo_id}/requests/{request_id}/cancel", tags=["meetings"])
async def cancel_request(
    expo_id: Identifier,
    request_id: Identifier,
    body: CancelIn,
    principal: CurrentPrincipal,
    store: Store,
) -> MeetingRequestData:
    await _require_party(principal, store, expo_id, request_id)
    return await meetings.cancel(store, expo_id, request_id, body.reason)


@router.post("/expos/{expo_id}/requests/{request_id}/reschedule", tags=["meetings"])
async def reschedule_request(
    expo_id: Identifier,
    request_id: Identifier,
    body: RescheduleIn,
    principal: CurrentPrincipal,
    store: Store,
) -> MeetingRequestOut:
    expo = await _expo(store, expo_id)
    require_organiser(principal, expo)
    return _request_out(await meetings.reschedule(store, expo_id, request_id, body.slot_id))


class OutcomeIn(Strict):
    held: bool
    rating: int | None = Field(None, ge=1, le=5)
    follow_up: FollowUp = FollowUp.none
    deal_value: float | None = Field(None, ge=0, le=1e12)
    currency: CurrencyCode | None = None


@router.post("/expos/{expo_id}/requests/{request_id}/outcome", tags=["meetings"])
async def record_outcome(
    expo_id: Identifier,
    request_id: Identifier,
    body: OutcomeIn,
    principal: CurrentPrincipal,
    store: Store,
) -> OutcomeData:
    await _require_party(principal, store, expo_id, request_id)
    return await meetings.record_outcome(store, expo_id, request_id, **body.model_dump())


# -- scheduling ------------------------------------------------------------------------------
class ScheduleIn(Strict):
    time_limit_seconds: float = Field(10, gt=0, le=300)


@router.post("/expos/{expo_id}/schedule", tags=["scheduling"])
async def schedule(
    expo_id: Identifier, body: ScheduleIn, principal: CurrentPrincipal, store: Store
) -> ScheduleReport:
    """Schedule every open request: maximise the weight of meetings held, keep confirmed
    meetings where they are, then leave fewer idle gaps and spread meetings fairly. Says what
    could not be placed and why, and how close the result is to the proven upper bound."""
    expo = await _expo(store, expo_id)
    require_organiser(principal, expo)
    return await run_schedule(store, expo_id, body.time_limit_seconds)


# -- agendas ---------------------------------------------------------------------------------
class AgendaFormat(StrEnum):
    json = "json"
    ics = "ics"
    html = "html"


class AgendaOut(BaseModel):
    expo_id: str
    title: str
    time_zone: str
    meetings: list[AgendaItem]


@router.get("/expos/{expo_id}/agenda", tags=["agendas"], response_model=None)
async def agenda(
    expo_id: Identifier,
    principal: CurrentPrincipal,
    store: Store,
    delegate: Identifier | None = None,
    exhibitor: Identifier | None = None,
    table: Annotated[int | None, Query(ge=1, le=1000)] = None,
    format: AgendaFormat = AgendaFormat.json,
) -> AgendaOut | Response:
    """One delegate's, one exhibitor's, one table's or (organisers) the whole expo's meetings,
    as JSON, iCalendar (`format=ics`) or a printable page (`format=html`). One person's
    agenda reads only their meetings and their counterparts: calendar applications poll it."""
    expo = await _expo(store, expo_id)
    chosen = [
        name
        for name, value in (("delegate", delegate), ("exhibitor", exhibitor), ("table", table))
        if value is not None
    ]
    if len(chosen) > 1:
        raise InvalidField("choose one of delegate, exhibitor or table", f"query.{chosen[1]}")
    if delegate is not None:
        person = await _delegate(store, expo_id, delegate, "query.delegate")
        _require_self_or_staff(principal, person)
        selected = await _meetings_of(store, expo_id, delegate)
        title = f"Agenda of {person.name} ({person.organisation})"
    elif exhibitor is not None:
        booth = await _exhibitor(store, expo_id, exhibitor, "query.exhibitor")
        await _require_exhibitor_or_staff(principal, store, booth)
        selected = await _meetings_of(store, expo_id, exhibitor)
        title = f"Agenda of {booth.seller_name}"
    else:
        if not principal.is_staff:
            raise Forbidden("only organisers see a table's or the whole expo's agenda")
        if table is not None and (expo.tables is None or table > expo.tables):
            raise InvalidField(f"the expo has no table {table}", "query.table")
        state = await store.load(expo_id)
        selected = [m for m in state.meetings.values() if table is None or m.table == table]
        title = f"Table {table}" if table is not None else "All meetings"
    items = agenda_items(selected, *await _names(store, expo_id, selected))
    if format is AgendaFormat.ics:
        return Response(to_icalendar(expo, title, items), media_type="text/calendar; charset=utf-8")
    if format is AgendaFormat.html:
        return Response(to_html(expo, title, items), media_type="text/html; charset=utf-8")
    return AgendaOut(
        expo_id=expo_id,
        title=title,
        time_zone=expo.time_zone,
        meetings=items,
    )


async def _meetings_of(store: EventsStore, expo_id: str, participant_id: str) -> list[MeetingData]:
    ids = await store.requests_of(expo_id, [participant_id])
    found = await store.read(expo_id, [meeting_field(i) for i in ids])
    return [MeetingData.model_validate_json(raw) for raw in found.values()]


async def _names(
    store: EventsStore, expo_id: str, meetings: list[MeetingData]
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Name and country of each delegate, and name of each exhibitor, the meetings involve."""
    delegate_ids = sorted({m.delegate_id for m in meetings})
    exhibitor_ids = sorted({m.exhibitor_id for m in meetings})
    names = [delegate_field(i) for i in delegate_ids] + [exhibitor_field(i) for i in exhibitor_ids]
    found = await store.read(expo_id, names)
    delegates = [
        DelegateData.model_validate_json(found[name])
        for name in map(delegate_field, delegate_ids)
        if name in found
    ]
    exhibitors = [
        ExhibitorData.model_validate_json(found[name])
        for name in map(exhibitor_field, exhibitor_ids)
        if name in found
    ]
    return {d.id: (d.name, d.country) for d in delegates}, {x.id: x.seller_name for x in exhibitors}


# -- statistics ------------------------------------------------------------------------------
class ExpoStatistics(BaseModel):
    delegates: int
    exhibitors: int
    requests: int
    by_status: dict[str, int]
    scheduled: int
    held: int
    by_country: dict[str, dict[str, int]]
    by_sector: dict[str, dict[str, int]]
    deals: dict[str, float] = Field(description="Deal value per currency")
    follow_ups: dict[str, int]


@router.get("/expos/{expo_id}/stats", tags=["expos"])
async def statistics(
    expo_id: Identifier, principal: CurrentPrincipal, store: Store
) -> ExpoStatistics:
    state = await store.load(expo_id)
    require_organiser(principal, state.expo)
    sellers = await store.sellers(x.seller_id for x in state.exhibitors.values())
    by_status = Counter(r.status.value for r in state.requests.values())
    by_country: dict[str, Counter[str]] = defaultdict(Counter)
    by_sector: dict[str, Counter[str]] = defaultdict(Counter)
    for request in state.requests.values():
        delegate = state.delegates.get(request.delegate_id)
        if delegate is not None:
            by_country[delegate.country][request.status.value] += 1
        seller = sellers.get(request.seller_id)
        for sector in seller.sectors if seller else ():
            by_sector[sector.value][request.status.value] += 1
    deals: dict[str, float] = defaultdict(float)
    for outcome in state.outcomes.values():
        if outcome.deal_value is not None and outcome.currency is not None:
            deals[outcome.currency] += outcome.deal_value
    return ExpoStatistics(
        delegates=len(state.delegates),
        exhibitors=len(state.exhibitors),
        requests=len(state.requests),
        by_status=dict(by_status),
        scheduled=len(state.meetings),
        held=by_status.get(RequestStatus.held.value, 0),
        by_country={k: dict(v) for k, v in sorted(by_country.items())},
        by_sector={k: dict(v) for k, v in sorted(by_sector.items())},
        deals=dict(deals),
        follow_ups=dict(Counter(o.follow_up.value for o in state.outcomes.values())),
    )


# -- access ----------------------------------------------------------------------------------
def require_organiser(principal: Principal, expo: ExpoData) -> None:
    if principal.role is Role.service:
        return
    if principal.role is Role.organiser and principal.subject == expo.organiser:
        return
    raise Forbidden(f"only the organiser of expo {expo.id} may do this")


def _require_self_or_staff(principal: Principal, delegate: DelegateData) -> None:
    if principal.is_staff or (
        principal.role is Role.delegate and delegate.subject == principal.subject
    ):
        return
    raise Forbidden("a delegate sees only their own data")


async def _require_exhibitor_or_staff(
    principal: Principal, store: EventsStore, exhibitor: ExhibitorData
) -> None:
    if principal.is_staff:
        return
    if principal.role is Role.seller:
        seller = await store.seller(exhibitor.seller_id)
        if seller is not None and seller.owner == principal.subject:
            return
    raise Forbidden("a seller sees only their own meetings")


async def _own_participants(principal: Principal, store: EventsStore, expo_id: str) -> list[str]:
    """The delegate or the exhibitors of the expo that `principal` is (none for other roles)."""
    if principal.role is Role.delegate:
        field_name = delegate_of_subject_field(principal.subject)
        return list((await store.read(expo_id, [field_name])).values())
    if principal.role is Role.seller:
        sellers = await store.sellers(await store.exhibiting_seller_ids(expo_id))
        owned = [
            exhibitor_of_seller_field(s.id)
            for s in sellers.values()
            if s.owner == principal.subject
        ]
        return list((await store.read(expo_id, owned)).values())
    return []


async def _require_party(
    principal: Principal, store: EventsStore, expo_id: str, request_id: str
) -> None:
    """Organisers, and the delegate or seller of the meeting, may cancel it or record its outcome.

    Reads only the fields it needs: a busy expo holds thousands of requests."""
    head = await store.read(expo_id, [EXPO, request_field(request_id)])
    expo = _parse_expo(head, expo_id)
    request = _parse_request(head, expo_id, request_id)
    if principal.role is Role.organiser:
        require_organiser(principal, expo)
    elif not await _is_party(principal, store, request):
        raise Forbidden("only the meeting's delegate or seller, or the organiser, may do this")


async def _is_party(principal: Principal, store: EventsStore, request: MeetingRequestData) -> bool:
    """Staff see every request; a delegate or a seller only their own."""
    if principal.is_staff:
        return True
    if principal.role is Role.delegate:
        delegate = await _delegate(store, request.expo_id, request.delegate_id)
        return delegate.subject == principal.subject
    if principal.role is Role.seller:
        seller = (await store.sellers([request.seller_id])).get(request.seller_id)
        return seller is not None and seller.owner == principal.subject
    return False


def _parse_request(fields: dict[str, str], expo_id: str, request_id: str) -> MeetingRequestData:
    raw = fields.get(request_field(request_id))
    if raw is None:
        raise NotFound(f"no meeting request {request_id} in expo {expo_id}", "request_id")
    return MeetingRequestData.model_validate_json(raw)


async def _expo(store: EventsStore, expo_id: str) -> ExpoData:
    return _parse_expo(await store.read(expo_id, [EXPO]), expo_id)


def _parse_expo(fields: dict[str, str], expo_id: str) -> ExpoData:
    if EXPO not in fields:
        raise NotFound(f"no expo {expo_id}", "expo_id")
    return ExpoData.model_validate_json(fields[EXPO])


async def _exhibitor(
    store: EventsStore, expo_id: str, exhibitor_id: str, field_name: str
) -> ExhibitorData:
    found = await _one(store, expo_id, exhibitor_field(exhibitor_id), field_name)
    return ExhibitorData.model_validate_json(found)


async def _delegate(
    store: EventsStore, expo_id: str, delegate_id: str, field_name: str = "delegate_id"
) -> DelegateData:
    return DelegateData.model_validate_json(
        await _one(store, expo_id, delegate_field(delegate_id), field_name)
    )


async def _one(store: EventsStore, expo_id: str, name: str, field_name: str) -> str:
    """One entity's field; 404 naming `field_name` when the expo has no such entity."""
    raw = (await store.read(expo_id, [name])).get(name)
    if raw is None:
        kind, _, ident = name.partition(":")
        raise NotFound(f"no {kind} {ident} in expo {expo_id}", field_name)
    return raw
