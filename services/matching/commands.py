"""What matching decides, without I/O: the query a delegate's profile completes, the request
and events a ranking becomes, and what accepting or declining a proposal changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from services.matching.ranking.explain import SellerMatch
from services.matching.ranking.query import MatchQuery
from services.matching.store import (
    Decision,
    ProposalStatus,
    StoredProduct,
    StoredProposal,
    StoredReason,
    StoredRequest,
)
from shared.auth import Principal
from shared.contracts import Event
from shared.contracts.expo import DelegateData, ExhibitorData
from shared.contracts.matching import MatchAccepted, MatchDeclined, MatchProposed, ProposalData
from shared.errors import Conflict, InvalidCommand, NotFound

# Requests one delegate (or, searching the catalogue, one account) may have made at one expo:
# each is stored and listed with its proposals, and far more than a week's fair needs.
MAX_MATCH_REQUESTS = 200


def query_for(
    asked: MatchQuery, delegate: DelegateData | None, only_sellers: frozenset[str] | None
) -> MatchQuery:
    """`asked` with what it leaves out taken from the delegate's profile, limited to
    `only_sellers` (an expo's exhibitors; None: the whole catalogue)."""
    if delegate is None:
        return replace(asked, only_sellers=only_sellers)
    return replace(
        asked,
        interests=asked.interests or tuple(delegate.interests),
        sectors=asked.sectors or frozenset(s.value for s in delegate.sectors),
        hs_codes=asked.hs_codes or tuple(delegate.hs_codes),
        required_certifications=asked.required_certifications
        or frozenset(c.value for c in delegate.required_certifications),
        preferred_provinces=asked.preferred_provinces or frozenset(delegate.preferred_provinces),
        delegate_country=delegate.country,
        delegate_languages=tuple(delegate.languages),
        only_sellers=only_sellers,
    )


def new_request(
    request_id: str,
    owner: Principal,
    expo_id: str | None,
    delegate_id: str | None,
    query: MatchQuery,
    matches: Sequence[SellerMatch],
    exhibitors: Mapping[str, ExhibitorData],
    earlier: int = 0,
) -> Decision:
    """The request with its proposals in rank order, and a MatchProposed for each when it is
    for a delegate (who may then accept or decline them). `earlier`: how many requests were
    made before for the same delegate (or asker) at the same expo; past the cap, 422."""
    require_room(earlier, delegate_id)
    proposals = [
        _proposal(request_id, expo_id, delegate_id, rank, match, exhibitors.get(match.seller_id))
        for rank, match in enumerate(matches, start=1)
    ]
    request = StoredRequest(
        id=request_id,
        expo_id=expo_id,
        delegate_id=delegate_id,
        owner=owner.subject,
        owner_role=owner.role,
        created_at=dt.datetime.now(dt.UTC).isoformat(),
        query=query.asked(),
        proposals=proposals,
    )
    events: list[Event] = (
        [MatchProposed(proposal=proposal_data(p)) for p in proposals] if delegate_id else []
    )
    return request, events


def require_room(earlier: int, delegate_id: str | None) -> None:
    """Refuse a request past the cap."""
    if earlier >= MAX_MATCH_REQUESTS:
        raise InvalidCommand(
            f"at most {MAX_MATCH_REQUESTS} match requests are made for one delegate at one "
            "expo (or for one account searching the catalogue); the earlier ones and their "
            "proposals stay listed",
            "delegate_id" if delegate_id else None,
        )


def _proposal(
    request_id: str,
    expo_id: str | None,
    delegate_id: str | None,
    rank: int,
    match: SellerMatch,
    exhibitor: ExhibitorData | None,
) -> StoredProposal:
    return StoredProposal(
        id=f"{request_id}.{rank}",
        request_id=request_id,
        expo_id=expo_id,
        delegate_id=delegate_id,
        seller_id=match.seller_id,
        seller_name=match.seller_name,
        exhibitor_id=exhibitor.id if exhibitor else None,
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


def proposal_data(proposal: StoredProposal) -> ProposalData:
    """A proposal as the events announce it."""
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


def accept(request: StoredRequest, proposal_id: str, weight: int | None) -> Decision:
    """The events service turns an accepted proposal into a meeting request, as important as
    `weight` says or, without one, as its score."""

    def accepted(proposal: StoredProposal) -> Event:
        default = max(1, min(100, round(proposal.score / 10)))
        return MatchAccepted(proposal=proposal_data(proposal), weight=weight or default)

    return _answer(request, proposal_id, ProposalStatus.accepted, accepted)


def decline(request: StoredRequest, proposal_id: str, reason: str | None) -> Decision:
    def declined(proposal: StoredProposal) -> Event:
        return MatchDeclined(proposal=proposal_data(proposal), reason=reason)

    return _answer(request, proposal_id, ProposalStatus.declined, declined)


def _answer(
    request: StoredRequest,
    proposal_id: str,
    answer: ProposalStatus,
    announce: Callable[[StoredProposal], Event],
) -> Decision:
    """A proposal is answered once, by the delegate it was made for; answering twice the same
    way changes nothing."""
    if request.delegate_id is None:
        raise Conflict("a request made for no delegate cannot be accepted or declined")
    proposal = find_proposal(request, proposal_id)
    if proposal.status == answer:
        return request, []
    if proposal.status != ProposalStatus.proposed:
        raise Conflict(f"the proposal was already {proposal.status}")
    answered = proposal.model_copy(update={"status": answer})
    proposals = [answered if p.id == proposal_id else p for p in request.proposals]
    return request.model_copy(update={"proposals": proposals}), [announce(answered)]


def find_proposal(request: StoredRequest, proposal_id: str) -> StoredProposal:
    for proposal in request.proposals:
        if proposal.id == proposal_id:
            return proposal
    raise NotFound(f"no proposal {proposal_id}", "proposal_id")
