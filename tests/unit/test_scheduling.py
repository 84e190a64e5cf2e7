"""The scheduler: crafted cases for each rule and reason, and properties that hold for any
instance (hypothesis): feasible, fixed meetings kept, objective within the proven bound, never
below the greedy, reasons true, breaks never below their proven bound; online insertion never
breaks feasibility."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from services.events.scheduling import (
    Booking,
    Fixed,
    Instance,
    InvalidInstance,
    Meeting,
    OnlineSchedule,
    Participant,
    Reason,
    Request,
    Schedule,
    Slot,
    Unscheduled,
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


def reasons(schedule: Schedule) -> dict[str, str]:
    return {u.request: u.reason for u in schedule.unscheduled}


def true_reason(instance: Instance, meetings: list[Meeting], request: Request) -> Reason | None:
    """Why `request` does not fit next to `meetings`, worked out from the rules alone (None:
    it fits). An oracle independent of the module's own bookkeeping."""
    busy: set[tuple[str, str]] = set()
    count: Counter[str] = Counter()
    for meeting in meetings:
        placed = instance.request_by_id[meeting.request]
        for who in (placed.a, placed.b):
            busy.add((who, meeting.slot))
            count[who] += 1
    per_slot = Counter(m.slot for m in meetings)

    def attends(who: str, slot: str) -> bool:
        available = instance.by_id[who].available
        return available is None or slot in available

    common = [
        s.id
        for s in instance.slots
        if attends(request.a, s.id)
        and attends(request.b, s.id)
        and (request.slots is None or s.id in request.slots)
    ]
    if not common:
        return "no_common_slot"
    for who in (request.a, request.b):
        limit = instance.by_id[who].max_meetings
        if limit is not None and count[who] >= limit:
            return "max_meetings"
    free = [s for s in common if (request.a, s) not in busy and (request.b, s) not in busy]
    if not free:
        return "conflict"
    if instance.tables is not None and all(per_slot[s] >= instance.tables for s in free):
        return "capacity"
    return None


