"""The scheduler: crafted cases for each rule and reason, and properties that hold for any
instance (hypothesis): feasible, fixed meetings kept, objective within the proven bound, never
below the greedy; online insertion never breaks feasibility."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.events.scheduling import (
    Fixed,
    Instance,
    InvalidInstance,
    OnlineSchedule,
    Participant,
    Request,
    Slot,
    check_feasible,
    greedy,
    instance_from_json,
    schedule_to_json,
    solve,
)

REPO = Path(__file__).resolve().parents[2]
WITA = dt.timezone(dt.timedelta(hours=8))


def slots(count: int, sessions: int = 1) -> list[Slot]:
    result = []
    for session in range(sessions):
        begin = dt.datetime(2019, 11, 14, 9, tzinfo=WITA) + dt.timedelta(hours=4 * session)
        for number in range(count):
            start = begin + dt.timedelta(minutes=25 * number)
            result.append(Slot(f"s{session}-{number}", start, start + dt.timedelta(minutes=20)))
    return result


def person(ident: str, available: list[str] | None = None, limit: int | None = None) -> Participant:
    kind = "delegate" if ident.startswith("d") else "seller"
    return Participant(ident, kind, frozenset(available) if available is not None else None, limit)


def reasons(schedule) -> dict[str, str]:
    return {u.request: u.reason for u in schedule.unscheduled}


def test_tiny_instance_is_solved_to_proven_optimality() -> None:
    instance = Instance(
        slots(2),
        1,
        [person("d1"), person("d2"), person("x1")],
        [Request("r1", "d1", "x1", 5), Request("r2", "d2", "x1", 3)],
    )
    answer = solve(instance, 2)
    assert answer.status == "optimal" and answer.objective == answer.upper_bound == 8
    assert check_feasible(instance, answer) == []
    assert {m.table for m in answer.meetings} == {1}


def test_fixed_meetings_stay_and_the_rest_fits_around_them() -> None:
    instance = Instance(
        slots(3),
        2,
        [person("d1"), person("d2"), person("x1"), person("x2")],
        [Request("r1", "d1", "x1", 1), Request("r2", "d2", "x1", 9), Request("r3", "d1", "x2", 4)],
        [Fixed("r1", "s0-1", table=2)],
    )
    answer = solve(instance, 2)
    kept = next(m for m in answer.meetings if m.request == "r1")
    assert (kept.slot, kept.table) == ("s0-1", 2)
    assert answer.objective == 14 and check_feasible(instance, answer) == []


def test_reasons_say_why_a_request_was_not_placed() -> None:
    instance = Instance(
        slots(2),
        1,
        [
            person("d1", ["s0-0"]),
            person("x1", ["s0-1"]),  # never overlaps d1
            person("d2", limit=1),
            person("x2"),
            person("x3"),
            person("d3", ["s0-0"]),
            person("d4", ["s0-0"]),
            person("x4", ["s0-0"]),
        ],
        [
            Request("apart", "d1", "x1", 5),
            Request("first", "d2", "x2", 9),
            Request("limit", "d2", "x3", 1),
            Request("table-a", "d3", "x2", 9),
            Request("table-b", "d4", "x4", 1),
        ],
    )
    answer = solve(instance, 2)
    found = reasons(answer)
    assert found["apart"] == "no_common_slot"
    assert found["limit"] == "max_meetings"
    assert found["table-b"] == "capacity"  # d4 and x4 are free at s0-0, but its one table is taken
    assert check_feasible(instance, answer) == []


def test_meetings_at_the_booth_use_no_tables() -> None:
    instance = Instance(
        slots(1),
        None,
        [person("d1"), person("d2"), person("x1"), person("x2")],
        [Request("r1", "d1", "x1", 1), Request("r2", "d2", "x2", 1)],
    )
    answer = solve(instance, 1)
    assert len(answer.meetings) == 2 and {m.table for m in answer.meetings} == {None}


def test_meetings_gather_back_to_back_rather_than_leaving_idle_gaps() -> None:
    instance = Instance(
        slots(5),
        None,
        [person("d1"), person("x1"), person("x2"), person("x3")],
        [Request(f"r{n}", "d1", f"x{n}", 1) for n in (1, 2, 3)],
    )
    answer = solve(instance, 2)
    used = sorted(int(m.slot.rsplit("-", 1)[1]) for m in answer.meetings)
    assert used == list(range(used[0], used[0] + 3))


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (
            lambda: Instance(slots(1), 1, [person("d1")], [Request("r", "d1", "nobody", 1)]),
            "requests[0].b",
        ),
        (
            lambda: Instance(slots(1), 1, [person("d1")], [Request("r", "d1", "d1", 1)]),
            "requests[0].b",
        ),
        (lambda: Instance(slots(1), 1, [person("d1"), person("d1")], []), "participants[1].id"),
        (lambda: Instance(slots(1), 1, [person("d1", ["s9"])], []), "participants[0].available"),
        (
            lambda: Instance(
                slots(1),
                1,
                [person("d1"), person("x1"), person("x2")],
                [Request("a", "d1", "x1", 1), Request("b", "d1", "x2", 1)],
                [Fixed("a", "s0-0"), Fixed("b", "s0-0")],
            ),
            "fixed[1].slot",
        ),
        (
            lambda: Instance(
                slots(1),
                1,
                [person("d1"), person("x1")],
                [Request("a", "d1", "x1", 1)],
                [Fixed("a", "zz")],
            ),
            "fixed[0].slot",
        ),
    ],
    ids=[
        "unknown-participant",
        "self-meeting",
        "duplicate-id",
        "unknown-slot",
        "fixed-double-booked",
        "fixed-unknown-slot",
    ],
)
def test_an_invalid_instance_names_the_field(build, field) -> None:
    with pytest.raises(InvalidInstance) as refused:
        build()
    assert refused.value.field == field


# -- properties ------------------------------------------------------------------------------
@st.composite
def instances(draw: st.DrawFn) -> Instance:
    slot_list = slots(draw(st.integers(1, 4)), draw(st.integers(1, 2)))
    ids = [s.id for s in slot_list]
    delegates = [f"d{n}" for n in range(draw(st.integers(1, 5)))]
    sellers = [f"x{n}" for n in range(draw(st.integers(1, 5)))]
    people = [
        person(
            ident,
            draw(st.none() | st.lists(st.sampled_from(ids), unique=True)),
            draw(st.none() | st.integers(0, 3)),
        )
        for ident in delegates + sellers
    ]
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(delegates), st.sampled_from(sellers)),
            unique=True,
            max_size=15,
        )
    )
    requests = [Request(f"r{n}", a, b, draw(st.integers(1, 10))) for n, (a, b) in enumerate(pairs)]
    tables = draw(st.none() | st.integers(1, 3))
    unfixed = Instance(slot_list, tables, people, requests)
    # Confirmed meetings: a feasible part of the greedy answer.
    fixed = [
        Fixed(m.request, m.slot, m.table) for m in greedy(unfixed).meetings if draw(st.booleans())
    ]
    return Instance(slot_list, tables, people, requests, fixed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_answer_is_feasible_keeps_fixed_meetings_and_respects_its_bound(instance) -> None:
    answer = solve(instance, 0.5, workers=1)
    assert check_feasible(instance, answer) == []
    placed = {m.request: m for m in answer.meetings}
    for fixed in instance.fixed:
        assert placed[fixed.request].slot == fixed.slot
    assert answer.objective == sum(instance.request_by_id[r].weight for r in placed)
    assert answer.objective <= answer.upper_bound
    assert answer.objective >= greedy(instance).objective
    assert {u.request for u in answer.unscheduled} == {r.id for r in instance.requests} - set(
        placed
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=8))
def test_online_insertion_never_breaks_feasibility(instance, arrivals) -> None:
    online = OnlineSchedule(instance, greedy(instance))
    delegates = [p.id for p in instance.participants if p.kind == "delegate"]
    sellers = [p.id for p in instance.participants if p.kind == "seller"]
    new_requests = []
    for number, (a, b) in enumerate(arrivals):
        request = Request(
            f"new{number}", delegates[a % len(delegates)], sellers[b % len(sellers)], 1
        )
        new_requests.append(request)
        online.insert(request)
    grown = Instance(
        instance.slots,
        instance.tables,
        instance.participants,
        instance.requests + new_requests,
        instance.fixed,
    )
    meetings = list(online.booking.meetings.values())
    weight = sum(grown.request_by_id[m.request].weight for m in meetings)
    from services.events.scheduling import Schedule

    as_schedule = Schedule(meetings, [], weight, 10**9, "feasible", 0.0)
    assert check_feasible(grown, as_schedule) == []


# -- the command-line tool -------------------------------------------------------------------
def run_cli(tmp_path: Path, content: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "instance.json"
    path.write_text(content)
    return subprocess.run(
        [sys.executable, "-m", "bench.schedule", "--instance", str(path), "--time-limit", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_prints_the_answer_as_json(tmp_path: Path) -> None:
    instance = Instance(slots(2), 1, [person("d1"), person("x1")], [Request("r1", "d1", "x1", 3)])
    document = {
        "slots": [
            {"id": s.id, "start": s.start.isoformat(), "end": s.end.isoformat()}
            for s in instance.slots
        ],
        "tables": 1,
        "participants": [
            {"id": "d1", "kind": "delegate"},
            {"id": "x1", "kind": "seller", "max_meetings": 2},
        ],
        "requests": [{"id": "r1", "a": "d1", "b": "x1", "weight": 3}],
        "fixed": [],
    }
    finished = run_cli(tmp_path, json.dumps(document))
    assert finished.returncode == 0, finished.stderr
    answer = json.loads(finished.stdout)
    assert answer["objective"] == answer["upper_bound"] == 3
    assert answer["meetings"] == [{"request": "r1", "slot": "s0-0", "table": 1}]
    assert answer["status"] == "optimal"
    assert schedule_to_json(solve(instance_from_json(document), 1)).keys() == answer.keys()


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", '{"slots": [], "tables": 1, "participants": [], "requests": [{"id": "r"}]}'],
    ids=["not-json", "not-an-object", "request-without-participants"],
)
def test_cli_refuses_an_invalid_instance_with_exit_code_2_and_no_traceback(
    tmp_path, content
) -> None:
    finished = run_cli(tmp_path, content)
    assert finished.returncode == 2
    assert finished.stderr.startswith("error:")
    assert "Traceback" not in finished.stderr
