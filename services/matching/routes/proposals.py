"""Routes of one proposal: read it, accept it (a meeting follows) or decline it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.matching import usecases
from services.matching.routes.deps import Deps
from services.matching.store import StoredProduct, StoredProposal
from shared.auth import CurrentPrincipal
from shared.http import Strict
from shared.types import PathId, ShortText

router = APIRouter(prefix="/proposals", tags=["matching"])


class AcceptIn(Strict):
    weight: int | None = Field(
        None, ge=1, le=100, description="Meeting importance; default from the score"
    )


class DeclineIn(Strict):
    reason: ShortText | None = None


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
    status: str  # a ProposalStatus; the published schema keeps it a plain string
    meeting: dict[str, object] | None
    meeting_status: str | None


def proposal_out(proposal: StoredProposal) -> ProposalOut:
    return ProposalOut(
        **proposal.model_dump(exclude={"reasons", "meeting", "expo_id", "delegate_id"}),
        reasons=[ReasonOut(**r.model_dump()) for r in proposal.reasons],
        meeting=proposal.meeting.model_dump() if proposal.meeting else None,
    )


@router.get("/{proposal_id}")
async def get_proposal(proposal_id: PathId, principal: CurrentPrincipal, deps: Deps) -> ProposalOut:
    return proposal_out(await usecases.proposal(deps, principal, proposal_id))


@router.post("/{proposal_id}/accept")
async def accept(
    proposal_id: PathId, body: AcceptIn, principal: CurrentPrincipal, deps: Deps
) -> ProposalOut:
    """Accept a proposed seller: the events service turns it into a meeting request, and the
    proposal shows the meeting once it is scheduled."""
    return proposal_out(await usecases.accept_proposal(deps, principal, proposal_id, body.weight))


@router.post("/{proposal_id}/decline")
async def decline(
    proposal_id: PathId, body: DeclineIn, principal: CurrentPrincipal, deps: Deps
) -> ProposalOut:
    return proposal_out(await usecases.decline_proposal(deps, principal, proposal_id, body.reason))
