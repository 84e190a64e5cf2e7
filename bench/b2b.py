"""The 20 real B2B instances of Bofill et al. (JAIR 74, 2022; `bench/data/b2b/README.md`),
scheduled by our solver and compared with the optimum the paper proves.

    python -m bench.b2b [--time-limit 10] [--workers 2] [--only tic-12,forum-13]

Each MiniZinc data file is converted to our instance format: every slot back to back in one
session (the paper counts a break between any two consecutive meetings of a participant with
idle slots between them), a participant's forbidden slots left out of their availability,
morning / afternoon as the request's window, every meeting of weight 1 (all must be placed).
Each instance goes through `python -m bench.schedule` as a file, as any instance would. Per
instance: meetings placed of requested, breaks found (their Definition 2.3), the paper's
optimum, the spread of breaks between participants (max − min; the paper imposes ≤ 2), seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.measure import machine

DATA = Path(__file__).resolve().parent / "data" / "b2b"
KUPANG = dt.timezone(dt.timedelta(hours=8))
# Table 3 of Bofill et al. (2022), column imp12+: the optimum number of breaks of each original
# instance with fairness d = 2, proven by their MaxSAT encoding.
PAPER_OPTIMUM = {
    "forum-13": 0, "forum-13crafb": 6, "forum-13crafc": 1, "forum-14": 2, "forumt-14": 5,
    "forumt-14crafc": 5, "forumt-14crafd": 4, "forumt-14crafe": 5, "tic-12": 0,
    "tic-12crafc": 0, "tic-13": 0, "tic-13crafb": 0, "tic-13crafc": 4, "tic-14crafa": 0,
    "tic-14crafc": 0, "tic-14crafd": 0, "ticf-13crafa": 0, "ticf-13crafb": 3,
    "ticf-13crafc": 1, "ticf-14crafa": 0,
}  # fmt: skip
MORNING, AFTERNOON, EITHER = 1, 2, 3


@dataclass(frozen=True)
class B2B:
    """A `.dzn` file's data: participants and slots numbered from 1."""

    name: str
    participants: int
    tables: int
    slots: int
    morning_slots: int
    requested: list[tuple[int, int, int]]  # participant, participant, when
    forbidden: list[set[int]]  # per participant
    fixed: list[int]  # per meeting: its slot, or 0


def parse_dzn(name: str, text: str) -> B2B:
    def number(key: str) -> int:
        found = re.search(rf"\b{key}\s*=\s*(\d+)\s*;", text)
        assert found, f"{name}: no {key}"
        return int(found.group(1))

    def block(key: str) -> str:
        found = re.search(rf"\b{key}\s*=\s*\[(.*?)\]\s*;", text, re.S)
        assert found, f"{name}: no {key}"
        return found.group(1)

    requested = [
        (int(a), int(b), int(when))
        for a, b, when in re.findall(r"\|\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)", block("requested"))
    ]
    forbidden = [
        {int(n) for n in re.findall(r"\d+", group)} - {0}
        for group in re.findall(r"\{([^}]*)\}", block("forbidden"))
    ]
    fixed = [int(n) for n in re.findall(r"\d+", block("fixed"))]
    assert not re.findall(r"\d", block("precedences")), f"{name}: precedences are not supported"
    return B2B(
        name, number("nBusiness"), number("nTables"), number("nTotalSlots"),
        number("nMorningSlots"), requested, forbidden, fixed,
    )  # fmt: skip


def instance_of(b2b: B2B, spread: int | None = None) -> dict[str, Any]:
    """Our instance: 20-minute slots 5 minutes apart, one session, from 09:00; `spread`: the
    paper's fairness d as a hard bound."""
    start = dt.datetime(2019, 11, 14, 9, tzinfo=KUPANG)
    slot_ids = [f"t{n:02d}" for n in range(1, b2b.slots + 1)]
    slots = [
        {
            "id": ident,
            "start": (start + dt.timedelta(minutes=25 * n)).isoformat(),
            "end": (start + dt.timedelta(minutes=25 * n + 20)).isoformat(),
        }
        for n, ident in enumerate(slot_ids)
    ]
    windows = {
        MORNING: slot_ids[: b2b.morning_slots],
        AFTERNOON: slot_ids[b2b.morning_slots :],
    }
    participants = []
    for number in range(1, b2b.participants + 1):
        barred = b2b.forbidden[number - 1] if number <= len(b2b.forbidden) else set()
        person: dict[str, Any] = {"id": f"b{number}", "kind": "business"}
        if barred:
            person["available"] = [s for n, s in enumerate(slot_ids, 1) if n not in barred]
        participants.append(person)
    requests = []
    for index, (a, b, when) in enumerate(b2b.requested):
        request: dict[str, Any] = {"id": f"m{index + 1}", "a": f"b{a}", "b": f"b{b}", "weight": 1}
        if when in windows and b2b.morning_slots < b2b.slots:
            request["slots"] = windows[when]
        requests.append(request)
    fixed = [
        {"request": f"m{index + 1}", "slot": slot_ids[slot - 1]}
        for index, slot in enumerate(b2b.fixed)
        if slot
    ]
    return {
        "slots": slots,
        "tables": b2b.tables,
        "participants": participants,
        "requests": requests,
        "fixed": fixed,
        "max_break_spread": spread,
    }


