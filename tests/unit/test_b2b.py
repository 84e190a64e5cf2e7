"""The converter of the paper's B2B instances: what a `.dzn` says becomes our instance, and
breaks are counted as the paper defines them."""

from __future__ import annotations

from bench.b2b import DATA, breaks, instance_of, parse_dzn
from services.events.scheduling import check_feasible, instance_from_json, schedule_to_json, solve


def test_a_paper_instance_becomes_ours_with_its_windows_and_every_meeting() -> None:
    tic = parse_dzn("tic-12", (DATA / "tic-12.original.dzn").read_text())
    assert (tic.participants, tic.tables, tic.slots, len(tic.requested)) == (42, 21, 8, 125)
    ours = instance_of(tic)
    built = instance_from_json(ours)  # valid by our own rules
    assert len(built.requests) == 125 and built.tables == 21
    assert all("slots" not in r for r in ours["requests"])  # all day: no windows
    forum = instance_of(parse_dzn("forum-13", (DATA / "forum-13.original.dzn").read_text()))
    windowed = [r for r in forum["requests"] if "slots" in r]
    assert windowed and all(len(r["slots"]) < len(forum["slots"]) for r in windowed)


def test_a_break_is_a_run_of_idle_slots_between_two_meetings_of_one_participant() -> None:
    instance = {
        "slots": [{"id": f"t{n}"} for n in range(6)],
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "requests": [{"id": f"m{n}", "a": "a", "b": other} for n, other in enumerate("bcbc")],
    }
    # a meets at t0, t1, t3 and t5: two breaks (t2, t4); b at t0 and t3: one; c at t1 and t5:
    # one (t2 to t4 is a single run).
    answer = {"meetings": [{"request": "m0", "slot": "t0"}, {"request": "m1", "slot": "t1"},
                           {"request": "m2", "slot": "t3"}, {"request": "m3", "slot": "t5"}]}  # fmt: skip
    assert breaks(instance, answer) == {"a": 2, "b": 1, "c": 1}


def test_a_schedule_that_cannot_be_bettered_ends_the_search_long_before_the_time_limit() -> None:
    """tic-12: every meeting placed and nobody idle between meetings is the best there is,
    though CP-SAT cannot prove it alone; the time limit is a cap, not a duration."""
    ours = instance_of(parse_dzn("tic-12", (DATA / "tic-12.original.dzn").read_text()))
    instance = instance_from_json(ours)
    answer = solve(instance, 60)
    assert check_feasible(instance, answer) == [] and len(answer.meetings) == 125
    assert sum(breaks(ours, schedule_to_json(answer)).values()) == 0 == answer.breaks
    assert answer.seconds < 40  # without the ceiling it searched until 54 s (90 % of 60)
