"""The events service against the real broker and Redis: expos and participants, matches
accepted on the `matching` topic becoming meeting requests, scheduling announced on `expo`, no
double booking under concurrency, and agendas a calendar application reads correctly."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest

from shared.auth import Role, bearer
from shared.contracts import topics
from shared.contracts.expo import MeetingWindow
from shared.contracts.matching import MatchAccepted, ProposalData
from shared.envelope import Envelope, parse_record
from shared.settings import Settings
from tests.helpers import eventually, produce_raw, read_topic, seller_body, unique
from tests.integration.expo import (
    assert_problem,
    delegate,
    exhibitor,
    exhibitor_of,
    expo_body,
    open_expo,
)

pytestmark = pytest.mark.integration
KUPANG = ZoneInfo("Asia/Makassar")


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"time_zone": "WITA"}, "body.time_zone"),
        (
            {
                "sessions": [
                    {"id": "a", "day": "2019-11-14", "start": "09:00", "end": "12:00"},
                    {"id": "b", "day": "2019-11-14", "start": "11:00", "end": "13:00"},
                ]
            },
            "body.sessions[1].start",
        ),
        (
            {"sessions": [{"id": "a", "day": "2019-12-01", "start": "09:00", "end": "12:00"}]},
            "body.sessions[0].day",
        ),
        ({"tables": None}, "body.tables"),
        ({"slot_minutes": 0}, "body.slot_minutes"),
    ],
    ids=[
        "not-iana",
        "overlapping-sessions",
        "slot-outside-dates",
        "pool-without-tables",
        "zero-slot",
    ],
)
async def test_a_wrong_expo_is_refused_naming_the_field(events, overrides, field) -> None:
    assert_problem(await events.post("/expos", json=expo_body(**overrides)), 422, field)


async def test_wrong_participants_and_requests_are_refused_naming_the_field(
    catalog, events
) -> None:
    expo = await open_expo(events)
    other = await open_expo(events)
    unknown = await events.post(f"/expos/{expo['id']}/exhibitors", json={"seller_id": "slr-nobody"})
    assert_problem(unknown, 422, "body.seller_id")
    outside = await events.post(
        f"/expos/{expo['id']}/delegates",
        json={
            "name": "Ana",
            "country": "TL",
            "organisation": "Embassy of Timor-Leste",
            "role": "diplomat",
            "languages": ["pt", "id"],
            "availability": {"slots": ["d9-am-01"]},
        },
    )
    assert_problem(outside, 422, "body.availability.slots[0]")
    first, second = await delegate(events, expo["id"]), await delegate(events, expo["id"])
    between_delegates = await events.post(
        f"/expos/{expo['id']}/requests",
        json={"delegate_id": first["id"], "exhibitor_id": second["id"]},
    )
    assert_problem(between_delegates, 422, "body.exhibitor_id")
    stranger = await delegate(events, other["id"])
    booth = await exhibitor(catalog, events, expo["id"])
    of_another_expo = await events.post(
        f"/expos/{expo['id']}/requests",
        json={"delegate_id": stranger["id"], "exhibitor_id": booth["id"]},
    )
    assert_problem(of_another_expo, 422, "body.delegate_id")


# -- matches become requests -----------------------------------------------------------------
async def test_an_exhibitors_booth_and_limits_change_by_the_organiser_or_its_owner_only(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    """A booth is assigned after registration, corrected, cleared; the seller's owner may set
    their own availability, another seller may not; each change is announced."""
    expo = await open_expo(events)
    owner = unique("umkm-owner")
    seller = (
        await catalog.post("/sellers", json=seller_body(name=unique("Garam"), owner=owner))
    ).json()
    booth = await exhibitor_of(events, expo["id"], seller["id"])
    path = f"/expos/{expo['id']}/exhibitors/{booth['id']}"
    assigned = await events.patch(path, json={"booth": "B-12", "max_meetings": 6})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["booth"] == "B-12" and assigned.json()["max_meetings"] == 6
    assert assigned.json()["version"] == booth["version"] + 1
    own = bearer(settings, Role.seller, owner)
    narrowed = await events.patch(path, json={"availability": {"sessions": ["d1-am"]}}, headers=own)
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["available_slots"][0] == "d1-am-01"
    assert all(slot.startswith("d1-am-") for slot in narrowed.json()["available_slots"])
    assert narrowed.json()["booth"] == "B-12"  # what was left out stays
    cleared = await events.patch(path, json={"booth": None, "max_meetings": None})
    assert cleared.json()["booth"] is None and cleared.json()["max_meetings"] is None
    assert (await events.get(path)).json()["version"] == booth["version"] + 3
    other = bearer(settings, Role.seller, unique("another-umkm"))
    assert (await events.patch(path, json={"booth": "A-1"}, headers=other)).status_code == 403
    assert_problem(await events.patch(path, json={"booth": "B" * 21}), 422, "body.booth")
    assert_problem(await events.patch(path, json={"availability": None}), 422, "body.availability")
    unknown = await events.patch(f"/expos/{expo['id']}/exhibitors/exh-none", json={"booth": "C"})
    assert unknown.status_code == 404, unknown.text

    def booths_announced(records: list[Any]) -> list[str | None]:
        return [
            envelope.event().exhibitor.booth  # type: ignore[attr-defined]
            for envelope in (parse_record(r.value, r.headers) for r in records)
            if envelope.type == "expo.exhibitor.updated"
            and envelope.event().exhibitor.id == booth["id"]  # type: ignore[attr-defined]
        ]

    records = await read_topic(settings, topics.EXPO, lambda r: len(booths_announced(r)) == 3)
    assert booths_announced(records) == ["B-12", "B-12", None]


async def test_an_accepted_match_becomes_one_meeting_request_even_when_redelivered(
    catalog, events, settings: Settings
) -> None:
    expo = await open_expo(events)
    booth = await exhibitor(catalog, events, expo["id"])
    guest = await delegate(events, expo["id"])
    proposal = ProposalData(
        id=unique("mat"),
        request_id=unique("mrq"),
        expo_id=expo["id"],
        delegate_id=guest["id"],
        seller_id=booth["seller_id"],
        exhibitor_id=booth["id"],
        rank=1,
        score=91.0,
        reasons=["Kopi Arabika Bajawa matches 'arabica coffee' (HS 0901)"],
    )
    # As the matching service would publish it (only its source may write the topic).
    accepted = MatchAccepted(proposal=proposal, weight=9, window=MeetingWindow(sessions=["d2-am"]))
    envelope, key = Envelope.wrap(accepted, topics.WRITERS[topics.MATCHING])
    for _ in range(2):  # the broker may deliver twice; the second changes nothing
        await produce_raw(
            settings, topics.MATCHING, envelope.value(), envelope.headers(), key.encode()
        )

    async def requests() -> list[dict[str, Any]]:
        page = (await events.get(f"/expos/{expo['id']}/requests")).json()
        return page["items"]

    found = await eventually(requests, lambda items: len(items) >= 1)
    await asyncio.sleep(1.0)  # give a duplicate the chance to show up
    found = await requests()
    assert len(found) == 1
    assert found[0]["request"]["origin"] == "match"
    assert found[0]["request"]["match_id"] == proposal.id
    assert found[0]["request"]["weight"] == 9
    window = found[0]["request"]["window"]  # the delegate's "on the second morning"
    assert window and all(slot.startswith("d2-am-") for slot in window)


# -- scheduling ------------------------------------------------------------------------------
async def test_scheduling_places_requests_without_conflicts_and_announces_each_meeting(
    catalog, events, settings: Settings
) -> None:
    expo = await open_expo(events)
    booths = [await exhibitor(catalog, events, expo["id"], booth=f"B{n}") for n in range(4)]
    guests = [await delegate(events, expo["id"], max_meetings=3) for _ in range(5)]
    request_ids = []
    for guest in guests:
        for booth in booths:
            made = await events.post(
                f"/expos/{expo['id']}/requests",
                json={"delegate_id": guest["id"], "exhibitor_id": booth["id"], "weight": 5},
            )
            assert made.status_code == 201, made.text
            assert made.json()["meeting"] is None  # no schedule yet: it waits for the run
            request_ids.append(made.json()["request"]["id"])
    report = await events.post(f"/expos/{expo['id']}/schedule", json={"time_limit_seconds": 5})
    assert report.status_code == 200, report.text
    result = report.json()
    assert result["scheduled"] == 15  # five delegates, three meetings each at most
    assert result["scheduled_weight"] <= result["upper_bound"]
    assert {u["reason"] for u in result["unplaced"]} == {"max_meetings"}
    listed = (await events.get(f"/expos/{expo['id']}/requests", params={"limit": 200})).json()
    meetings = [item["meeting"] for item in listed["items"] if item["meeting"]]
    assert_no_double_booking(meetings, tables=3)

    def announced(records: list[Any]) -> set[str]:
        scheduled = set()
        for record in records:
            envelope = parse_record(record.value, record.headers)
            if envelope.type == "expo.meeting.scheduled":
                scheduled.add(envelope.event().meeting.request_id)  # type: ignore[attr-defined]
        return scheduled

    scheduled_ids = {m["request_id"] for m in meetings}
    records = await read_topic(settings, topics.EXPO, lambda r: scheduled_ids <= announced(r))
    assert scheduled_ids <= announced(records)


def assert_no_double_booking(meetings: list[dict[str, Any]], tables: int | None) -> None:
    seen: set[tuple[str, str]] = set()
    used_tables: set[tuple[str, int]] = set()
    for meeting in meetings:
        for person in (meeting["delegate_id"], meeting["exhibitor_id"]):
            assert (person, meeting["slot_id"]) not in seen, f"{person} double-booked"
            seen.add((person, meeting["slot_id"]))
        if tables is not None:
            assert 1 <= meeting["table"] <= tables
            assert (meeting["slot_id"], meeting["table"]) not in used_tables
            used_tables.add((meeting["slot_id"], meeting["table"]))


async def test_two_hundred_concurrent_requests_for_one_slot_never_double_book(
    catalog, events
) -> None:
    expo = await open_expo(events)
    booths = [await exhibitor(catalog, events, expo["id"]) for _ in range(5)]
    guests = [await delegate(events, expo["id"]) for _ in range(40)]
    empty_run = await events.post(f"/expos/{expo['id']}/schedule", json={"time_limit_seconds": 2})
    assert empty_run.status_code == 200, empty_run.text  # a schedule now exists: insert online
    contested = "d1-am-01"

    async def ask(guest: dict[str, Any], booth: dict[str, Any]) -> httpx.Response:
        return await events.post(
            f"/expos/{expo['id']}/requests",
            json={"delegate_id": guest["id"], "exhibitor_id": booth["id"], "slot_id": contested},
        )

    answers = await asyncio.gather(*(ask(g, b) for g in guests for b in booths))
    assert len(answers) == 200
    assert all(a.status_code == 201 for a in answers), {a.status_code for a in answers}
    placed = [a.json()["meeting"] for a in answers if a.json()["meeting"]]
    assert len(placed) == 3  # three tables in the pool, whoever won the race
    assert all(m["slot_id"] == contested for m in placed)
    assert_no_double_booking(placed, tables=3)
    refused = [a.json()["not_placed"]["reason"] for a in answers if not a.json()["meeting"]]
    assert set(refused) == {"slot_taken"}
    listed = (await events.get(f"/expos/{expo['id']}/requests", params={"limit": 200})).json()
    stored = [item["meeting"] for item in listed["items"] if item["meeting"]]
    assert sorted(m["request_id"] for m in stored) == sorted(m["request_id"] for m in placed)


async def test_a_live_request_goes_next_to_the_meetings_it_can_join_or_says_why_not(
    catalog, events
) -> None:
    """Online insertion through the API: beside the participant's meeting (no idle gap), then
    the meeting limit, then a slot outside their common availability, each with its reason."""
    expo = await open_expo(events)
    first, second, third = [await exhibitor(catalog, events, expo["id"]) for _ in range(3)]
    guest = await delegate(events, expo["id"], max_meetings=2)
    await events.post(f"/expos/{expo['id']}/schedule", json={"time_limit_seconds": 2})

    async def ask(booth: dict[str, Any], **extra: Any) -> dict[str, Any]:
        made = await events.post(
            f"/expos/{expo['id']}/requests",
            json={"delegate_id": guest["id"], "exhibitor_id": booth["id"], **extra},
        )
        assert made.status_code == 201, made.text
        return dict(made.json())

    anchored = await ask(first, slot_id="d1-am-03")
    assert anchored["meeting"]["slot_id"] == "d1-am-03"
    beside = await ask(second)
    assert beside["meeting"]["slot_id"] in {"d1-am-02", "d1-am-04"}  # back to back, no gap
    over = await ask(third)
    assert over["meeting"] is None and over["not_placed"]["reason"] == "max_meetings"
    assert "has reached 2 meetings" in over["not_placed"]["detail"]
    moved = await events.post(
        f"/expos/{expo['id']}/requests/{beside['request']['id']}/reschedule",
        json={"slot_id": "d9-am-01"},
    )
    assert_problem(moved, 422, "body.slot_id")


async def test_a_request_keeps_its_window_through_runs_moves_and_live_insertion(
    catalog, events
) -> None:
    expo = await open_expo(events)
    first, second = [await exhibitor(catalog, events, expo["id"]) for _ in range(2)]
    guest = await delegate(events, expo["id"])
    url = f"/expos/{expo['id']}/requests"

    async def ask(booth: dict[str, Any], **extra: Any) -> httpx.Response:
        return await events.post(
            url, json={"delegate_id": guest["id"], "exhibitor_id": booth["id"], **extra}
        )

    assert_problem(await ask(first, window={"sessions": ["d9-pm"]}), 422, "body.window.sessions[0]")
    assert_problem(await ask(first, window={"slots": ["d1-am-99"]}), 422, "body.window.slots[0]")
    assert_problem(await ask(first, window={"days": ["d1"]}), 422, "body.window.days")
    outside = await ask(first, window={"sessions": ["d1-pm"]}, slot_id="d1-am-01")
    assert_problem(outside, 422, "body.slot_id")
    afternoon = await ask(first, window={"sessions": ["d1-pm"]})
    assert afternoon.status_code == 201, afternoon.text
    request = afternoon.json()["request"]
    assert request["window"] and all(s.startswith("d1-pm-") for s in request["window"])
    run = await events.post(f"/expos/{expo['id']}/schedule", json={"time_limit_seconds": 2})
    assert run.status_code == 200, run.text
    report = run.json()
    assert report["scheduled"] == 1 and report["breaks"] == report["breaks_bound"] == 0
    placed = (await events.get(f"{url}/{request['id']}")).json()["meeting"]
    assert placed["slot_id"].startswith("d1-pm-")
    moved = await events.post(f"{url}/{request['id']}/reschedule", json={"slot_id": "d1-am-01"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["not_placed"]["reason"] == "slot_taken"
    assert "outside the window" in moved.json()["not_placed"]["detail"]
    again = await events.post(f"{url}/{request['id']}/reschedule", json={})
    assert again.json()["meeting"]["slot_id"].startswith("d1-pm-")  # the best other: still there
    live = await ask(second, window={"slots": ["d2-am-03"]})
    assert live.status_code == 201, live.text
    assert live.json()["meeting"]["slot_id"] == "d2-am-03"  # placed at once, in its window
    rerun = await events.post(
        f"/expos/{expo['id']}/schedule", json={"time_limit_seconds": 2, "scope": "everything"}
    )
    assert rerun.status_code == 200, rerun.text
    listed = (await events.get(url)).json()["items"]
    slots = {item["request"]["id"]: item["meeting"]["slot_id"] for item in listed}
    assert slots[request["id"]].startswith("d1-pm-") and slots[live.json()["request"]["id"]] == (
        "d2-am-03"
    )


async def test_a_locked_meeting_stays_through_every_run_and_a_move_names_its_table(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    """The console's backend: lock, move to a chosen slot and table (or be told why not),
    unlock, and a run that places only what is not placed yet, keeping every meeting."""
    expo = await open_expo(events)
    base = f"/expos/{expo['id']}"
    booths = [await exhibitor(catalog, events, expo["id"]) for _ in range(3)]
    guests = [await delegate(events, expo["id"]) for _ in range(2)]
    for guest in guests:
        for booth in booths[:2]:
            made = await events.post(f"{base}/requests", json={
                "delegate_id": guest["id"], "exhibitor_id": booth["id"]})  # fmt: skip
            assert made.status_code == 201, made.text
    first = await events.post(f"{base}/schedule", json={"time_limit_seconds": 2})
    assert first.json()["scheduled"] == 4, first.text
    assert first.json()["breaks"] == 0  # two meetings each, back to back

    async def meetings() -> dict[str, dict[str, Any]]:
        listed = (await events.get(f"{base}/requests", params={"limit": 200})).json()["items"]
        return {i["request"]["id"]: i["meeting"] for i in listed if i["meeting"]}

    placed = await meetings()
    held_id, held = sorted(placed.items())[0]
    locked = await events.post(f"{base}/requests/{held_id}/lock")
    assert locked.status_code == 200 and locked.json()["locked"] is True, locked.text
    refused = await events.post(
        f"{base}/requests/{held_id}/reschedule", json={"slot_id": "d2-am-01"}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "meeting-locked"
    # A full run again may move every unlocked meeting; never this one.
    again = await events.post(f"{base}/schedule", json={"time_limit_seconds": 2})
    assert again.status_code == 200, again.text
    kept = (await meetings())[held_id]
    assert (kept["slot_id"], kept["table"], kept["locked"]) == (
        held["slot_id"],
        held["table"],
        True,
    )
    other = bearer(settings, Role.organiser, unique("dinas-lain"))
    assert (
        await events.post(f"{base}/requests/{held_id}/unlock", headers=other)
    ).status_code == 403
    unlocked = await events.post(f"{base}/requests/{held_id}/unlock")
    assert unlocked.json()["locked"] is False

    # A move to a chosen slot and table; the same table again is taken; then refusals by field.
    # The slot: one no meeting holds (where the solver put the four depends on its search).
    busy = {meeting["slot_id"] for meeting in (await meetings()).values()}
    free_slot = next(slot["id"] for slot in expo["slots"] if slot["id"] not in busy)
    moved = await events.post(f"{base}/requests/{held_id}/reschedule",
                              json={"slot_id": free_slot, "table": 3})  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert (moved.json()["meeting"]["slot_id"], moved.json()["meeting"]["table"]) == (free_slot, 3)
    beside = next(r for r, m in (await meetings()).items() if r != held_id)
    taken = await events.post(f"{base}/requests/{beside}/reschedule",
                              json={"slot_id": free_slot, "table": 3})  # fmt: skip
    assert taken.status_code == 200, taken.text
    if taken.json()["not_placed"]["reason"] == "table_taken":
        assert f"table 3 is taken in {free_slot}" == taken.json()["not_placed"]["detail"]
    else:  # the two share a participant: the slot itself is taken for them
        assert taken.json()["not_placed"]["reason"] == "slot_taken"
    same_slot = await events.post(f"{base}/requests/{held_id}/reschedule",
                                  json={"slot_id": free_slot, "table": 1})  # fmt: skip
    assert same_slot.json()["meeting"]["table"] == 1, same_slot.text  # another table, same slot
    outside = {"slot_id": free_slot, "table": 4}
    assert_problem(
        await events.post(f"{base}/requests/{held_id}/reschedule", json=outside), 422, "body.table"
    )
    no_slot = await events.post(f"{base}/requests/{held_id}/reschedule", json={"table": 2})
    assert_problem(no_slot, 422, "body.slot_id")
    # Only what is not placed: a cancelled meeting's request is placed again, nothing moves.
    before = await meetings()
    cancelled = await events.post(f"{base}/requests/{beside}/cancel", json={"reason": "test"})
    assert cancelled.status_code == 200, cancelled.text
    without = await events.post(f"{base}/requests/{beside}/lock")
    assert without.status_code == 409 and without.json()["code"] == "no-meeting", without.text
    await events.post(f"{base}/requests", json={
        "delegate_id": before[beside]["delegate_id"],
        "exhibitor_id": before[beside]["exhibitor_id"], "weight": 100})  # fmt: skip
    run = await events.post(f"{base}/schedule", json={"time_limit_seconds": 2, "scope": "unplaced"})
    assert run.status_code == 200, run.text
    after = await meetings()
    for request_id, meeting in before.items():
        if request_id != beside:
            assert (after[request_id]["slot_id"], after[request_id]["table"]) == (
                meeting["slot_id"], meeting["table"])  # fmt: skip
    assert run.json()["moved"] == 0
    assert_problem(await events.post(f"{base}/schedule", json={"scope": "some"}), 422, "body.scope")


async def test_the_board_of_a_session_shows_its_cells_and_a_waiting_request_is_placed_by_hand(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    """The grid's read model: one session's meetings by slot and table with the pair's shared
    language, and a request without a meeting put into the cell the organiser picks."""
    expo = await open_expo(events, tables=1)
    base = f"/expos/{expo['id']}"
    booth = await exhibitor(catalog, events, expo["id"])
    guests = [await delegate(events, expo["id"], languages=["ja"]) for _ in range(2)]
    evening = [s["id"] for s in expo["slots"] if s["session_id"] == "d1-pm"]
    for guest in guests:
        narrowed = await events.patch(
            f"{base}/delegates/{guest['id']}", json={"availability": {"slots": evening[:1]}}
        )
        assert narrowed.status_code == 200, narrowed.text
        made = await events.post(f"{base}/requests", json={
            "delegate_id": guest["id"], "exhibitor_id": booth["id"]})  # fmt: skip
        assert made.status_code == 201, made.text
    run = await events.post(f"{base}/schedule", json={"time_limit_seconds": 2})
    assert run.json()["scheduled"] == 1, run.text  # one slot, one table: one of the two
    board = await events.get(f"{base}/sessions/d1-pm/board")
    assert board.status_code == 200, board.text
    (cell,) = board.json()["meetings"]
    assert (cell["slot_id"], cell["table"]) == (evening[0], 1)
    assert cell["pair"]["interpreter"] is True  # Japanese; the seller speaks Indonesian
    (waiting,) = board.json()["unplaced"]
    assert waiting["reason"] == "busy_here"  # the exhibitor is in their one common slot

    # The waiting delegate widens their day: the board offers the next slot, and it is taken.
    waiting_id = waiting["pair"]["delegate_id"]
    widened = {"availability": {"slots": evening[:2]}}
    assert (await events.patch(f"{base}/delegates/{waiting_id}", json=widened)).status_code == 200
    offered = (await events.get(f"{base}/sessions/d1-pm/board")).json()["unplaced"][0]
    assert offered["suggestion"] == {"slot_id": evening[1], "table": 1}, offered
    request_id = offered["pair"]["request_id"]
    taken = await events.post(f"{base}/requests/{request_id}/place",
                              json={"slot_id": evening[0], "table": 1})  # fmt: skip
    assert taken.status_code == 200 and taken.json()["not_placed"]["reason"] == "slot_taken"
    placed = await events.post(f"{base}/requests/{request_id}/place",
                               json={"slot_id": evening[1], "table": 1})  # fmt: skip
    assert placed.status_code == 200 and placed.json()["meeting"]["slot_id"] == evening[1]
    # The board read before is kept for reading; a commit since is seen at once all the same.
    after = (await events.get(f"{base}/sessions/d1-pm/board")).json()
    assert {m["pair"]["request_id"] for m in after["meetings"]} >= {request_id}
    assert after["unplaced_total"] == 0
    again = await events.post(f"{base}/requests/{request_id}/place", json={})
    assert again.status_code == 409 and again.json()["code"] == "not-waiting", again.text
    other = bearer(settings, Role.organiser, unique("dinas-lain"))
    assert (await events.get(f"{base}/sessions/d1-pm/board", headers=other)).status_code == 403
    assert_problem(await events.get(f"{base}/sessions/nope/board"), 404, "session_id")
    assert_problem(
        await events.get(f"{base}/sessions/d1-pm/board", params={"moving": "req-none"}),
        404,
        "query.moving",
    )


async def test_a_background_run_reports_its_progress_and_keeps_its_result_one_at_a_time(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    expo = await open_expo(events)
    base = f"/expos/{expo['id']}/schedule"
    booths = [await exhibitor(catalog, events, expo["id"]) for _ in range(3)]
    for _ in range(6):
        guest = await delegate(events, expo["id"])
        for booth in booths:
            await events.post(f"/expos/{expo['id']}/requests", json={
                "delegate_id": guest["id"], "exhibitor_id": booth["id"]})  # fmt: skip
    body = {"time_limit_seconds": 2}
    first, second = await asyncio.gather(
        events.post(f"{base}/runs", json=body), events.post(f"{base}/runs", json=body)
    )
    assert sorted([first.status_code, second.status_code]) == [202, 409], (first.text, second.text)
    started, refused = (first, second) if first.status_code == 202 else (second, first)
    assert refused.json()["code"] == "run-in-progress"
    run = started.json()
    assert run["status"] == "running" and run["scope"] == "everything"

    async def latest() -> dict[str, Any]:
        return dict((await events.get(f"{base}/runs/latest")).json())

    finished = await eventually(latest, lambda r: r["status"] != "running", timeout=20)
    assert finished["id"] == run["id"] and finished["status"] == "finished", finished
    report = finished["report"]
    assert report["scheduled"] == 18 and finished["best_weight"] == report["scheduled_weight"]
    assert finished["upper_bound"] == report["upper_bound"] and finished["phase"] == "done"
    kept = await events.get(f"{base}/runs/{run['id']}")
    assert kept.json() == finished
    other = bearer(settings, Role.organiser, unique("dinas-lain"))
    assert (await events.get(f"{base}/runs/latest", headers=other)).status_code == 403
    missing = await events.get(f"{base}/runs/run-none")
    assert missing.status_code == 404 and missing.json()["code"] == "no-run"
    draft = (await events.post("/expos", json=expo_body())).json()
    not_open = await events.post(f"/expos/{draft['id']}/schedule/runs", json=body)
    assert not_open.status_code == 409 and not_open.json()["code"] == "expo-not-schedulable"


async def test_each_published_version_says_exactly_what_changed_since_the_one_before(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    expo = await open_expo(events)
    base = f"/expos/{expo['id']}"
    booths = [await exhibitor(catalog, events, expo["id"]) for _ in range(2)]
    guests = [await delegate(events, expo["id"]) for _ in range(2)]
    request_ids = []
    for guest in guests:
        for booth in booths:
            made = await events.post(f"{base}/requests", json={
                "delegate_id": guest["id"], "exhibitor_id": booth["id"]})  # fmt: skip
            request_ids.append(made.json()["request"]["id"])
    await events.post(f"{base}/schedule", json={"time_limit_seconds": 1})
    preview = (await events.get(f"{base}/publications/next")).json()
    assert preview["version"] == 1 and len(preview["added"]) == 4, preview
    first = await events.post(f"{base}/publications")
    assert first.status_code == 201 and first.json()["version"] == 1, first.text
    assert (await events.get(base)).json()["status"] == "published"
    nothing = await events.post(f"{base}/publications")
    assert nothing.status_code == 409 and nothing.json()["code"] == "nothing-to-publish"
    other = bearer(settings, Role.organiser, unique("dinas-lain"))
    assert (await events.get(f"{base}/publications/next", headers=other)).status_code == 403

    moving, dropping = request_ids[0], request_ids[3]
    moved = await events.post(f"{base}/requests/{moving}/reschedule", json={})
    assert moved.json()["meeting"] is not None, moved.text
    await events.post(f"{base}/requests/{dropping}/cancel", json={"reason": "flight cancelled"})
    pending = (await events.get(f"{base}/publications/next")).json()
    assert pending["version"] == 2 and pending["added"] == []
    assert [m["meeting"]["request_id"] for m in pending["moved"]] == [moving]
    assert [p["request_id"] for p in pending["removed"]] == [dropping]
    second = await events.post(f"{base}/publications")
    assert second.json() == pending

    def published(records: list[Any]) -> list[Any]:
        return [
            event
            for event in (parse_record(r.value, r.headers).event() for r in records)
            if getattr(event, "expo_id", None) == expo["id"]
            and event.type == "expo.schedule.published"
        ]

    records = await read_topic(settings, topics.EXPO, lambda r: len(published(r)) == 2)
    versions = published(records)
    assert [v.version for v in versions] == [1, 2]
    assert [p.request_id for p in versions[1].removed] == [dropping]


# -- agendas ---------------------------------------------------------------------------------
async def test_icalendar_agenda_parses_and_shows_kupang_local_times_with_stable_uids(
    catalog, events, settings: Settings
) -> None:
    expo = await open_expo(events, mode="booth", tables=None)
    booth = await exhibitor(catalog, events, expo["id"], booth="C7")
    guest = await delegate(events, expo["id"], availability={"sessions": ["d1-am"]})
    await events.post(f"/expos/{expo['id']}/schedule", json={"time_limit_seconds": 2})
    made = await events.post(
        f"/expos/{expo['id']}/requests",
        json={"delegate_id": guest["id"], "exhibitor_id": booth["id"], "slot_id": "d1-am-01"},
    )
    meeting = made.json()["meeting"]
    assert meeting["location"] == "Booth C7" and meeting["table"] is None
    token = bearer(settings, Role.delegate, guest["subject"])
    feed = await events.get(
        f"/expos/{expo['id']}/agenda",
        params={"delegate": guest["id"], "format": "ics"},
        headers=token,
    )
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.content)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Makassar"]
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == dt.datetime(2019, 11, 14, 9, 0, tzinfo=KUPANG)
    assert start.utcoffset() == dt.timedelta(hours=8)
    assert "TZID=Asia/Makassar" in feed.text
    uid = str(event["UID"])

    moved = await events.post(
        f"/expos/{expo['id']}/requests/{meeting['request_id']}/reschedule",
        json={"slot_id": "d1-am-03"},
    )
    assert moved.status_code == 200, moved.text
    again = await events.get(
        f"/expos/{expo['id']}/agenda",
        params={"delegate": guest["id"], "format": "ics"},
        headers=token,
    )
    (event,) = icalendar.Calendar.from_ical(again.content).walk("VEVENT")
    assert str(event["UID"]) == uid  # the calendar replaces the event instead of adding one
    assert event.decoded("DTSTART") == dt.datetime(2019, 11, 14, 9, 50, tzinfo=KUPANG)

    page = await events.get(
        f"/expos/{expo['id']}/agenda",
        params={"delegate": guest["id"], "format": "html"},
        headers=token,
    )
    assert page.status_code == 200 and "09:50–10:10" in page.text and "Booth C7" in page.text
    someone_else = bearer(settings, Role.delegate, "not-" + guest["subject"])
    forbidden = await events.get(
        f"/expos/{expo['id']}/agenda", params={"delegate": guest["id"]}, headers=someone_else
    )
    assert forbidden.status_code == 403
    at_the_booth = await events.get(
        f"/expos/{expo['id']}/agenda", params={"exhibitor": booth["id"]}
    )
    (item,) = at_the_booth.json()["meetings"]
    assert item["delegate"] == guest["name"] and item["seller"] == booth["seller_name"]
    assert_problem(
        await events.get(f"/expos/{expo['id']}/agenda", params={"exhibitor": "exh-none"}),
        404,
        "query.exhibitor",
    )


async def test_outcomes_feed_the_expo_statistics(catalog, events) -> None:
    expo = await open_expo(events)
    booth = await exhibitor(catalog, events, expo["id"])
    guest = await delegate(events, expo["id"], country="AU")
    await events.post(f"/expos/{expo['id']}/schedule", json={"time_limit_seconds": 2})
    made = (
        await events.post(
            f"/expos/{expo['id']}/requests",
            json={"delegate_id": guest["id"], "exhibitor_id": booth["id"]},
        )
    ).json()
    request_id = made["request"]["id"]
    bad = await events.post(
        f"/expos/{expo['id']}/requests/{request_id}/outcome",
        json={"held": True, "deal_value": 1200},
    )
    assert_problem(bad, 422, "body.currency")
    recorded = await events.post(
        f"/expos/{expo['id']}/requests/{request_id}/outcome",
        json={
            "held": True,
            "rating": 5,
            "follow_up": "sample_order",
            "deal_value": 1200,
            "currency": "USD",
        },
    )
    assert recorded.status_code == 200, recorded.text
    stats = (await events.get(f"/expos/{expo['id']}/stats")).json()
    assert stats["held"] == 1
    assert stats["by_country"]["AU"] == {"held": 1}
    assert stats["deals"] == {"USD": 1200.0}
    assert stats["follow_ups"] == {"sample_order": 1}
    assert stats["by_sector"]["woven_textiles"] == {"held": 1}


async def test_a_meeting_request_is_seen_and_cancelled_only_by_its_parties(
    catalog, events, settings: Settings
) -> None:
    expo = await open_expo(events)
    owner = unique("tenun-sumba")
    seller = await catalog.post("/sellers", json=seller_body(name=unique("Tenun"), owner=owner))
    booth = await exhibitor_of(events, expo["id"], seller.json()["id"])
    guest = await delegate(events, expo["id"])
    other = await delegate(events, expo["id"])
    made = await events.post(
        f"/expos/{expo['id']}/requests",
        json={"delegate_id": guest["id"], "exhibitor_id": booth["id"]},
        headers=bearer(settings, Role.delegate, guest["subject"]),
    )
    assert made.status_code == 201, made.text
    url = f"/expos/{expo['id']}/requests/{made.json()['request']['id']}"
    as_guest = bearer(settings, Role.delegate, guest["subject"])
    as_other = bearer(settings, Role.delegate, other["subject"])
    as_seller = bearer(settings, Role.seller, owner)
    as_stranger = bearer(settings, Role.seller, unique("someone-else"))
    another_organiser = bearer(settings, Role.organiser, unique("disperindag"))

    for visitor in (as_guest, as_seller):
        seen = await events.get(url, headers=visitor)
        assert seen.status_code == 200 and seen.json()["request"]["delegate_id"] == guest["id"]
    for outsider in (as_other, as_stranger):  # another's request is as good as absent
        assert_problem(await events.get(url, headers=outsider), 404, "request_id")
    assert_problem(await events.get(f"/expos/{expo['id']}/requests/req-missing"), 404, "request_id")

    request_id = made.json()["request"]["id"]
    listing = f"/expos/{expo['id']}/requests"
    for visitor in (as_guest, as_seller, {}):  # {}: the client's own, the expo's organiser
        listed = (await events.get(listing, headers=visitor)).json()
        assert [item["request"]["id"] for item in listed["items"]] == [request_id]
    for outsider in (as_other, as_stranger):
        listed = (await events.get(listing, headers=outsider)).json()
        assert listed["items"] == [] and listed["total"] == 0

    reason = {"reason": "flight changed"}
    for outsider in (as_other, as_stranger, another_organiser):
        refused = await events.post(f"{url}/cancel", json=reason, headers=outsider)
        assert refused.status_code == 403, refused.text
    assert_problem(
        await events.post(f"/expos/{expo['id']}/requests/req-missing/cancel", json=reason),
        404,
        "request_id",
    )
    cancelled = await events.post(f"{url}/cancel", json=reason, headers=as_guest)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    for status, expected in (("cancelled", [request_id]), ("requested", [])):
        listed = await events.get(listing, params={"status": status}, headers=as_seller)
        assert [item["request"]["id"] for item in listed.json()["items"]] == expected