def breaks(instance: dict[str, Any], answer: dict[str, Any]) -> dict[str, int]:
    """Per participant, the runs of idle slots between two of their meetings (all slots are one
    session here, so every such run is a break)."""
    order = {slot["id"]: n for n, slot in enumerate(instance["slots"])}
    pair = {r["id"]: (r["a"], r["b"]) for r in instance["requests"]}
    held: dict[str, list[int]] = defaultdict(list)
    for meeting in answer["meetings"]:
        for person in pair[meeting["request"]]:
            held[person].append(order[meeting["slot"]])
    counted = {p["id"]: 0 for p in instance["participants"]}
    for person, slots in held.items():
        ordered = sorted(slots)
        counted[person] = sum(1 for x, y in itertools.pairwise(ordered) if y - x > 1)
    return counted


def run(
    path: Path, time_limit: float, workers: int, spread: int | None, scratch: Path
) -> dict[str, Any]:
    name = path.name.removesuffix(".original.dzn")
    b2b = parse_dzn(name, path.read_text())
    instance = instance_of(b2b, spread)
    file = scratch / f"{name}.json"
    file.write_text(json.dumps(instance))
    done = subprocess.run(
        [sys.executable, "-m", "bench.schedule", "--instance", str(file),
         "--time-limit", str(time_limit), "--workers", str(workers)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    answer = json.loads(done.stdout)
    per_person = breaks(instance, answer)
    # Counted here from the meetings as the paper defines them, and by the scheduler itself.
    assert sum(per_person.values()) == answer["breaks"], (name, answer["breaks"])
    return {
        "instance": name,
        "windows": b2b.morning_slots < b2b.slots,
        "requested": len(instance["requests"]),
        "placed": len(answer["meetings"]),
        "breaks": sum(per_person.values()),
        "bound": answer["breaks_bound"],
        "optimum": PAPER_OPTIMUM.get(name),
        "spread": max(per_person.values()) - min(per_person.values()),
        "seconds": answer["seconds"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated instance names")
    parser.add_argument("--spread", type=int, help="the paper's fairness d, as a hard bound")
    arguments = parser.parse_args(argv)
    wanted = {name for name in arguments.only.split(",") if name}
    files = sorted(DATA.glob("*.dzn"))
    chosen = [f for f in files if not wanted or f.name.removesuffix(".original.dzn") in wanted]
    fairness = "none" if arguments.spread is None else f"at most {arguments.spread}"
    print(f"machine: {machine()}; time limit {arguments.time_limit:g} s, "
          f"{arguments.workers} workers; spread {fairness}")  # fmt: skip
    print(f"{'instance':<16}{'windows':>8}{'placed':>12}{'breaks':>8}{'bound':>7}{'optimum':>9}"
          f"{'spread':>8}{'seconds':>9}")  # fmt: skip
    totals = {"breaks": 0, "optimum": 0, "plain_breaks": 0, "plain_optimum": 0}
    proven = at_most_optimum = 0
    with tempfile.TemporaryDirectory() as scratch:
        for path in chosen:
            row = run(path, arguments.time_limit, arguments.workers, arguments.spread,
                      Path(scratch))  # fmt: skip
            print(f"{row['instance']:<16}{'yes' if row['windows'] else 'no':>8}"
                  f"{row['placed']:>6}/{row['requested']:<5}{row['breaks']:>8}{row['bound']:>7}"
                  f"{row['optimum']:>9}{row['spread']:>8}{row['seconds']:>9.1f}")  # fmt: skip
            proven += row["bound"] == row["breaks"]
            at_most_optimum += row["placed"] == row["requested"] and row["breaks"] <= (
                row["optimum"] or 0
            )
            totals["breaks"] += row["breaks"]
            totals["optimum"] += row["optimum"] or 0
            if not row["windows"]:
                totals["plain_breaks"] += row["breaks"]
                totals["plain_optimum"] += row["optimum"] or 0
    print(f"\nbreaks: {totals['breaks']} found, {totals['optimum']} optimal in all; "
          f"{totals['plain_breaks']} found, {totals['plain_optimum']} optimal on the instances "
          "without morning/afternoon windows")  # fmt: skip
    print(
        f"every meeting placed and breaks at most the paper's optimum: {at_most_optimum} of "
        f"{len(chosen)}; breaks proven optimal (bound = breaks): {proven} of {len(chosen)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
