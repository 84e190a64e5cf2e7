"""The matching service against the real broker and Redis: from catalog and expo events to a
ranked answer with reasons, from an acceptance to a meeting request and back to the proposal
as a scheduled meeting; the read model rebuilt from the topics equals the live one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.matching.readmodel import LIVE, ReadModel
from services.matching.rebuild import SCRATCH, differences, rebuild
from shared.auth import Role, bearer
from shared.contracts import topics
from shared.envelope import parse_record
from shared.settings import Settings
from tests.helpers import eventually, product_body, read_topic, seller_body, unique
from tests.integration.expo import assert_problem, delegate, exhibitor_of, open_expo

pytestmark = pytest.mark.integration


async def producer_with(
    catalog: httpx.AsyncClient, name_id: str, hs: str, sector: str, **seller: Any
) -> str:
    created = (
        await catalog.post(
            "/sellers", json=seller_body(name=unique("UMKM"), sectors=[sector], **seller)
        )
    ).json()
    listed = await catalog.post(
        f"/sellers/{created['id']}/products",
        json=product_body(name={"id": name_id}, hs_code=hs, sector=sector, branded=False),
    )
    assert listed.status_code == 201, listed.text
    return str(created["id"])


async def ranked(
    matching: httpx.AsyncClient, body: dict[str, Any], expected: int, **kwargs: Any
) -> dict[str, Any]:
    """Ask until the matching service has caught up with the events behind the answer."""

    async def ask() -> httpx.Response:
        return await matching.post("/match-requests", json=body, **kwargs)

    response = await eventually(
        ask, lambda r: r.status_code == 201 and len(r.json()["proposals"]) >= expected
    )
    return dict(response.json())


async def test_catalog_and_expo_events_become_a_ranked_answer_with_reasons_across_languages(
    catalog, events, matching, settings: Settings
) -> None:
    expo = await open_expo(events)
    kopi = await producer_with(
        catalog, "Kopi arabika Flores Bajawa", "090111", "coffee", export_countries=["JP"]
    )
    garam = await producer_with(catalog, "Garam laut Kupang", "250100", "salt")
    for seller_id in (kopi, garam):
        await exhibitor_of(events, expo["id"], seller_id)
    guest = await delegate(
        events, expo["id"], country="JP", interests=["specialty coffee"], languages=["ja", "en"]
    )
    token = bearer(settings, Role.delegate, guest["subject"])
    answer = await ranked(
        matching, {"expo_id": expo["id"], "delegate_id": guest["id"], "k": 5}, 1, headers=token
    )
    (first,) = answer["proposals"]  # the salt producer matches nothing about coffee
    assert first["seller_id"] == kopi and first["rank"] == 1
    codes = {reason["code"] for reason in first["reasons"]}
    assert {"bilingual_term", "prior_export", "shared_language"} <= codes
    assert "via the Indonesian term 'kopi" in first["reasons"][0]["text"]
    fetched = await matching.get(f"/match-requests/{answer['id']}", headers=token)
    assert fetched.status_code == 200 and fetched.json()["proposals"][0]["id"] == first["id"]
    stranger = bearer(settings, Role.delegate, "someone-else")
    assert (
        await matching.get(f"/match-requests/{answer['id']}", headers=stranger)
    ).status_code == 403


async def test_an_acceptance_becomes_a_meeting_request_and_the_proposal_shows_the_meeting(
    catalog, events, matching, settings: Settings
) -> None:
    expo = await open_expo(events)
    mete = await producer_with(catalog, "Kacang mete kupas Adonara", "080132", "cashew")
    booth = await exhibitor_of(events, expo["id"], mete)
    guest = await delegate(events, expo["id"], country="AU", interests=["cashew kernels"])
    token = bearer(settings, Role.delegate, guest["subject"])
    answer = await ranked(
        matching, {"expo_id": expo["id"], "delegate_id": guest["id"]}, 1, headers=token
    )
    proposal = answer["proposals"][0]
    assert proposal["exhibitor_id"] == booth["id"]
    accepted = await matching.post(
        f"/proposals/{proposal['id']}/accept", json={"weight": 8}, headers=token
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"

    def has_acceptance(records: list[Any]) -> bool:
        return any(
            parse_record(r.value, r.headers).type == "matching.match.accepted"
            and parse_record(r.value, r.headers).event().proposal.id == proposal["id"]  # type: ignore[attr-defined]
            for r in records
        )

    await read_topic(settings, topics.MATCHING, has_acceptance)

    async def requests() -> list[dict[str, Any]]:
        return (await events.get(f"/expos/{expo['id']}/requests")).json()["items"]

    (request,) = await eventually(requests, lambda items: len(items) == 1)
    assert request["request"]["origin"] == "match" and request["request"]["weight"] == 8
    scheduled = await events.post(f"/expos/{expo['id']}/schedule", json={"time_limit_seconds": 2})
    assert scheduled.status_code == 200 and scheduled.json()["scheduled"] == 1

    async def shown() -> dict[str, Any]:
        return (await matching.get(f"/proposals/{proposal['id']}", headers=token)).json()

    seen = await eventually(shown, lambda p: p["meeting"] is not None)
    assert seen["meeting_status"] == "scheduled" and seen["meeting"]["table"] is not None


async def test_expo_proposals_come_once_matching_knows_the_expo_and_spread_over_exhibitors(
    catalog, events, matching, settings: Settings
) -> None:
    expo = await open_expo(events)
    growers = [
        await producer_with(catalog, f"Kopi arabika {place}", "090111", "coffee", **extra)
        for place, extra in [
            ("Bajawa", {"export_countries": ["JP", "AU"], "languages": ["id", "en"]}),
            ("Manggarai", {"export_countries": [], "languages": ["id"]}),
            ("Colol", {"export_countries": [], "languages": ["id"]}),
        ]
    ]
    bajawa = growers[0]
    for grower in growers:
        await exhibitor_of(events, expo["id"], grower)
    for country in ("JP", "AU", "CN"):
        await delegate(events, expo["id"], country=country, interests=["arabica coffee"])
    path = f"/expos/{expo['id']}/exposure"

    async def known() -> dict[str, Any]:
        return dict((await matching.get(path)).json())

    before = await eventually(
        known, lambda b: (b.get("exhibitors"), b.get("delegates"), b.get("products")) == (3, 3, 3)
    )
    assert before["proposals"] == 0 and before["coverage"] == 0
    assert sorted(before["least_proposed"]) == sorted(growers)
    other_organiser = bearer(settings, Role.organiser, "another-organiser")
    assert (await matching.get(path, headers=other_organiser)).status_code == 403
    attache = bearer(settings, Role.delegate, "attache")
    assert (await matching.get(path, headers=attache)).status_code == 403
    assert_problem(await matching.get("/expos/no-such-expo/exposure"), 404, "expo_id")

    async def propose(k: int) -> list[list[dict[str, Any]]]:
        made = await matching.post(f"/expos/{expo['id']}/proposals", json={"k": k})
        assert made.status_code == 201, made.text
        return [request["proposals"] for request in made.json()["requests"]]

    # Plain ranking would give the exporter to all three; the newcomer guarantee spreads them.
    firsts = await propose(1)
    assert sorted(p["seller_id"] for (p,) in firsts) == sorted(growers)
    newcomers = [p for (p,) in firsts if p["reasons"][-1]["code"] == "newcomer"]
    assert len(newcomers) == 2 and bajawa not in {p["seller_id"] for p in newcomers}
    assert (await known())["coverage"] == 1.0
    # Each list is shown by score, whatever order fairness picked its sellers in.
    for proposals in await propose(3):
        assert proposals[0]["seller_id"] == bajawa
        scores = [p["score"] for p in proposals]
        assert scores == sorted(scores, reverse=True)
    assert (await known())["proposals"] == 3 + 9


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interests": []}, "body.interests"),
        ({"interests": ["coffee"], "k": 0}, "body.k"),
        ({"interests": ["coffee"], "k": 51}, "body.k"),
        ({"interests": ["coffee"], "hs_codes": ["999999"]}, "body.hs_codes.0"),
        ({"interests": ["x" * 201]}, "body.interests.0"),
        ({"interests": ["coffee"], "expo_id": "exp-nowhere"}, "body.expo_id"),
        ({"interests": ["coffee"], "delegate_id": "dlg-nobody"}, "body.delegate_id"),
    ],
    ids=[
        "empty-interests",
        "k-zero",
        "k-too-big",
        "unknown-hs",
        "oversize-text",
        "unknown-expo",
        "unknown-delegate",
    ],
)
async def test_bad_match_requests_are_refused_naming_the_field(matching, body, field) -> None:
    response = await matching.post("/match-requests", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"].replace("[", ".").rstrip("]") == field


async def test_the_read_model_rebuilt_from_the_topics_equals_the_live_one(
    catalog, events, matching, settings: Settings, redis
) -> None:
    await producer_with(catalog, "Madu hutan Sumbawa", "040900", "honey")
    expo = await open_expo(events)
    await delegate(events, expo["id"], interests=["honey"])

    async def compare() -> list[str]:
        await rebuild(settings, redis, SCRATCH)
        return differences(
            await ReadModel(redis, LIVE).snapshot(), await ReadModel(redis, SCRATCH).snapshot()
        )

    assert (
        await eventually(compare, lambda different: different == [], timeout=60, interval=0.5) == []
    )
    assert len(await ReadModel(redis, SCRATCH).snapshot()) > 0