def exact_optimum(instance: Instance) -> int:
    """The heaviest feasible schedule by a plain CP-SAT model (one Boolean per request and
    slot), solved to optimality: the truth to hold the bound and the answers against."""
    model = cp_model.CpModel()
    chosen = {
        (r.id, s): model.new_bool_var("")
        for r in instance.requests
        for s in range(len(instance.slots))
        if instance.available(r.a, s)
        and instance.available(r.b, s)
        and (r.slots is None or instance.slots[s].id in r.slots)
    }
    meets = {r.id: (r.a, r.b) for r in instance.requests}
    for request in instance.requests:
        model.add(sum(v for (rid, _), v in chosen.items() if rid == request.id) <= 1)
    for participant in instance.participants:
        own = [(s, v) for (rid, s), v in chosen.items() if participant.id in meets[rid]]
        for slot in range(len(instance.slots)):
            model.add(sum(v for s, v in own if s == slot) <= 1)
        if participant.max_meetings is not None:
            model.add(sum(v for _, v in own) <= participant.max_meetings)
    if instance.tables is not None:
        for slot in range(len(instance.slots)):
            model.add(sum(v for (_, s), v in chosen.items() if s == slot) <= instance.tables)
    for fixed in instance.fixed:
        model.add(chosen[fixed.request, instance.slot_index[fixed.slot]] == 1)
    weight = {r.id: r.weight for r in instance.requests}
    model.maximize(sum(weight[rid] * v for (rid, _), v in chosen.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


def fewest_breaks(instance: Instance, meetings: list[Meeting]) -> int:
    """The fewest breaks of any placement of exactly these meetings (confirmed ones where they
    are), by a CP-SAT model of its own: a participant's breaks in a session are their runs of
    meetings there minus one."""
    model = cp_model.CpModel()
    ids = {m.request for m in meetings}
    fixed_at = {f.request: instance.slot_index[f.slot] for f in instance.fixed}
    chosen = {
        (rid, s): model.new_bool_var("")
        for rid in ids
        for s in range(len(instance.slots))
        if (rid not in fixed_at or fixed_at[rid] == s)
        and s in instance.common_slots(instance.request_by_id[rid])
    }
    for rid in ids:
        model.add_exactly_one(v for (r, _), v in chosen.items() if r == rid)
    busy: dict[tuple[str, int], list[cp_model.IntVar]] = {}
    for (rid, s), v in chosen.items():
        request = instance.request_by_id[rid]
        for who in (request.a, request.b):
            busy.setdefault((who, s), []).append(v)
    for group in busy.values():
        model.add(sum(group) <= 1)
    if instance.tables is not None:
        for slot in range(len(instance.slots)):
            model.add(sum(v for (_, s), v in chosen.items() if s == slot) <= instance.tables)
    breaks = []
    for who in {w for w, _ in busy}:
        for session in set(instance.session_of):
            order = sorted(
                (s for s in range(len(instance.slots)) if instance.session_of[s] == session),
                key=instance.rank.__getitem__,
            )
            there = [sum(busy.get((who, s), [])) for s in order]
            starts = [model.new_bool_var("") for _ in order]
            for index, (start, meets) in enumerate(zip(starts, there, strict=True)):
                before = there[index - 1] if index else 0
                model.add(start >= meets - before)
            any_there = model.new_bool_var("")
            for meets in there:
                model.add(any_there >= meets)
            model.add(any_there <= sum(there))
            breaks.append(sum(starts) - any_there)
    model.minimize(sum(breaks))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


def b2b(name: str, spread: int | None = None) -> Instance:
    """One of Bofill et al.'s instances, as the benchmark converts it."""
    from bench.b2b import DATA, instance_of, parse_dzn

    data = parse_dzn(name, (DATA / f"{name}.original.dzn").read_text())
    return instance_from_json(json.loads(json.dumps(instance_of(data, spread))))


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


def test_solve_beats_the_greedy_where_weight_first_goes_wrong() -> None:
    # The heaviest request takes d1's only slot that x2 shares; the optimum places both others.
    instance = Instance(
        slots(2),
        None,
        [person("d1", limit=1), person("x1"), person("d2"), person("x2", ["s0-0"])],
        [Request("heavy", "d1", "x1", 5), Request("a", "d2", "x1", 4), Request("b", "d1", "x2", 3)],
    )
    baseline, answer = greedy(instance), solve(instance, 2)
    assert baseline.objective <= answer.objective <= answer.upper_bound
    assert answer.status == "optimal" and check_feasible(instance, answer) == []


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


def test_availability_tables_and_meeting_limits_are_respected() -> None:
    instance = Instance(
        slots(3),
        1,
        [person("d1", ["s0-2"]), person("d2", limit=1), person("x1"), person("x2"), person("x3")],
        [
            Request("late", "d1", "x1", 5),
            Request("one", "d2", "x2", 4),
            Request("two", "d2", "x3", 3),
            Request("more", "d1", "x3", 1),
        ],
    )
    answer = solve(instance, 2)
    placed = {m.request: m for m in answer.meetings}
    assert placed["late"].slot == "s0-2"
    assert Counter(m.slot for m in answer.meetings).most_common(1)[0][1] == 1  # one table
    assert not {"one", "two"} <= set(placed)  # d2 meets once at most
    assert check_feasible(instance, answer) == []


def test_a_request_with_a_window_is_placed_only_within_it_and_said_why_when_it_cannot() -> None:
    morning = ["s0-0", "s0-1"]
    instance = Instance(
        slots(3, sessions=2),
        1,
        [person("d1"), person("d2", ["s1-0"]), person("x1"), person("x2")],
        [
            Request("am", "d1", "x1", 5, frozenset(morning)),
            Request("pm-only", "d2", "x2", 5, frozenset(morning)),  # d2 comes after lunch
        ],
    )
    answer = solve(instance, 2)
    assert {m.request: m.slot in morning for m in answer.meetings} == {"am": True}
    assert reasons(answer) == {"pm-only": "no_common_slot"}
    assert check_feasible(instance, answer) == []
    late = Request("new", "d1", "x2", 3, frozenset({"s1-2"}))
    placed = OnlineSchedule(instance, answer).insert(late)
    assert isinstance(placed, Meeting) and placed.slot == "s1-2"
    refused = OnlineSchedule(instance, answer).insert(late, "s1-1")
    assert refused == Unscheduled("new", "slot_taken")  # outside the window it asked for
    with pytest.raises(InvalidInstance) as unknown:
        Instance(slots(1), 1, [person("d1"), person("x1")],
                 [Request("r", "d1", "x1", 1, frozenset({"s9"}))])  # fmt: skip
    assert unknown.value.field == "requests[0].slots"
    with pytest.raises(InvalidInstance) as outside:
        Instance(slots(2), 1, [person("d1"), person("x1")],
                 [Request("r", "d1", "x1", 1, frozenset({"s0-0"}))], [Fixed("r", "s0-1")])  # fmt: skip
    assert outside.value.field == "fixed[0].slot"


def test_a_break_is_an_idle_run_between_two_meetings_in_one_session_not_over_lunch() -> None:
    two_sessions = slots(4, sessions=2)
    instance = Instance(
        two_sessions,
        2,
        [person("d1"), person("x1"), person("x2"), person("x3"), person("x4")],
        [Request(f"r{n}", "d1", f"x{n}", 1) for n in range(1, 5)],
    )
    meetings = [Meeting("r1", "s0-0", 1), Meeting("r2", "s0-2", 1),  # one idle slot: a break
                Meeting("r3", "s0-3", 1), Meeting("r4", "s1-0", 1)]  # after lunch: none  # fmt: skip
    assert instance.breaks(meetings) == {"d1": 1, "x1": 0, "x2": 0, "x3": 0, "x4": 0}
    answer = solve(instance, 2)
    assert (answer.breaks, answer.max_breaks, answer.min_breaks) == (0, 0, 0)


def test_an_answer_without_a_possible_break_stops_long_before_its_time_limit() -> None:
    # tic-12: 125 meetings of 42 participants in 8 slots; every one placed with no break.
    instance = b2b("tic-12")
    answer = solve(instance, 60)
    assert len(answer.meetings) == len(instance.requests) and answer.status == "optimal"
    assert answer.breaks == answer.breaks_bound == 0
    assert answer.seconds < 30  # the limit is a cap: proven at once, it returns at once


def test_the_fewest_breaks_are_proven_where_some_cannot_be_avoided() -> None:
    # forumt-14: tables are so few that five breaks are unavoidable (Bofill et al., Table 3).
    instance = b2b("forumt-14", spread=2)
    answer = solve(instance, 60)
    assert len(answer.meetings) == len(instance.requests)
    assert answer.breaks == answer.breaks_bound == 5
    assert answer.max_breaks - answer.min_breaks <= 2
    assert check_feasible(instance, answer) == []


def test_the_slot_that_adds_no_break_wins_over_one_next_to_a_meeting() -> None:
    # d1 meets at the start of the morning and x2 at its end: any morning slot between them
    # opens a break for one of the two; the afternoon, where neither meets yet, opens none.
    instance = Instance(
        slots(6, sessions=2),
        None,
        [person("d1"), person("d2"), person("x1"), person("x2")],
        [Request("r1", "d1", "x1", 1), Request("r2", "d2", "x2", 1)],
        [Fixed("r1", "s0-0"), Fixed("r2", "s0-5")],
    )
    placed = OnlineSchedule(instance).insert(Request("new", "d1", "x2", 1))
    assert isinstance(placed, Meeting) and placed.slot == "s1-0"


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


def test_a_request_whose_slots_are_all_taken_by_heavier_meetings_is_a_conflict() -> None:
    instance = Instance(
        slots(1),
        None,
        [person("d1"), person("x1"), person("x2")],
        [Request("heavy", "d1", "x1", 9), Request("light", "d1", "x2", 1)],
    )
    answer = solve(instance, 2)
    assert reasons(answer) == {"light": "conflict"}


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
        [Fixed("r1", "s0-3")],
    )
    answer = solve(instance, 2)
    used = sorted(int(m.slot.rsplit("-", 1)[1]) for m in answer.meetings)
    assert used == list(range(used[0], used[0] + 3))


def test_nobody_is_left_without_a_meeting_when_the_weight_allows_it() -> None:
    # x1 can take one of two equal requests: the one of d2, who has no other, is preferred.
    instance = Instance(
        slots(1),
        None,
        [person("d1"), person("d2"), person("x1"), person("x2")],
        [Request("a", "d1", "x1", 2), Request("b", "d2", "x1", 2), Request("c", "d1", "x2", 2)],
    )
    answer = solve(instance, 2)
    assert {m.request for m in answer.meetings} == {"b", "c"}


def test_online_insertion_closes_gaps_and_tells_why_it_cannot_place() -> None:
    instance = Instance(
        slots(4),
        1,
        [person("d1", limit=2), person("x1"), person("x2"), person("x3"), person("d2")],
        [Request("r1", "d1", "x1", 5)],
        [Fixed("r1", "s0-2")],
    )
    online = OnlineSchedule(instance, solve(instance, 1))
    placed = online.insert(Request("new", "d1", "x2", 3))
    assert isinstance(placed, Meeting) and placed.slot == "s0-1" and placed.table == 1
    assert online.insert(Request("late", "d1", "x3", 3)) == Unscheduled("late", "max_meetings")
    with pytest.raises(InvalidInstance) as refused:
        online.insert(Request("new", "d2", "x3", 1))
    assert refused.value.field == "request.id"
    with pytest.raises(InvalidInstance) as refused:
        online.insert(Request("other", "d2", "nobody", 1))
    assert refused.value.field == "request.b"


def test_online_insertion_at_a_chosen_table_takes_it_or_says_it_is_taken() -> None:
    instance = Instance(
        slots(2),
        3,
        [person("d1"), person("d2"), person("d3"), person("x1"), person("x2"), person("x3")],
        [Request("r1", "d1", "x1", 5)],
        [Fixed("r1", "s0-0", 2)],
    )
    online = OnlineSchedule(instance)
    assert online.insert(Request("at2", "d2", "x2", 1), "s0-0", 2) == Unscheduled(
        "at2", "table_taken"
    )
    placed = online.insert(Request("at3", "d2", "x2", 1), "s0-0", 3)
    assert placed == Meeting("at3", "s0-0", 3)
    lowest = online.insert(Request("any", "d3", "x3", 1), "s0-0")
    assert lowest == Meeting("any", "s0-0", 1)
    with pytest.raises(InvalidInstance) as refused:
        online.insert(Request("far", "d3", "x1", 1), "s0-1", 4)
    assert refused.value.field == "table"


def test_a_run_reports_its_phases_with_a_weight_that_only_grows_under_the_bound() -> None:
    instance = Instance(
        slots(3),
        2,
        [person("d1"), person("d2"), person("d3"), person("x1"), person("x2")],
        [Request(f"r{d}{x}", f"d{d}", f"x{x}", d + x) for d in (1, 2, 3) for x in (1, 2)],
    )
    heard: list[tuple[str, int, int]] = []
    answer = solve(instance, 1, progress=lambda *step: heard.append(step))
    phases = [phase for phase, _, _ in heard]
    assert phases[0] == "selecting" and "placing" in phases and phases[-1] == "closing_gaps"
    weights = [weight for _, weight, _ in heard]
    assert weights == sorted(weights) and weights[-1] <= answer.objective
    assert {bound for _, _, bound in heard[1:]} == {answer.upper_bound}
    assert all(weight <= bound for _, weight, bound in heard)


def shifted(slot: Slot, end_minutes: int) -> Slot:
    """The slot with another id, its start moved by 10 minutes and its end by `end_minutes`."""
    return Slot(
        "moved",
        slot.start + dt.timedelta(minutes=10),
        slot.end + dt.timedelta(minutes=end_minutes),
    )


def test_a_request_can_take_the_slot_of_an_unconfirmed_meeting_that_moves_elsewhere() -> None:
    instance = Instance(
        slots(2),
        None,
        [person("d1"), person("x1"), person("d2", ["s0-0"])],
        [Request("early", "d1", "x1", 1), Request("late", "d2", "x1", 1)],
    )
    booking = Booking(instance)
    booking.book(instance.request_by_id["early"], 0, None)
    assert booking.place(instance.request_by_id["late"]) is None  # x1 is busy at s0-0
    moved = booking.place_moving_one(instance.request_by_id["late"])
    assert moved == Meeting("late", "s0-0", None)
    assert booking.meetings["early"] == Meeting("early", "s0-1", None)

    confirmed = Instance(
        instance.slots,
        None,
        instance.participants,
        instance.requests,
        [Fixed("early", "s0-0")],
    )
    booking = Booking(confirmed)
    booking.book(confirmed.request_by_id["early"], 0, None)
    assert booking.place_moving_one(confirmed.request_by_id["late"]) is None


def fixed_instance(fixed: list[Fixed], tables: int | None = 1) -> Instance:
    return Instance(
        slots(2),
        tables,
        [person("d1", ["s0-0"]), person("d2"), person("x1"), person("x2")],
        [Request("a", "d1", "x1", 1), Request("b", "d2", "x2", 1), Request("c", "d2", "x1", 1)],
        fixed,
    )


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
        (
            lambda: Instance(
                slots(1), 1, [person("d1"), person("x1")], [Request("r", "d1", "x1", 0)]
            ),
            "requests[0].weight",
        ),
        (lambda: Instance(slots(1), 1, [person("d1"), person("d1")], []), "participants[1].id"),
        (lambda: Instance(slots(2) + slots(1), 1, [], []), "slots[2].id"),
        (lambda: Instance([shifted(slots(1)[0], 10), slots(1)[0]], 1, [], []), "slots[0].start"),
        (lambda: Instance([shifted(slots(1)[0], -20)], 1, [], []), "slots[0].end"),
        (lambda: Instance(slots(1), 0, [], []), "tables"),
        (lambda: Instance(slots(1), 1, [person("d1", ["s9"])], []), "participants[0].available"),
        (lambda: fixed_instance([Fixed("zz", "s0-0")]), "fixed[0].request"),
        (lambda: fixed_instance([Fixed("a", "zz")]), "fixed[0].slot"),
        (lambda: fixed_instance([Fixed("a", "s0-1")]), "fixed[0].slot"),  # d1 is not there
        (lambda: fixed_instance([Fixed("b", "s0-0"), Fixed("c", "s0-0")]), "fixed[1].slot"),
        (lambda: fixed_instance([Fixed("a", "s0-0"), Fixed("b", "s0-0")]), "fixed[1].slot"),
        (lambda: fixed_instance([Fixed("a", "s0-0", table=2)]), "fixed[0].table"),
        (lambda: fixed_instance([Fixed("a", "s0-0", table=1)], tables=None), "fixed[0].table"),
        (lambda: fixed_instance([Fixed("a", "s0-0"), Fixed("a", "s0-0")]), "fixed[1].request"),
    ],
    ids=[
        "unknown-participant",
        "self-meeting",
        "weight-zero",
        "duplicate-participant",
        "duplicate-slot",
        "overlapping-slots",
        "slot-ends-before-it-starts",
        "no-tables",
        "unknown-available-slot",
        "fixed-unknown-request",
        "fixed-unknown-slot",
        "fixed-outside-availability",
        "fixed-double-booked",
        "fixed-over-capacity",
        "fixed-no-such-table",
        "fixed-table-at-the-booth",
        "fixed-twice",
    ],
)
def test_an_invalid_instance_names_the_field(build, field) -> None:
    with pytest.raises(InvalidInstance) as refused:
        build()
    assert refused.value.field == field


