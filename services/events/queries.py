"""What the events service answers when asked: expos, participants, requests, agendas and
statistics, each read with only the fields it needs and shown only to whom may see it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from pydantic import BaseModel, Field

from services.events.access import (
    is_delegate,
    is_party,
    owns,
    require_exhibitor_or_organiser,
    require_organiser,
    require_self_or_organiser,
    runs,
)
from services.events.agenda import AgendaItem, agenda_items
from services.events.board import SessionBoard, session_board
from services.events.domain import (
    DELEGATES_INDEX,
    EXHIBITORS_INDEX,
    EXPO,
    delegate_field,
    delegate_of_subject_field,
    exhibitor_field,
    exhibitor_of_seller_field,
    meeting_field,
    request_field,
)
from services.events.store import EventsStore
from services.events.views import expo_of
from shared.auth import Principal, Role
from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    ExpoData,
    MeetingData,
    MeetingRequestData,
    RequestStatus,
)
from shared.errors import Forbidden, InvalidParameter, NotFound, ParameterNotFound
from shared.paging import PageParams


class Placement(BaseModel):
    reason: str
    detail: str


class MeetingRequestOut(BaseModel):
    request: MeetingRequestData
    meeting: MeetingData | None
    not_placed: Placement | None = None


# -- expos and participants ----------------------------------------------------------------------
async def expos(store: EventsStore) -> list[ExpoData]:
    found = []
    for expo_id in await store.expo_ids():
        fields = await store.read(expo_id, [EXPO])
        if EXPO in fields:
            found.append(ExpoData.model_validate_json(fields[EXPO]))
    return sorted(found, key=lambda e: (e.start_date, e.id))


async def delegates(
    store: EventsStore, principal: Principal, expo_id: str, country: str | None
) -> list[DelegateData]:
    """The expo's organiser sees every delegate; a delegate only themselves."""
    everyone = runs(principal, await store.read_expo(expo_id))
    found = await store.listed(expo_id, DELEGATES_INDEX, delegate_field)
    visible = [
        d
        for d in (DelegateData.model_validate_json(raw) for raw in found)
        if (everyone or is_delegate(principal, d)) and (country is None or d.country == country)
    ]
    return sorted(visible, key=lambda d: (d.name, d.id))


async def delegate(
    store: EventsStore, principal: Principal, expo_id: str, delegate_id: str
) -> DelegateData:
    view = await store.delegate_view(expo_id, delegate_id)
    require_self_or_organiser(principal, view.expo, view.delegate)
    return view.delegate


async def exhibitors(store: EventsStore, expo_id: str) -> list[ExhibitorData]:
    await store.read_expo(expo_id)  # an unknown expo is a 404, not an empty list
    found = await store.listed(expo_id, EXHIBITORS_INDEX, exhibitor_field)
    booths = [ExhibitorData.model_validate_json(raw) for raw in found]
    return sorted(booths, key=lambda x: (x.seller_name, x.id))


async def exhibitor(store: EventsStore, expo_id: str, exhibitor_id: str) -> ExhibitorData:
    """Like the listing, readable by anyone signed in: a booth is public at a fair."""
    raw = await store.read(expo_id, [EXPO, exhibitor_field(exhibitor_id)])
    expo_of(raw, expo_id)  # an unknown expo is a 404 of the expo, not of the exhibitor
    found = raw.get(exhibitor_field(exhibitor_id))
    if found is None:
        raise NotFound(f"no exhibitor {exhibitor_id} in expo {expo_id}", "exhibitor_id")
    return ExhibitorData.model_validate_json(found)


# -- meeting requests ----------------------------------------------------------------------------
async def requests(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    status: RequestStatus | None,
    page: PageParams,
) -> tuple[list[MeetingRequestOut], int]:
    """The expo's organiser sees every request; a delegate or a seller those they take part
    in. Reads only those requests, and parses only the page's unless a status is asked for."""
    expo = await store.read_expo(expo_id)
    if runs(principal, expo):
        ids = await store.request_ids(expo_id)
    else:
        ids = await store.requests_of(expo_id, await _own_participants(store, principal, expo_id))
    if status is not None:
        fields = await store.read(expo_id, [request_field(i) for i in ids])
        ids = [
            i
            for i in ids
            if MeetingRequestData.model_validate_json(fields[request_field(i)]).status is status
        ]
    shown = list(page.window(ids))
    fields = await store.read(
        expo_id, [request_field(i) for i in shown] + [meeting_field(i) for i in shown]
    )
    items = []
    for request_id in shown:
        meeting = fields.get(meeting_field(request_id))
        items.append(
            MeetingRequestOut(
                request=MeetingRequestData.model_validate_json(fields[request_field(request_id)]),
                meeting=MeetingData.model_validate_json(meeting) if meeting else None,
            )
        )
    return items, len(ids)


async def request(
    store: EventsStore, principal: Principal, expo_id: str, request_id: str
) -> MeetingRequestOut:
    """A request the principal may not see answers as if it did not exist."""
    view = await store.request_view(expo_id, request_id)
    if not is_party(principal, view.expo, view.delegate, view.seller):
        raise NotFound(f"no meeting request {request_id} in expo {expo_id}", "request_id")
    return MeetingRequestOut(request=view.request, meeting=view.meeting)


