"""Routes of match requests: ask for ranked sellers with the reasons for each, read one request,
list an expo's or a delegate's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from services.matching import usecases
from services.matching.ranking.query import MatchQuery
from services.matching.routes.deps import Deps
from services.matching.routes.proposals import ProposalOut, proposal_out
from services.matching.store import StoredRequest
from shared.auth import CurrentPrincipal
from shared.contracts.catalog import CertificationKind, Sector
from shared.http import Strict
from shared.types import HsPrefix, Identifier, PathId, ShortText, SubdivisionCode

router = APIRouter(prefix="/match-requests", tags=["matching"])


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

    def asked(self) -> MatchQuery:
        """What the body asks for; the delegate's profile fills in what it leaves out."""
        return MatchQuery(
            interests=self.interests,
            sectors=frozenset(s.value for s in self.sectors),
            hs_codes=self.hs_codes,
            required_certifications=frozenset(c.value for c in self.required_certifications),
            preferred_provinces=self.preferred_provinces,
            expected_volume=self.expected_volume,
            k=self.k,
        )


class MatchRequestOut(BaseModel):
    id: str
    status: str = "ready"
    expo_id: str | None
    delegate_id: str | None
    created_at: str
    query: dict[str, object]
    proposals: list[ProposalOut]


def request_out(request: StoredRequest) -> MatchRequestOut:
    return MatchRequestOut(
        id=request.id,
        expo_id=request.expo_id,
        delegate_id=request.delegate_id,
        created_at=request.created_at,
        query=request.query,
        proposals=[proposal_out(p) for p in request.proposals],
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def request_matches(
    body: MatchRequestIn, principal: CurrentPrincipal, deps: Deps
) -> MatchRequestOut:
    """Rank sellers for a delegate's interests (an expo's exhibitors, or the whole catalogue),
    each with a score and the reasons for it. Answered at once."""
    request = await usecases.request_matches(
        deps, principal, body.asked(), body.expo_id, body.delegate_id
    )
    return request_out(request)


@router.get("/{request_id}")
async def get_match_request(
    request_id: PathId, principal: CurrentPrincipal, deps: Deps
) -> MatchRequestOut:
    return request_out(await usecases.match_request(deps, principal, request_id))


@router.get("")
async def list_match_requests(
    principal: CurrentPrincipal,
    deps: Deps,
    expo_id: Annotated[Identifier | None, Query()] = None,
    delegate_id: Annotated[Identifier | None, Query()] = None,
) -> list[MatchRequestOut]:
    """An organiser sees every request of their expo; a delegate sees their own."""
    visible = await usecases.visible_requests(deps, principal, expo_id, delegate_id)
    return [request_out(request) for request in visible]
