"""Scheduler quality and speed on generated expos of three sizes.

    python -m bench.scheduler [--sizes S,M,L] [--seed 1] [--json]

Each instance looks like a large trade fair: 4 days, two sessions a day, 20-minute slots with
5-minute breaks; a pool of tables smaller than the demand per slot; participants who attend
only some sessions; seller popularity skewed (Zipf); a meeting limit per delegate; and 5 % of
requests already confirmed. For each size it prints the scheduled weight, its ratio to the
proven upper bound and to the weight-first greedy, the seconds, and (on M) the latency of
inserting single new requests into the finished schedule.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass

from services.events.scheduling import (
    Booking,
    Fixed,
    Instance,
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
    "L": Size("L", 1_000, 2_000, 20_000, 230, 60.0),
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
        if booking.under_limit(request.a) and booking.under_limit(request.b):
            choice = booking.best_slot(request, unfixed.common_slots(request))
            if choice is not None:
                meeting = booking.book(request, *choice)
                fixed.append(Fixed(request.id, meeting.slot, meeting.table))
    return Instance(slots, size.tables, delegates + sellers, requests, fixed)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def insertion_latency(
    instance: Instance, schedule: Schedule, seed: int, count: int = 1000
) -> tuple[float, float]:
    """Milliseconds to insert single new requests into the finished schedule, one at a time."""
    rng = random.Random(seed)
    online = OnlineSchedule(instance, schedule)
    delegates = [p.id for p in instance.participants if p.kind == "delegate"]
    sellers = [p.id for p in instance.participants if p.kind == "seller"]
    timings = []
    for number in range(count):
        request = Request(f"new-{number}", rng.choice(delegates), rng.choice(sellers), 5)
        started = time.perf_counter()
        online.insert(request)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), percentile(timings, 0.99)


def run(size: Size, seed: int) -> dict[str, object]:
    instance = generate(size, seed)
    baseline = greedy(instance)
    result = solve(instance, size.time_limit)
    problems = check_feasible(instance, result)
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
        "ratio_to_greedy": round(result.objective / baseline.objective, 4),
        "status": result.status,
        "seconds": round(result.seconds, 2),
        "feasible": not problems,
    }
    if size.name == "M":
        p50, p99 = insertion_latency(instance, result, seed)
        figures["insert_p50_ms"], figures["insert_p99_ms"] = round(p50, 3), round(p99, 3)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args(argv)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    header = f"{'size':<5}{'requests':>9}{'fixed':>7}{'placed':>8}{'weight':>8}{'bound':>8}{'/bound':>8}{'/greedy':>9}{'status':>10}{'seconds':>9}{'insert p50/p99 ms':>20}"
    if not arguments.json:
        print(header)
    for name in arguments.sizes.split(","):
        figures = run(SIZES[name.strip()], arguments.seed)
        if arguments.json:
            print(json.dumps(figures))
            continue
        insertion = (
            f"{figures.get('insert_p50_ms', '')}/{figures.get('insert_p99_ms', '')}"
            if "insert_p99_ms" in figures
            else "-"
        )
        print(
            f"{figures['size']:<5}{figures['requests']:>9}{figures['fixed']:>7}{figures['scheduled']:>8}"
            f"{figures['weight']:>8}{figures['upper_bound']:>8}{figures['ratio_to_bound']:>8.2%}"
            f"{figures['ratio_to_greedy']:>9.3f}{figures['status']:>10}{figures['seconds']:>9}{insertion:>20}"
            + ("" if figures["feasible"] else "  INFEASIBLE")
        )


if __name__ == "__main__":
    main()