async def _own_participants(store: EventsStore, principal: Principal, expo_id: str) -> list[str]:
    """The delegate or the exhibitors of the expo that `principal` is (none for other roles)."""
    if principal.role is Role.delegate:
        field_name = delegate_of_subject_field(principal.subject)
        return list((await store.read(expo_id, [field_name])).values())
    if principal.role is Role.seller:
        sellers = await store.sellers(await store.exhibiting_seller_ids(expo_id))
        owned = [exhibitor_of_seller_field(s.id) for s in sellers.values() if owns(principal, s)]
        return list((await store.read(expo_id, owned)).values())
    return []


# -- agendas -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Agenda:
    expo: ExpoData
    title: str
    items: list[AgendaItem]


async def agenda(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    delegate_id: str | None = None,
    exhibitor_id: str | None = None,
    table: int | None = None,
) -> Agenda:
    """One delegate's, one exhibitor's, one table's or (organisers) the whole expo's meetings.
    One person's agenda reads only their meetings and their counterparts: calendar
    applications poll it."""
    expo = await store.read_expo(expo_id)
    if delegate_id is not None:
        person = DelegateData.model_validate_json(
            await _one(store, expo_id, delegate_field(delegate_id), "delegate")
        )
        require_self_or_organiser(principal, expo, person)
        selected = await _meetings_of(store, expo_id, delegate_id)
        title = f"Agenda of {person.name} ({person.organisation})"
    elif exhibitor_id is not None:
        booth = ExhibitorData.model_validate_json(
            await _one(store, expo_id, exhibitor_field(exhibitor_id), "exhibitor")
        )
        if not runs(principal, expo):
            require_exhibitor_or_organiser(principal, expo, await store.seller(booth.seller_id))
        selected = await _meetings_of(store, expo_id, exhibitor_id)
        title = f"Agenda of {booth.seller_name}"
    else:
        if not runs(principal, expo):
            raise Forbidden("only the expo's organiser sees a table's or the whole expo's agenda")
        if table is not None and (expo.tables is None or table > expo.tables):
            raise InvalidParameter(f"the expo has no table {table}", "table")
        state = await store.snapshot(expo_id)
        selected = [m for m in state.meetings.values() if table is None or m.table == table]
        title = f"Table {table}" if table is not None else "All meetings"
    return Agenda(expo, title, agenda_items(selected, *await _names(store, expo_id, selected)))


async def _meetings_of(store: EventsStore, expo_id: str, participant_id: str) -> list[MeetingData]:
    ids = await store.requests_of(expo_id, [participant_id])
    found = await store.read(expo_id, [meeting_field(i) for i in ids])
    return [MeetingData.model_validate_json(raw) for raw in found.values()]


async def _names(
    store: EventsStore, expo_id: str, meetings: list[MeetingData]
) -> tuple[dict[str, DelegateData], dict[str, str]]:
    """Each delegate, and the name of each exhibitor, the meetings involve."""
    delegate_ids = sorted({m.delegate_id for m in meetings})
    exhibitor_ids = sorted({m.exhibitor_id for m in meetings})
    names = [delegate_field(i) for i in delegate_ids] + [exhibitor_field(i) for i in exhibitor_ids]
    found = await store.read(expo_id, names)
    people = [
        DelegateData.model_validate_json(found[name])
        for name in map(delegate_field, delegate_ids)
        if name in found
    ]
    booths = [
        ExhibitorData.model_validate_json(found[name])
        for name in map(exhibitor_field, exhibitor_ids)
        if name in found
    ]
    return {d.id: d for d in people}, {x.id: x.seller_name for x in booths}


async def _one(store: EventsStore, expo_id: str, name: str, parameter: str) -> str:
    """One entity's field; 404 naming the query `parameter` when the expo has no such entity."""
    raw = (await store.read(expo_id, [name])).get(name)
    if raw is None:
        kind, _, ident = name.partition(":")
        raise ParameterNotFound(f"no {kind} {ident} in expo {expo_id}", parameter)
    return raw


# -- statistics ----------------------------------------------------------------------------------
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


async def statistics(store: EventsStore, principal: Principal, expo_id: str) -> ExpoStatistics:
    state = await store.snapshot(expo_id)
    require_organiser(principal, state.expo)
    sellers = await store.sellers(x.seller_id for x in state.exhibitors.values())
    by_status = Counter(r.status.value for r in state.requests.values())
    by_country: dict[str, Counter[str]] = defaultdict(Counter)
    by_sector: dict[str, Counter[str]] = defaultdict(Counter)
    for meeting_request in state.requests.values():
        status = meeting_request.status.value
        attendee = state.delegates.get(meeting_request.delegate_id)
        if attendee is not None:
            by_country[attendee.country][status] += 1
        seller = sellers.get(meeting_request.seller_id)
        for sector in seller.sectors if seller else ():
            by_sector[sector.value][status] += 1
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


# -- the organiser's console --------------------------------------------------------------------
async def board(
    store: EventsStore,
    principal: Principal,
    expo_id: str,
    session_id: str,
    moving: str | None,
    shown: int,
) -> SessionBoard:
    state = await store.snapshot(expo_id)
    require_organiser(principal, state.expo)
    session = next((s for s in state.expo.sessions if s.id == session_id), None)
    if session is None:
        raise NotFound(f"expo {expo_id} has no session {session_id}", "session_id")
    if moving is not None and moving not in state.requests:
        raise ParameterNotFound(f"expo {expo_id} has no request {moving}", "moving")
    sellers = await store.sellers(x.seller_id for x in state.exhibitors.values())
    return session_board(state, sellers, session, moving, shown)
