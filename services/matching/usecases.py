"""What matching does for each request: check who may ask, read the read model and the store,
decide (`commands`, pure) and commit through the store. No framework here: errors are
`Problem`s naming the field of the command (or query parameter) at fault."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.matching import commands
from services.matching.exposure import Spread, fair_top, propose_for_expo
from services.matching.ranking.query import InvalidQuery, MatchQuery, parse
from services.matching.ranking.search import score_candidates, top
from services.matching.readmodel import IndexFollower, ReadModel
from services.matching.store import (
    Decision,
    MatchStore,
    StoredProposal,
    StoredRequest,
    aggregate_of,
    asker_of,
    request_of,
)
from shared.auth import Principal, Role
from shared.contracts.expo import DelegateData, ExpoData
from shared.errors import Forbidden, InvalidCommand, InvalidParameter, NotFound, Problem


@dataclass(frozen=True, slots=True)
class Services:
    """What the use cases read and write."""

    store: MatchStore
    model: ReadModel
    follower: IndexFollower  # keeps this process's ranking index current


@dataclass(frozen=True, slots=True)
class Exposure:
    """What matching knows of an expo, and how its proposals so far spread."""

    delegates: int
    products: int  # active products of its exhibitors in this process's index
    spread: Spread


# -- match requests ----------------------------------------------------------------------------
async def request_matches(
    services: Services,
    principal: Principal,
    asked: MatchQuery,
    expo_id: str | None,
    delegate_id: str | None,
) -> StoredRequest:
    """Rank an expo's exhibitors (or the whole catalogue) for what was asked, completed from
    the delegate's profile; the request is stored, and announced when it is for a delegate."""
    expo, delegate = await _asking(services.model, principal, expo_id, delegate_id)
    aggregate = aggregate_of(expo_id, delegate_id, principal.subject)
    asker = asker_of(delegate_id, principal.role, principal.subject)
    # Refused before the ranking it would waste; the store checks again as it commits.
    commands.require_room(await services.store.asked(aggregate, asker), delegate_id)
    exhibitors = await services.model.exhibitors(expo.id) if expo else {}
    query = commands.query_for(asked, delegate, frozenset(exhibitors) if expo else None)
    try:
        parsed = parse(query)
    except InvalidQuery as invalid:
        raise InvalidCommand(invalid.message, invalid.field) from invalid
    index = services.follower.index
    if expo:
        # The same fairness rules as the expo-wide proposals: discount and newcomer guarantee.
        scored = score_candidates(parsed, index, exhaustive=True)
        counts = await services.store.exposure(expo.id)
        matches = fair_top(parsed, index, scored, query.k, counts, exhibitors)
    else:
        matches = top(parsed, index, score_candidates(parsed, index), query.k)
    request_id = services.store.new_request_id(aggregate)
    return await services.store.create(
        aggregate,
        asker,
        lambda earlier: commands.new_request(
            request_id, principal, expo_id, delegate_id, query, matches, exhibitors, earlier
        ),
    )


async def _asking(
    model: ReadModel, principal: Principal, expo_id: str | None, delegate_id: str | None
) -> tuple[ExpoData | None, DelegateData | None]:
    """The expo and delegate a request names, once it is clear the principal may ask: a
    delegate asks for themselves, an organiser for the delegates of their own expos."""
    principal.require(Role.delegate, Role.organiser, Role.service)
    expo = await model.expo(expo_id) if expo_id is not None else None
    delegate = await model.delegate(delegate_id) if delegate_id is not None else None
    problems: list[Problem] = []
    if expo_id is not None and expo is None:
        problems.append(
            InvalidCommand(f"no expo {expo_id} (or not yet seen by this service)", "expo_id")
        )
    if delegate_id is not None and (
        delegate is None or (expo is not None and delegate.expo_id != expo.id)
    ):
        problems.append(InvalidCommand(f"no delegate {delegate_id} at this expo", "delegate_id"))
    if problems:
        raise Problem.all_of(problems)
    if principal.role is Role.delegate:
        if delegate is None:
            raise InvalidCommand(
                "a delegate asks for themselves: give your delegate_id", "delegate_id"
            )
        if delegate.subject != principal.subject:
            raise Forbidden("a delegate asks for matches only for themselves")
    elif principal.role is Role.organiser:
        await _require_organiser_of(principal, model, expo, delegate)
    return expo, delegate


async def _require_organiser_of(
    principal: Principal, model: ReadModel, expo: ExpoData | None, delegate: DelegateData | None
) -> None:
    """An organiser asks for the delegates and exhibitors of their own expos only; for a
    delegate, the expo they attend decides, whether or not the request names it."""
    if delegate is not None and expo is None:
        expo = await model.expo(delegate.expo_id)
        if expo is None:
            raise Forbidden(f"expo {delegate.expo_id} is not (yet) known to this service")
    if expo is not None and expo.organiser != principal.subject:
        raise Forbidden(f"only the organiser of expo {expo.id} asks for its delegates")


async def match_request(services: Services, principal: Principal, request_id: str) -> StoredRequest:
    request = await services.store.load(request_id)
    await _require_access(principal, request, services.model)
    return request


