"""Each topic is written by one service: a record from any other source is dead-lettered with
the reason, and changes nothing. On 1d967a0 a forged `catalog.seller.updated` with a huge
version handed a seller to another owner for good, and a forged `matching.match.accepted`
created a meeting request."""

from __future__ import annotations

from typing import Any

import httpx

from shared.auth import Role, bearer
from shared.contracts import topics
from shared.contracts.catalog import SellerData, SellerUpdated
from shared.contracts.matching import MatchAccepted, ProposalData
from shared.envelope import Envelope
from shared.settings import Settings
from tests.helpers import eventually, headers_of, produce_raw, read_topic, seller_body, unique
from tests.integration.expo import delegate, exhibitor, open_expo

FORGER = "/somebody/else"


async def _forge(settings: Settings, topic: str, event: Any, key: str) -> str:
    envelope, _ = Envelope.wrap(event, FORGER)
    await produce_raw(settings, topic, envelope.value(), envelope.headers(), key.encode())
    return envelope.id


async def _dead_lettered(settings: Settings, group: str, event_id: str) -> dict[str, str]:
    letters = await read_topic(
        settings,
        topics.dead_letter_topic(group),
        until=lambda rs: any(headers_of(r).get("ce_id") == event_id for r in rs),
    )
    return next(headers_of(r) for r in letters if headers_of(r).get("ce_id") == event_id)


async def test_a_forged_seller_update_takes_no_seller_over(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    owner, mallory = unique("tenun-owner"), unique("mallory")
    created = await catalog.post("/sellers", json=seller_body(name=unique("Tenun"), owner=owner))
    assert created.status_code == 201, created.text
    seller = created.json()
    expo = await open_expo(events)
    forged = SellerData.model_validate({**seller, "owner": mallory, "version": 10**9})
    event_id = await _forge(settings, topics.CATALOG, SellerUpdated(seller=forged), seller["id"])

    letter = await _dead_lettered(settings, "events.catalog", event_id)
    assert letter["dlq_reason"] == "forbidden-source", letter
    as_mallory = bearer(settings, Role.seller, mallory)
    stolen = await events.post(
        f"/expos/{expo['id']}/exhibitors", json={"seller_id": seller["id"]}, headers=as_mallory
    )
    assert stolen.status_code == 403, stolen.text
    as_owner = bearer(settings, Role.seller, owner)
    kept = await events.post(
        f"/expos/{expo['id']}/exhibitors", json={"seller_id": seller["id"]}, headers=as_owner
    )
    assert kept.status_code == 201, kept.text


async def test_a_forged_match_acceptance_creates_no_meeting_request(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    expo = await open_expo(events)
    booth = await exhibitor(catalog, events, expo["id"])
    guest = await delegate(events, expo["id"])
    proposal = ProposalData(
        id=unique("mrq") + ".1", request_id=unique("mrq"), expo_id=expo["id"],
        delegate_id=guest["id"], seller_id=booth["seller_id"], exhibitor_id=booth["id"],
        rank=1, score=90.0, reasons=[],
    )  # fmt: skip
    event_id = await _forge(
        settings, topics.MATCHING, MatchAccepted(proposal=proposal, weight=100), guest["id"]
    )
    letter = await _dead_lettered(settings, "events.matching", event_id)
    assert letter["dlq_reason"] == "forbidden-source"
    assert FORGER in letter["dlq_detail"]

    async def total() -> int:
        return int((await events.get(f"/expos/{expo['id']}/requests")).json()["total"])

    assert await eventually(total, lambda n: n == 0) == 0
