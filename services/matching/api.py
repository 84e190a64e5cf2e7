"""Matching HTTP routes: match requests, their ranked proposals with reasons, acceptance."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.matching.domain import (
    InvalidQuery,
    MatchQuery,
    SellerMatch,
    parse,
    score_candidates,
    top,
)
from services.matching.exposure import coverage, fair_top, gini, propose_for_expo
from services.matching.readmodel import IndexFollower, ReadModel
from services.matching.store import (
    MatchStore,
    StoredProduct,
    StoredProposal,
    StoredReason,
    StoredRequest,
    aggregate_of,
    request_of,
)
from shared.auth import CurrentPrincipal, Principal, Role
from shared.contracts import Event
from shared.contracts.catalog import CertificationKind, Sector
from shared.contracts.expo import DelegateData, ExpoData
from shared.contracts.matching import MatchAccepted, MatchDeclined, MatchProposed, ProposalData
from shared.errors import Conflict, Forbidden, InvalidField, NotFound
from shared.types import HsPrefix, Identifier, ShortText, SubdivisionCode

router = APIRouter()


class Services:
    def __init__(self, request: Request) -> None:
        self.store: MatchStore = request.app.state.store
        self.model: ReadModel = request.app.state.model
        self.follower: IndexFollower = request.app.state.follower


Deps = Annotated[Services, Depends(Services)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MatchRequestIn(Strict):
    expo_id: Identifier | None = Field(
        None, description="Rank this expo's exhibitors; leave out for the whole catalogue"
    )
    delegate_id: Identifier | None = Field(
        None, description="Whose request; their profile fills what is left out"
    )
    interests: list[ShortText] = Field(
        default_factory=list,
        max_length=20,
        examples=[["specialty arabica coffee", "kain tenun ikat"]],
    )
    sectors: list[Sector] = Field(default_factory=list, max_length=21)
    hs_codes: list[HsPrefix] = Field(default_factory=list, max_length=50)
    required_certifications: list[CertificationKind] = Field(default_factory=list, max_length=10)
    preferred_provinces: list[SubdivisionCode] = Field(default_factory=list, max_length=38)
    expected_volume: float | None = Field(
        None, ge=0, le=1e9, description="Per month, in the product's unit"
    )
    k: int = Field(10, ge=1, le=50)


class ReasonOut(BaseModel):
    code: str
    text: str
    weight: float
    product_id: str | None


class ProposalOut(BaseModel):
    id: str
    request_id: str
    rank: int
    seller_id: str
    seller_name: str
    exhibitor_id: str | None
    score: float
    reasons: list[ReasonOut]
    products: list[StoredProduct]
    status: str
    meeting: dict[str, object] | None
    meeting_status: str | None


class MatchRequestOut(BaseModel):
    id: str
    status: str = "ready"
    expo_id: str | None
    delegate_id: str | None
    created_at: str
    query: dict[str, object]
    proposals: list[ProposalOut]


def _out(request: StoredRequest) -> MatchRequestOut:
    return MatchRequestOut(
        id=request.id,
        expo_id=request.expo_id,
        delegate_id=request.delegate_id,
        created_at=request.created_at,
        query=request.query,
        proposals=[_proposal_out(p) for p in request.proposals],
    )


def _proposal_out(proposal: StoredProposal) -> ProposalOut:
    return ProposalOut(
        **proposal.model_dump(exclude={"reasons", "meeting", "expo_id", "delegate_id"}),
        reasons=[ReasonOut(**r.model_dump()) for r in proposal.reasons],
        meeting=proposal.meeting.model_dump() if proposal.meeting else None,
    )


# -- building a query ------------------------------------------------------------------------
async def _context(
    body: MatchRequestIn, principal: Principal, deps: Services
) -> tuple[ExpoData | None, DelegateData | None]:
    principal.require(Role.delegate, Role.organiser, Role.service)
    expo = None
    if body.expo_id is not None:
        expo = await deps.model.expo(body.expo_id)
        if expo is None:
            raise InvalidField(
                f"no expo {body.expo_id} (or not yet seen by this service)", "body.expo_id"
            )
    delegate = None
    if body.delegate_id is not None:
        delegate = await deps.model.delegate(body.delegate_id)
        if delegate is None or (expo is not None and delegate.expo_id != expo.id):
            raise InvalidField(f"no delegate {body.delegate_id} at this expo", "body.delegate_id")
    if principal.role is Role.delegate:
        if delegate is None:
            raise InvalidField(
                "a delegate asks for themselves: give your delegate_id", "body.delegate_id"
            )
        if delegate.subject != principal.subject:
            raise Forbidden("a delegate asks for matches only for themselves")
    elif (
        principal.role is Role.organiser
        and expo is not None
        and expo.organiser != principal.subject
    ):
        raise Forbidden(f"only the organiser of expo {expo.id} asks for its delegates")
    return expo, delegate


def _query(
    body: MatchRequestIn, delegate: DelegateData | None, only: frozenset[str] | None
) -> MatchQuery:
    return MatchQuery(
        interests=tuple(body.interests or (delegate.interests if delegate else [])),
        sectors=frozenset(
            s.value for s in (body.sectors or (delegate.sectors if delegate else []))
        ),
        hs_codes=tuple(body.hs_codes or (delegate.hs_codes if delegate else [])),
        required_certifications=frozenset(
            c.value
            for c in (
                body.required_certifications
                or (delegate.required_certifications if delegate else [])
            )
        ),
        preferred_provinces=frozenset(
            body.preferred_provinces or (delegate.preferred_provinces if delegate else [])
        ),
        expected_volume=body.expected_volume,
        delegate_country=delegate.country if delegate else None,
        delegate_languages=tuple(delegate.languages if delegate else ()),
        k=body.k,
        only_sellers=only,
    )


def _stored(
    request_id: str,
    expo_id: str | None,
    delegate_id: str | None,
    owner: str,
    query: MatchQuery,
    matches: list[SellerMatch],
    exhibitor_ids: dict[str, str],
) -> tuple[StoredRequest, list[Event]]:
    proposals = [
        StoredProposal(
            id=f"{request_id}.{rank}",
            request_id=request_id,
            expo_id=expo_id,
            delegate_id=delegate_id,
            seller_id=match.seller_id,
            seller_name=match.seller_name,
            exhibitor_id=exhibitor_ids.get(match.seller_id),
            rank=rank,
            score=match.score,
            reasons=[
                StoredReason(code=r.code, text=r.text, weight=r.weight, product_id=r.product_id)
                for r in match.reasons
            ],
            products=[
                StoredProduct(id=p.product.id, name=p.product.name, relevance=round(p.relevance, 3))
                for p in match.products
            ],
        )
        for rank, match in enumerate(matches, start=1)
    ]
    request = StoredRequest(
        id=request_id,
        expo_id=expo_id,
        delegate_id=delegate_id,
        owner=owner,
        created_at=dt.datetime.now(dt.UTC).isoformat(),
        query={
            "interests": list(query.interests),
            "sectors": sorted(query.sectors),
            "hs_codes": list(query.hs_codes),
            "required_certifications": sorted(query.required_certifications),
            "preferred_provinces": sorted(query.preferred_provinces),
            "expected_volume": query.expected_volume,
            "k": query.k,
        },
        proposals=proposals,
    )
    events: list[Event] = (
        [MatchProposed(proposal=_contract(p)) for p in proposals] if delegate_id else []
    )
    return request, events


def _contract(proposal: StoredProposal) -> ProposalData:
    return ProposalData(
        id=proposal.id,
        request_id=proposal.request_id,
        expo_id=proposal.expo_id,
        delegate_id=proposal.delegate_id or "",
        seller_id=proposal.seller_id,
        exhibitor_id=proposal.exhibitor_id,
        rank=proposal.rank,
        score=min(100.0, max(0.0, proposal.score)),
        reasons=[r.text for r in proposal.reasons][:50],
    )


# -- routes ----------------------------------------------------------------------------------
@router.post("/match-requests", status_code=status.HTTP_201_CREATED, tags=["matching"])
async def request_matches(
    body: MatchRequestIn, principal: CurrentPrincipal, deps: Deps
) -> MatchRequestOut:
    """Rank sellers for a delegate's interests (an expo's exhibitors, or the whole catalogue),
    each with a score and the reasons for it. Answered at once."""
    expo, delegate = await _context(body, principal, deps)
    exhibitors = await deps.model.exhibitors(expo.id) if expo else {}
    query = _query(body, delegate, frozenset(exhibitors) if expo else None)
    try:
        parsed = parse(query)
    except InvalidQuery as invalid:
        raise InvalidField(invalid.message, f"body.{invalid.field}") from invalid
    index = deps.follower.index
    if expo:
        # The same fairness rules as the expo-wide proposals: discount and newcomer guarantee.
        scored = score_candidates(parsed, index, exhaustive=True)
        counts = await deps.store.exposure(expo.id)
        matches = fair_top(parsed, index, scored, query.k, counts, exhibitors)
    else:
        matches = top(parsed, index, score_candidates(parsed, index), query.k)
    aggregate = aggregate_of(body.expo_id, body.delegate_id, principal.subject)
    request_id = deps.store.new_request_id(aggregate)
    exhibitor_ids = {seller: x.id for seller, x in exhibitors.items()}
    stored, events = _stored(
        request_id, body.expo_id, body.delegate_id, principal.subject, query, matches, exhibitor_ids
    )
    await deps.store.create(stored, aggregate, events)
    return _out(stored)


@router.get("/match-requests/{request_id}", tags=["matching"])
async def get_match_request(
    request_id: Identifier, principal: CurrentPrincipal, deps: Deps
) -> MatchRequestOut:
    request = await deps.store.load(request_id)
    await _require_access(principal, request, deps)
    return _out(request)


@router.get("/match-requests", tags=["matching"])
async def list_match_requests(
    principal: CurrentPrincipal,
    deps: Deps,
    expo_id: Annotated[Identifier | None, Query()] = None,
    delegate_id: Annotated[Identifier | None, Query()] = None,
) -> list[MatchRequestOut]:
    """An organiser sees every request of their expo; a delegate sees their own."""
    if expo_id is None and delegate_id is None:
        raise InvalidField("give expo_id or delegate_id", "query.expo_id")
    aggregate = aggregate_of(expo_id, delegate_id, principal.subject)
    requests = await deps.store.listing(aggregate)
    visible = []
    for request in requests:
        if delegate_id is not None and request.delegate_id != delegate_id:
            continue
        try:
            await _require_access(principal, request, deps)
        except Forbidden:
            continue
        visible.append(_out(request))
    return visible


class AcceptIn(Strict):
    weight: int | None = Field(
        None, ge=1, le=100, description="Meeting importance; default from the score"
    )


class DeclineIn(Strict):
    reason: ShortText | None = None


@router.get("/proposals/{proposal_id}", tags=["matching"])
async def get_proposal(
    proposal_id: Identifier, principal: CurrentPrincipal, deps: Deps
) -> ProposalOut:
    request = await deps.store.load(request_of(proposal_id))
    await _require_access(principal, request, deps)
    return _proposal_out(_find(request, proposal_id))


@router.post("/proposals/{proposal_id}/accept", tags=["matching"])
async def accept(
    proposal_id: Identifier, body: AcceptIn, principal: CurrentPrincipal, deps: Deps
) -> ProposalOut:
    """Accept a proposed seller: the events service turns it into a meeting request, and the
    proposal shows the meeting once it is scheduled."""
    return await _answer(proposal_id, principal, deps, "accepted", body.weight, None)


@router.post("/proposals/{proposal_id}/decline", tags=["matching"])
async def decline(
    proposal_id: Identifier, body: DeclineIn, principal: CurrentPrincipal, deps: Deps
) -> ProposalOut:
    return await _answer(proposal_id, principal, deps, "declined", None, body.reason)


async def _answer(
    proposal_id: str,
    principal: Principal,
    deps: Services,
    answer: str,
    weight: int | None,
    reason: str | None,
) -> ProposalOut:
    request = await deps.store.load(request_of(proposal_id))
    await _require_access(principal, request, deps)
    if request.delegate_id is None:
        raise Conflict("a request made for no delegate cannot be accepted or declined")

    def decide(current: StoredRequest) -> tuple[StoredRequest, list[Event]]:
        proposal = _find(current, proposal_id)
        if proposal.status == answer:
            return current, []  # answering twice the same way changes nothing
        if proposal.status != "proposed":
            raise Conflict(f"the proposal was already {proposal.status}")
        answered = proposal.model_copy(update={"status": answer})
        updated = current.model_copy(
            update={
                "proposals": [answered if p.id == proposal_id else p for p in current.proposals]
            }
        )
        data = _contract(answered)
        if answer == "accepted":
            event: Event = MatchAccepted(
                proposal=data, weight=weight or max(1, min(100, round(answered.score / 10)))
            )
        else:
            event = MatchDeclined(proposal=data, reason=reason)
        return updated, [event]

    updated = await deps.store.change(
        request.id, decide, lambda r: aggregate_of(r.expo_id, r.delegate_id, r.owner)
    )
    return _proposal_out(_find(updated, proposal_id))


class ExpoProposalsIn(Strict):
    k: int = Field(5, ge=1, le=50)


class ExpoProposalsOut(BaseModel):
    expo_id: str
    requests: list[MatchRequestOut]
    exhibitors: int
    coverage: float = Field(description="Share of exhibitors proposed at least once")
    gini: float = Field(description="Inequality of proposals per exhibitor (0: even)")


class ExpoExposureOut(BaseModel):
    expo_id: str
    exhibitors: int = Field(description="Exhibitors matching knows of")
    delegates: int = Field(description="Delegates matching knows of")
    products: int = Field(
        description="Active products of those exhibitors in the index this instance ranks from"
    )
    proposals: int = Field(description="Proposals made to delegates so far")
    coverage: float = Field(description="Share of exhibitors proposed at least once")
    gini: float = Field(description="Inequality of proposals per exhibitor (0: even)")
    least_proposed: list[str] = Field(
        description="Seller ids of the (up to 10) exhibitors proposed least so far"
    )


@router.post("/expos/{expo_id}/proposals", status_code=status.HTTP_201_CREATED, tags=["matching"])
async def propose_for_every_delegate(
    expo_id: Identifier, body: ExpoProposalsIn, principal: CurrentPrincipal, deps: Deps
) -> ExpoProposalsOut:
    """For each delegate of the expo, the top k exhibitors for their profile, picked in fair
    rounds so that popular sellers do not take every proposal."""
    await _require_expo_organiser(principal, deps, expo_id)
    exhibitors = await deps.model.exhibitors(expo_id)
    delegates = [
        d for d in await deps.model.delegates(expo_id) if d.interests or d.sectors or d.hs_codes
    ]
    queries = {
        d.id: _query(
            MatchRequestIn(expo_id=expo_id, delegate_id=d.id, k=body.k), d, frozenset(exhibitors)
        )
        for d in delegates
    }
    already = await deps.store.exposure(expo_id)
    result = propose_for_expo(queries, deps.follower.index, exhibitors, already)
    exhibitor_ids = {seller: x.id for seller, x in exhibitors.items()}
    made = []
    for delegate in delegates:
        request_id = deps.store.new_request_id(expo_id)
        stored, events = _stored(
            request_id, expo_id, delegate.id, principal.subject, queries[delegate.id],
            result.by_delegate[delegate.id], exhibitor_ids,
        )  # fmt: skip
        await deps.store.create(stored, expo_id, events)
        made.append(_out(stored))
    counts = await deps.store.exposure(expo_id)
    return ExpoProposalsOut(
        expo_id=expo_id,
        requests=made,
        exhibitors=len(exhibitors),
        coverage=round(coverage(counts, exhibitors), 4),
        gini=round(gini(counts.get(s, 0) for s in exhibitors), 4),
    )


@router.get("/expos/{expo_id}/exposure", tags=["matching"])
async def expo_exposure(
    expo_id: Identifier, principal: CurrentPrincipal, deps: Deps
) -> ExpoExposureOut:
    """What matching knows of the expo (exhibitors and delegates from the events service's
    events, their products from the catalog's) and how evenly its proposals so far spread over
    the exhibitors. Read-only: an organiser checks it before asking for proposals, so that no
    registration or product still on its way is left out."""
    await _require_expo_organiser(principal, deps, expo_id)
    exhibitors = await deps.model.exhibitors(expo_id)
    delegates = await deps.model.delegates(expo_id)
    counts = {s: n for s, n in (await deps.store.exposure(expo_id)).items() if s in exhibitors}
    return ExpoExposureOut(
        expo_id=expo_id,
        exhibitors=len(exhibitors),
        delegates=len(delegates),
        products=deps.follower.index.count_active_products(exhibitors),
        proposals=sum(counts.values()),
        coverage=round(coverage(counts, exhibitors), 4),
        gini=round(gini(counts.get(s, 0) for s in exhibitors), 4),
        least_proposed=sorted(exhibitors, key=lambda s: (counts.get(s, 0), s))[:10],
    )


async def _require_expo_organiser(principal: Principal, deps: Services, expo_id: str) -> None:
    principal.require(Role.organiser, Role.service)
    expo = await deps.model.expo(expo_id)
    if expo is None:
        raise NotFound(f"no expo {expo_id}", "expo_id")
    if principal.role is Role.organiser and expo.organiser != principal.subject:
        raise Forbidden(f"only the organiser of expo {expo_id} may do this")


async def _require_access(principal: Principal, request: StoredRequest, deps: Services) -> None:
    if principal.role is Role.service or request.owner == principal.subject:
        return
    if principal.role is Role.delegate and request.delegate_id:
        delegate = await deps.model.delegate(request.delegate_id)
        if delegate is not None and delegate.subject == principal.subject:
            return
    if principal.role is Role.organiser and request.expo_id:
        expo = await deps.model.expo(request.expo_id)
        if expo is not None and expo.organiser == principal.subject:
            return
    raise Forbidden("a delegate sees only their own requests; an organiser those of their expo")


def _find(request: StoredRequest, proposal_id: str) -> StoredProposal:
    for proposal in request.proposals:
        if proposal.id == proposal_id:
            return proposal
    raise NotFound(f"no proposal {proposal_id}", "proposal_id")
