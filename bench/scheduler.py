"""Scheduler quality and speed on generated expos of three sizes.

    python -m bench.scheduler [--sizes S,M,L] [--seed 1] [--json]

Each instance looks like a large trade fair: 4 days, two sessions a day, 20-minute slots with
5-minute breaks; a pool of tables smaller than the demand per slot; participants who attend
only some sessions; seller popularity skewed (Zipf); a meeting limit per delegate; and 5 % of
requests already confirmed. For each size it prints the scheduled weight, its ratio to the
proven upper bound and to the weight-first greedy, the seconds, the secondary goals next to
the greedy's (idle gaps: empty slots between two meetings of a participant in one session;
none: participants who could meet someone but have no meeting), and (on M) the latency of
inserting 1,000 single new requests into the finished schedule and how many found a slot.
Every answer is checked with `check_feasible`; a broken one is marked INFEASIBLE.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass

from bench.measure import machine, p50_p99
from services.events.scheduling import (
    Booking,
    Fixed,
    Instance,
    Meeting,
    OnlineSchedule,
    Participant,
    Request,
    Schedule,
    Slot,
    check_feasible,
    greedy,
    solve,
)

WITA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class Size:
    name: str
    delegates: int
    sellers: int
    requests: int
    tables: int
    time_limit: float


SIZES = {
    "S": Size("S", 40, 60, 500, 6, 10.0),
    "M": Size("M", 200, 300, 3_000, 35, 10.0),
    "L": Size("L", 1_000, 2_000, 20_000, 230, 20.0),
}


def expo_slots() -> list[Slot]:
    slots = []
    for day in range(4):
        for session, (hour, minute) in enumerate(((9, 0), (13, 30))):
            begin = dt.datetime(2019, 11, 14, hour, minute, tzinfo=WITA) + dt.timedelta(days=day)
            for number in range(7):
                start = begin + dt.timedelta(minutes=25 * number)
                slots.append(
                    Slot(
                        f"d{day + 1}-{'am' if session == 0 else 'pm'}-{number + 1:02d}",
                        start,
                        start + dt.timedelta(minutes=20),
                    )
                )
    return slots


def generate(size: Size, seed: int) -> Instance:
    rng = random.Random(seed)
    slots = expo_slots()
    sessions = sorted({slot.id.rsplit("-", 1)[0] for slot in slots})

    def availability() -> frozenset[str] | None:
        if rng.random() < 0.2:
            return None  # there the whole expo
        attended = set(rng.sample(sessions, rng.randint(2, 6)))
        return frozenset(s.id for s in slots if s.id.rsplit("-", 1)[0] in attended)

    delegates = [
        Participant(f"dlg-{i}", "delegate", availability(), rng.randint(6, 14))
        for i in range(size.delegates)
    ]
    sellers = [
        Participant(f"slr-{i}", "seller", availability(), rng.choice([None, 12, 20]))
        for i in range(size.sellers)
    ]
    popularity = [1 / (rank + 1) ** 1.1 for rank in range(size.sellers)]
    pairs: set[tuple[str, str]] = set()
    requests: list[Request] = []
    while len(requests) < size.requests:
        delegate = rng.choice(delegates).id
        seller = rng.choices(sellers, popularity)[0].id
        if (delegate, seller) in pairs:
            continue
        pairs.add((delegate, seller))
        weight = rng.choice([1, 2, 3, 5, 8, 10])
        requests.append(Request(f"req-{len(requests)}", delegate, seller, weight))
    unfixed = Instance(slots, size.tables, delegates + sellers, requests)
    # Confirmed meetings: 5 % of requests, placed feasibly (one at a time, like a first run).
    booking = Booking(unfixed)
    fixed = []
    for request in rng.sample(requests, len(requests) // 20):
        meeting = booking.place(request)
        if meeting is not None:
            fixed.append(Fixed(request.id, meeting.slot, meeting.table))
    return Instance(slots, size.tables, delegates + sellers, requests, fixed)


def insertion_latency(
    instance: Instance, schedule: Schedule, seed: int, count: int = 1000
) -> tuple[float, float, int]:
    """Milliseconds to insert single new requests into the finished schedule, one at a time
    (median, 99th percentile), and how many of them found a slot."""
    rng = random.Random(seed)
    online = OnlineSchedule(instance, schedule)
    delegates = [p.id for p in instance.participants if p.kind == "delegate"]
    sellers = [p.id for p in instance.participants if p.kind == "seller"]
    timings = []
    placed = 0
    for number in range(count):
        request = Request(f"new-{number}", rng.choice(delegates), rng.choice(sellers), 5)
        started = time.perf_counter()
        answer = online.insert(request)
        timings.append((time.perf_counter() - started) * 1000)
        placed += isinstance(answer, Meeting)
    return (*p50_p99(timings), placed)


def idle_gaps(instance: Instance, schedule: Schedule) -> int:
    """Empty slots between two meetings of one participant in the same session."""
    ranks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for meeting in schedule.meetings:
        request = instance.request_by_id[meeting.request]
        session = meeting.slot.rsplit("-", 1)[0]
        for person in (request.a, request.b):
            ranks[person, session].append(instance.rank[instance.slot_index[meeting.slot]])
    return sum(max(taken) - min(taken) + 1 - len(taken) for taken in ranks.values())


def without_meeting(instance: Instance, schedule: Schedule) -> int:
    """Participants with a request they could attend, but no meeting at all."""
    hopeful = {p for r in instance.requests if instance.common_slots(r) for p in (r.a, r.b)}
    meeting = {
        p
        for m in schedule.meetings
        for p in (instance.request_by_id[m.request].a, instance.request_by_id[m.request].b)
    }
    return len(hopeful - meeting)


def run(size: Size, seed: int) -> dict[str, object]:
    instance = generate(size, seed)
    baseline = greedy(instance)
    result = solve(instance, size.time_limit)
    problems = check_feasible(instance, result) + check_feasible(instance, baseline)
    figures: dict[str, object] = {
        "size": size.name,
        "delegates": size.delegates,
        "sellers": size.sellers,
        "requests": size.requests,
        "tables": size.tables,
        "fixed": len(instance.fixed),
        "time_limit": size.time_limit,
        "scheduled": len(result.meetings),
        "weight": result.objective,
        "upper_bound": result.upper_bound,
        "ratio_to_bound": round(result.objective / result.upper_bound, 4),
        "greedy_weight": baseline.objective,
        "greedy_seconds": round(baseline.seconds, 2),
        "ratio_to_greedy": round(result.objective / baseline.objective, 4),
        "status": result.status,
        "breaks": result.breaks,
        "breaks_bound": result.breaks_bound,
        "greedy_breaks": baseline.breaks,
        "spread": result.max_breaks - result.min_breaks,
        "idle_gaps": idle_gaps(instance, result),
        "greedy_idle_gaps": idle_gaps(instance, baseline),
        "without_meeting": without_meeting(instance, result),
        "greedy_without_meeting": without_meeting(instance, baseline),
        "seconds": round(result.seconds, 2),
        "feasible": not problems,
    }
    if size.name == "M":
        p50, p99, placed = insertion_latency(instance, result, seed)
        figures["insert_p50_ms"], figures["insert_p99_ms"] = round(p50, 3), round(p99, 3)
        figures["inserted_placed"] = placed
    return figures


def sizes(text: str) -> list[Size]:
    names = [name.strip().upper() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SIZES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"sizes are among {','.join(SIZES)}, not {text!r}")
    return [SIZES[name] for name in names]


COLUMNS = (  # title, figure, width, format
    ("size", "size", 4, ""),
    ("requests", "requests", 9, ","),
    ("fixed", "fixed", 6, ""),
    ("placed", "scheduled", 7, ","),
    ("weight", "weight", 8, ","),
    ("bound", "upper_bound", 8, ","),
    ("/bound", "ratio_to_bound", 8, ".2%"),
    ("greedy", "greedy_weight", 8, ","),
    ("/greedy", "ratio_to_greedy", 8, ".3f"),
    ("status", "status", 9, ""),
    ("seconds", "seconds", 8, ""),
    ("breaks", "breaks", 7, ","),
    ("proven", "breaks_bound", 7, ","),
    ("greedy", "greedy_breaks", 7, ","),
    ("spread", "spread", 7, ""),
    ("gaps", "idle_gaps", 6, ","),
    ("greedy", "greedy_idle_gaps", 7, ","),
    ("none", "without_meeting", 5, ""),
    ("greedy", "greedy_without_meeting", 7, ""),
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=sizes, default=list(SIZES.values()), help="e.g. S,M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="one JSON object per size")
    arguments = parser.parse_args(argv)
    where = machine()
    if not arguments.json:
        print(f"# {where}")
        titles = "".join(f"{title:>{width}}" for title, _, width, _ in COLUMNS)
        print(f"{titles}   insert p50/p99 ms (placed)")
    for size in arguments.sizes:
        figures = run(size, arguments.seed)
        if arguments.json:
            print(json.dumps({**figures, "machine": where}))
            continue
        line = "".join(f"{figures[key]:>{width}{spec}}" for _, key, width, spec in COLUMNS)
        if "insert_p99_ms" in figures:
            line += f"   {figures['insert_p50_ms']}/{figures['insert_p99_ms']} ({figures['inserted_placed']} of 1000)"
        print(line + ("" if figures["feasible"] else "  INFEASIBLE"))


if __name__ == "__main__":
    main()