async def visible_requests(
    services: Services, principal: Principal, expo_id: str | None, delegate_id: str | None
) -> list[StoredRequest]:
    """An expo's requests, or a delegate's, that the principal may see."""
    if expo_id is None and delegate_id is None:
        raise InvalidParameter("give expo_id or delegate_id", "expo_id")
    listed = await services.store.listing(aggregate_of(expo_id, delegate_id, principal.subject))
    return [
        request
        for request in listed
        if (delegate_id is None or request.delegate_id == delegate_id)
        and await _may_see(principal, request, services.model)
    ]


async def _require_access(principal: Principal, request: StoredRequest, model: ReadModel) -> None:
    if not await _may_see(principal, request, model):
        raise Forbidden("a delegate sees only their own requests; an organiser those of their expo")


async def _may_see(principal: Principal, request: StoredRequest, model: ReadModel) -> bool:
    """Services and the account that asked (role and subject) see a request; so do the
    delegate it is for and the organiser of its expo (read only when the principal is one)."""
    if principal.role is Role.service:
        return True
    if request.owner == principal.subject and request.owner_role is principal.role:
        return True
    if principal.role is Role.delegate and request.delegate_id:
        delegate = await model.delegate(request.delegate_id)
        return delegate is not None and delegate.subject == principal.subject
    if principal.role is Role.organiser and request.expo_id:
        expo = await model.expo(request.expo_id)
        return expo is not None and expo.organiser == principal.subject
    return False


# -- proposals ---------------------------------------------------------------------------------
async def proposal(services: Services, principal: Principal, proposal_id: str) -> StoredProposal:
    request = await match_request(services, principal, request_of(proposal_id))
    return commands.find_proposal(request, proposal_id)


async def accept_proposal(
    services: Services, principal: Principal, proposal_id: str, weight: int | None
) -> StoredProposal:
    return await _answer(
        services, principal, proposal_id, lambda r: commands.accept(r, proposal_id, weight)
    )


async def decline_proposal(
    services: Services, principal: Principal, proposal_id: str, reason: str | None
) -> StoredProposal:
    return await _answer(
        services, principal, proposal_id, lambda r: commands.decline(r, proposal_id, reason)
    )


async def _answer(
    services: Services,
    principal: Principal,
    proposal_id: str,
    decide: Callable[[StoredRequest], Decision],
) -> StoredProposal:
    """Whoever may see a proposal may answer it (the decision checks it can be answered)."""
    request = await match_request(services, principal, request_of(proposal_id))
    updated = await services.store.change(request.id, decide)
    return commands.find_proposal(updated, proposal_id)


# -- expos -------------------------------------------------------------------------------------
async def propose_for_every_delegate(
    services: Services, principal: Principal, expo_id: str, k: int
) -> tuple[list[StoredRequest], Spread]:
    """One request for each delegate of the expo who said what they look for, with the top k
    exhibitors for their profile picked in fair rounds; and the expo's spread after them."""
    await _require_expo_organiser(principal, services.model, expo_id)
    model, store = services.model, services.store
    exhibitors = await model.exhibitors(expo_id)
    delegates = [
        d for d in await model.delegates(expo_id) if d.interests or d.sectors or d.hs_codes
    ]
    asked = MatchQuery(k=k)
    queries = {d.id: commands.query_for(asked, d, frozenset(exhibitors)) for d in delegates}
    already = await store.exposure(expo_id)
    result = propose_for_expo(queries, services.follower.index, exhibitors, already)
    made = []
    for delegate in delegates:
        decided = commands.new_request(
            store.new_request_id(expo_id), principal, expo_id, delegate.id,
            queries[delegate.id], result.by_delegate[delegate.id], exhibitors,
        )  # fmt: skip
        made.append(await store.create(expo_id, delegate.id, _whatever_the_count(decided)))
    return made, Spread.of(await store.exposure(expo_id), exhibitors)


def _whatever_the_count(decided: Decision) -> Callable[[int], Decision]:
    """The expo-wide run counts into each delegate's requests but is not refused by their
    cap: it is bounded by the expo's delegates, and the organiser asked for it."""
    return lambda _earlier: decided


async def expo_exposure(services: Services, principal: Principal, expo_id: str) -> Exposure:
    await _require_expo_organiser(principal, services.model, expo_id)
    exhibitors = await services.model.exhibitors(expo_id)
    delegates = await services.model.delegates(expo_id)
    return Exposure(
        delegates=len(delegates),
        products=services.follower.index.count_active_products(exhibitors),
        spread=Spread.of(await services.store.exposure(expo_id), exhibitors),
    )


async def _require_expo_organiser(principal: Principal, model: ReadModel, expo_id: str) -> None:
    """What concerns a whole expo is for its organiser (and services) only."""
    principal.require(Role.organiser, Role.service)
    expo = await model.expo(expo_id)
    if expo is None:
        raise NotFound(f"no expo {expo_id}", "expo_id")
    if principal.role is Role.organiser and expo.organiser != principal.subject:
        raise Forbidden(f"only the organiser of expo {expo_id} may do this")
