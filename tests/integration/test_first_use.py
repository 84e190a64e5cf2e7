"""What a new user stumbled on, on the real broker and Redis: each now does what they expected."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from redis.asyncio import Redis

from shared import deadletters
from tests.helpers import unique
from tests.integration.expo import assert_problem, delegate, expo_body, open_expo


async def test_the_same_person_registered_twice_is_refused_naming_the_first(
    events: httpx.AsyncClient,
) -> None:
    expo = await open_expo(events)
    name = unique("José Ramos-Horta")
    first = await delegate(events, expo["id"], name=name, organisation="Embassy of Timor-Leste")
    again = await events.post(
        f"/expos/{expo['id']}/delegates",
        json={
            "name": name.upper().replace("JOSÉ", "Jose"),
            "organisation": "embassy of timor-leste",
            "country": "JP",
            "role": "diplomat",
            "languages": ["pt"],
            "subject": unique("someone-else"),
        },
    )
    assert_problem(again, 409, "body.name")
    assert first["id"] in again.json()["detail"]


async def test_a_renamed_delegate_takes_their_natural_key_along(
    events: httpx.AsyncClient,
) -> None:
    """A typo fixed in a name: the new name is theirs (another registration of it is the same
    person), the old one free again, and nobody may be renamed into someone else."""
    expo = await open_expo(events)
    typo = unique("Kenji Watanbe")
    kenji = await delegate(events, expo["id"], name=typo, organisation="Embassy of Japan")
    other = await delegate(events, expo["id"], name=unique("Aiko Sato"), organisation="JETRO")
    fixed_name = typo.replace("Watanbe", "Watanabe")
    fixed = await events.patch(
        f"/expos/{expo['id']}/delegates/{kenji['id']}",
        json={"name": fixed_name, "role": "diplomat"},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["name"] == fixed_name and fixed.json()["role"] == "diplomat"
    twice = await events.post(
        f"/expos/{expo['id']}/delegates",
        json={"name": fixed_name, "organisation": "Embassy of Japan", "country": "JP",
              "role": "diplomat", "languages": ["ja"]},
    )  # fmt: skip
    assert_problem(twice, 409, "body.name")
    assert kenji["id"] in twice.json()["detail"]
    again_typo = await delegate(events, expo["id"], name=typo, organisation="Embassy of Japan")
    assert again_typo["id"] != kenji["id"]
    into_other = await events.patch(
        f"/expos/{expo['id']}/delegates/{kenji['id']}",
        json={"name": other["name"], "organisation": "JETRO", "country": other["country"]},
    )
    assert_problem(into_other, 409, "body.name")
    assert into_other.json()["errors"][0]["code"] == "delegate-registered"


async def test_a_schedule_run_needs_no_body_and_a_refused_status_says_what_to_do(
    events: httpx.AsyncClient,
) -> None:
    expo = await open_expo(events)
    publish = await events.post(f"/expos/{expo['id']}/status", json={"status": "published"})
    assert_problem(publish, 409, "body.status")
    assert "run the scheduler" in publish.json()["detail"]
    assert "scheduled" not in publish.json()["detail"].split(":", 1)[1].split(";")[0]
    run = await events.post(f"/expos/{expo['id']}/schedule")
    assert run.status_code == 200, run.text


async def test_a_problem_type_leads_to_a_page_that_explains_it(events: httpx.AsyncClient) -> None:
    missing = await events.get("/expos/exp-none")
    page = await events.get(missing.json()["type"])
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Nothing exists" in page.text


async def test_the_agenda_declares_every_format_it_answers_in(events: httpx.AsyncClient) -> None:
    spec = (await events.get("/openapi.json")).json()
    answer = spec["paths"]["/expos/{expo_id}/agenda"]["get"]["responses"]["200"]["content"]
    assert set(answer) == {"application/json", "text/calendar", "text/html"}


async def test_the_dead_letter_tool_lists_the_groups_and_says_when_one_has_none(
    stack: object, capsys: pytest.CaptureFixture[str]
) -> None:
    await asyncio.to_thread(deadletters.main, ["groups"])
    listed = capsys.readouterr().out
    for group in ("events.catalog", "events.matching", "matching.catalog", "matching.expo"):
        assert group in listed
    await asyncio.to_thread(deadletters.main, ["list", "--group", "matching.expo"])
    listing = capsys.readouterr().out
    assert listing.startswith("{") or "matching.expo has no dead letters waiting" in listing
    with pytest.raises(SystemExit):  # only the declared groups are accepted, by name
        await asyncio.to_thread(deadletters.main, ["list", "--group", unique("no-such-group")])


async def test_every_problem_of_a_calendar_is_reported_at_once(events: httpx.AsyncClient) -> None:
    sessions = [
        {"id": "d1-am", "day": "2019-11-14", "start": "09:00", "end": "12:00"},
        {"id": "d9-am", "day": "2019-12-01", "start": "09:00", "end": "12:00"},
        {"id": "d2-pm", "day": "2019-11-15", "start": "16:00", "end": "14:00"},
    ]
    refused = await events.post("/expos", json=expo_body(sessions=sessions))
    assert_problem(refused, 422, "body.sessions[1].day")
    fields = [error["field"] for error in refused.json()["errors"]]
    assert fields == ["body.sessions[1].day", "body.sessions[2].end"]
    # Each names its rule by a code a client translates, besides the English message.
    codes = [error["code"] for error in refused.json()["errors"]]
    assert codes == ["session-outside-dates", "session-ends-before-start"]


async def test_a_body_that_breaks_its_schema_names_each_rule_by_pydantics_code(
    events: httpx.AsyncClient,
) -> None:
    refused = await events.post("/expos", json=expo_body(name="", slot_minutes=1000))
    errors = {error["field"]: error for error in refused.json()["errors"]}
    assert errors["body.name"]["code"] == "string_too_short"
    assert errors["body.slot_minutes"]["code"] == "less_than_equal"
    assert errors["body.slot_minutes"]["params"] == {"le": 240}


async def test_a_meeting_request_names_every_unknown_part_at_once(
    events: httpx.AsyncClient,
) -> None:
    expo = await open_expo(events)
    refused = await events.post(
        f"/expos/{expo['id']}/requests",
        json={"delegate_id": "dlg-nobody", "exhibitor_id": "exh-nobody", "slot_id": "no-slot"},
    )
    assert_problem(refused, 422, "body.delegate_id")
    fields = [error["field"] for error in refused.json()["errors"]]
    assert fields == ["body.delegate_id", "body.exhibitor_id", "body.slot_id"]


async def test_a_match_request_names_an_unknown_expo_and_delegate_at_once(
    matching: httpx.AsyncClient,
) -> None:
    body = {"expo_id": "exp-nowhere", "delegate_id": "dlg-nobody", "k": 3}
    refused = await matching.post("/match-requests", json=body)
    fields = [error["field"] for error in refused.json()["errors"]]
    assert fields == ["body.expo_id", "body.delegate_id"], refused.text


async def test_a_batch_of_delegates_is_previewed_then_registered_and_a_second_run_adds_none(
    events: httpx.AsyncClient,
) -> None:
    """An import: every row answered on its own, nothing written by the preview, the same
    person twice (case and accents aside) found as the delegate they already are."""
    expo = await open_expo(events)
    rows = [
        {"name": "José Ramos", "country": "TL", "organisation": "Embaixada de Timor-Leste",
         "role": "diplomat", "languages": ["pt", "id"]},
        {"name": "jose ramos", "country": "TL", "organisation": "EMBAIXADA DE TIMOR-LESTE",
         "role": "diplomat", "languages": ["pt"]},
        {"name": "Kenji", "country": "Nippon", "organisation": "JETRO", "role": "buyer",
         "languages": ["ja"]},
    ]  # fmt: skip
    url = f"/expos/{expo['id']}/delegates/batch"
    preview = (await events.post(url, json={"delegates": rows, "dry_run": True})).json()["results"]
    assert [r["status"] for r in preview] == ["valid", "repeated", "invalid"]
    assert preview[1]["same_as_row"] == 0
    assert preview[2]["errors"][0]["field"] == "country"
    assert (await events.get(f"/expos/{expo['id']}/delegates")).json()["total"] == 0
    saved = (await events.post(url, json={"delegates": rows})).json()["results"]
    assert [r["status"] for r in saved] == ["created", "repeated", "invalid"]
    again = (await events.post(url, json={"delegates": rows[1:2]})).json()["results"]
    assert [r["status"] for r in again] == ["exists"]
    assert again[0]["existing_id"] == saved[0]["delegate"]["id"]
    assert again[0]["errors"][0]["code"] == "delegate-registered"
    assert (await events.get(f"/expos/{expo['id']}/delegates")).json()["total"] == 1


async def test_an_expo_lists_its_participants_from_its_index_and_without_one(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, redis: Redis
) -> None:
    """Listings read the index sets registration keeps; an expo from before them (no set)
    is still listed whole, by scanning its fields."""
    from tests.integration.expo import exhibitor

    expo = await open_expo(events)
    names = {(await delegate(events, expo["id"]))["id"] for _ in range(3)}
    booth = await exhibitor(catalog, events, expo["id"])

    async def listed() -> tuple[set[str], set[str]]:
        found = (await events.get(f"/expos/{expo['id']}/delegates")).json()["items"]
        booths = (await events.get(f"/expos/{expo['id']}/exhibitors")).json()["items"]
        return {d["id"] for d in found}, {b["id"] for b in booths}

    assert await listed() == (names, {booth["id"]})
    indexes = [key async for key in redis.scan_iter(match=f"*expo:{expo['id']}:*")]
    assert any(key.endswith((b":delegates", b":exhibitors")) for key in indexes)
    await redis.delete(*(k for k in indexes if k.endswith((b":delegates", b":exhibitors"))))
    assert await listed() == (names, {booth["id"]})