# -- properties ------------------------------------------------------------------------------
@st.composite
def instances(draw: st.DrawFn, bipartite: bool = True) -> Instance:
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
    everyone = delegates + sellers
    pair = (
        st.tuples(st.sampled_from(delegates), st.sampled_from(sellers))
        if bipartite
        else st.tuples(st.sampled_from(everyone), st.sampled_from(everyone)).filter(
            lambda p: p[0] != p[1]
        )
    )
    pairs = draw(st.lists(pair, unique=True, max_size=15))
    windows = st.none() | st.frozensets(st.sampled_from(ids), min_size=1)
    requests = [
        Request(f"r{n}", a, b, draw(st.integers(1, 10)), draw(windows))
        for n, (a, b) in enumerate(pairs)
    ]
    tables = draw(st.none() | st.integers(1, 3))
    unfixed = Instance(slot_list, tables, people, requests)
    # Confirmed meetings: a feasible part of the greedy answer.
    fixed = [
        Fixed(m.request, m.slot, m.table if draw(st.booleans()) else None)
        for m in greedy(unfixed).meetings
        if draw(st.booleans())
    ]
    return Instance(slot_list, tables, people, requests, fixed)


PROPERTIES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(st.booleans().flatmap(lambda bipartite: instances(bipartite)))
def test_every_answer_is_feasible_keeps_fixed_meetings_and_respects_its_bound(instance) -> None:
    answer = solve(instance, 0.5, workers=1)
    assert check_feasible(instance, answer) == []
    placed = {m.request: m for m in answer.meetings}
    for fixed in instance.fixed:
        assert placed[fixed.request].slot == fixed.slot
        assert fixed.table is None or placed[fixed.request].table == fixed.table
    assert answer.objective == sum(instance.request_by_id[r].weight for r in placed)
    best = exact_optimum(instance)
    assert greedy(instance).objective <= answer.objective <= best <= answer.upper_bound
    assert (answer.status == "optimal") == (answer.objective == answer.upper_bound)
    breaks = instance.breaks(answer.meetings)
    assert answer.breaks == sum(breaks.values())
    assert answer.breaks_bound <= fewest_breaks(instance, answer.meetings) <= answer.breaks
    for unscheduled in answer.unscheduled:
        request = instance.request_by_id[unscheduled.request]
        assert unscheduled.reason == true_reason(instance, answer.meetings, request)


