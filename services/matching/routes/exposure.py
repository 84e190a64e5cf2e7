"""Routes of an expo's fair exposure: proposals for every delegate at once, and how evenly
proposals so far spread over the exhibitors."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from services.matching import usecases
from services.matching.routes.deps import Deps
from services.matching.routes.match_requests import MatchRequestOut, request_out
from shared.auth import CurrentPrincipal
from shared.http import Strict
from shared.types import PathId

router = APIRouter(prefix="/expos/{expo_id}", tags=["matching"])


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


@router.post("/proposals", status_code=status.HTTP_201_CREATED)
async def propose_for_every_delegate(
    expo_id: PathId, body: ExpoProposalsIn, principal: CurrentPrincipal, deps: Deps
) -> ExpoProposalsOut:
    """For each delegate of the expo, the top k exhibitors for their profile, picked in fair
    rounds so that popular sellers do not take every proposal."""
    made, spread = await usecases.propose_for_every_delegate(deps, principal, expo_id, body.k)
    return ExpoProposalsOut(
        expo_id=expo_id,
        requests=[request_out(request) for request in made],
        exhibitors=spread.exhibitors,
        coverage=round(spread.coverage, 4),
        gini=round(spread.gini, 4),
    )


@router.get("/exposure")
async def expo_exposure(
    expo_id: PathId, principal: CurrentPrincipal, deps: Deps
) -> ExpoExposureOut:
    """What matching knows of the expo (exhibitors and delegates from the events service's
    events, their products from the catalog's) and how evenly its proposals so far spread over
    the exhibitors. Read-only: an organiser checks it before asking for proposals, so that no
    registration or product still on its way is left out."""
    exposure = await usecases.expo_exposure(deps, principal, expo_id)
    spread = exposure.spread
    return ExpoExposureOut(
        expo_id=expo_id,
        exhibitors=spread.exhibitors,
        delegates=exposure.delegates,
        products=exposure.products,
        proposals=spread.proposals,
        coverage=round(spread.coverage, 4),
        gini=round(spread.gini, 4),
        least_proposed=list(spread.least_proposed),
    )