@PROPERTIES
@given(instances(), st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=8))
def test_online_insertion_never_breaks_feasibility(instance, arrivals) -> None:
    online = OnlineSchedule(instance, solve(instance, 0.5, workers=1))
    delegates = [p.id for p in instance.participants if p.kind == "delegate"]
    sellers = [p.id for p in instance.participants if p.kind == "seller"]
    arriving = [
        Request(f"new{n}", delegates[a % len(delegates)], sellers[b % len(sellers)], 1)
        for n, (a, b) in enumerate(arrivals)
    ]
    grown = Instance(
        instance.slots,
        instance.tables,
        instance.participants,
        instance.requests + arriving,
        instance.fixed,
    )
    for request in arriving:
        before = list(online.booking.meetings.values())
        answer = online.insert(request)
        if isinstance(answer, Unscheduled):
            assert answer.reason == true_reason(grown, before, request)
    meetings = sorted(online.booking.meetings.values(), key=lambda m: m.request)
    unscheduled = []
    for request in grown.requests:
        reason = true_reason(grown, meetings, request)
        if request.id not in online.booking.meetings and reason is not None:
            unscheduled.append(Unscheduled(request.id, reason))
    weight = sum(grown.request_by_id[m.request].weight for m in meetings)
    as_schedule = Schedule(meetings, unscheduled, weight, 10**9, "feasible", 0.0)
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
    document = {
        "slots": [
            {"id": s.id, "start": s.start.isoformat(), "end": s.end.isoformat()} for s in slots(2)
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
    [meeting] = answer["meetings"]
    assert (
        meeting["request"] == "r1" and meeting["slot"] in {"s0-0", "s0-1"} and meeting["table"] == 1
    )
    assert answer["unscheduled"] == [] and answer["status"] == "optimal"
    assert schedule_to_json(solve(instance_from_json(document), 1)).keys() == answer.keys()


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"slots": [], "tables": 1, "participants": [], "requests": [{"id": "r"}]}',
        '{"slots": [], "tables": 1, "participants": [], "requests": [], "fixed": "all"}',
        '{"slots": [{"id": "s", "start": "9:00", "end": "9:20"}], "tables": 1, "participants": [], "requests": []}',
    ],
    ids=[
        "not-json",
        "not-an-object",
        "request-without-participants",
        "fixed-not-a-list",
        "bad-time",
    ],
)
def test_cli_refuses_an_invalid_instance_with_exit_code_2_and_no_traceback(
    tmp_path, content
) -> None:
    finished = run_cli(tmp_path, content)
    assert finished.returncode == 2
    assert finished.stderr.startswith("error:") and len(finished.stderr.splitlines()) == 1
    assert "Traceback" not in finished.stderr
