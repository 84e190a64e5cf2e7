"""The fewest breaks as weighted MaxSAT, solved by RC2 (core-guided, over Glucose): a second
search beside CP-SAT's, which on windowed instances proves the optimum where CP-SAT finds it
late or not at all (docs/decisions.md).

Every request is placed in one of its slots; a break (Bofill et al. 2022, Definition 2.3)
costs 1. RC2 takes no time limit, so the scheduler runs this module as a process of its own
and ends it at the deadline: it reads a `Problem` as JSON on stdin and writes an `Answer` as
JSON on stdout. It imports nothing of the project (it runs as a script, isolated), and no
framework: the encoding and `count_breaks` are pure and tested without a process.
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pysat.card import CardEnc, EncType
from pysat.examples.rc2 import RC2
from pysat.formula import WCNF, IDPool

# (participant, slot): the participant meets in that slot.
Key = tuple[str, int]
# A cardinality over more literals than this is encoded as a totalizer, below it as a
# sequential counter (the smaller of the two for few literals; docs/decisions.md).
SEQUENTIAL_MOST = 40
POLL = 0.02  # seconds between looks at whether the other search has finished


@dataclass(frozen=True)
class Count:
    """Between `least` and `most` of these (participant, slot) pairs are busy."""

    keys: tuple[Key, ...]
    least: int | None
    most: int | None


@dataclass(frozen=True)
class Problem:
    """Placing every request in one of its `options` around the `confirmed` meetings.

    `days`: per participant and session, in time order, each slot where they meet or may, with
    whether it comes right after the one before it in the list (else an idle slot lies between).
    `room`: the free tables of each slot where tables are shared. `counts`: constraints every
    such placement obeys, which let the solver reason about whole days (breaks.py)."""

    options: dict[str, tuple[int, ...]]
    pairs: dict[str, tuple[str, str]]
    confirmed: frozenset[Key]
    room: dict[int, int]
    days: dict[str, tuple[tuple[tuple[int, bool], ...], ...]]
    counts: tuple[Count, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "options": {rid: list(slots) for rid, slots in self.options.items()},
                "pairs": {rid: list(pair) for rid, pair in self.pairs.items()},
                "confirmed": sorted(self.confirmed),
                "room": [[slot, free] for slot, free in self.room.items()],
                "days": {
                    person: [[[slot, adjacent] for slot, adjacent in day] for day in days]
                    for person, days in self.days.items()
                },
                "counts": [
                    [[list(key) for key in count.keys], count.least, count.most]
                    for count in self.counts
                ],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Problem:
        data: dict[str, Any] = json.loads(text)
        return cls(
            options={rid: tuple(slots) for rid, slots in data["options"].items()},
            pairs={rid: (pair[0], pair[1]) for rid, pair in data["pairs"].items()},
            confirmed=frozenset((person, slot) for person, slot in data["confirmed"]),
            room=dict(data["room"]),
            days={
                person: tuple(tuple((slot, bool(adj)) for slot, adj in day) for day in days)
                for person, days in data["days"].items()
            },
            counts=tuple(
                Count(tuple((p, s) for p, s in keys), least, most)
                for keys, least, most in data["counts"]
            ),
        )


@dataclass(frozen=True)
class Answer:
    """A placement with the fewest breaks there can be: `breaks` is proven optimal."""

    placement: frozenset[tuple[str, int]]  # (request, slot)
    breaks: int


class _Encoding:
    """The problem's clauses: a variable per request and slot (exactly one per request), one
    per busy participant and slot, a chain per day saying whether they met earlier in it, and
    one per possible break, whose negation is the soft clause."""

    def __init__(self, problem: Problem) -> None:
        self.pool = IDPool()
        self.formula = WCNF()
        self.true = self.pool.id("true")
        self.formula.append([self.true])
        self.placed: dict[tuple[str, int], int] = {}
        by_key: dict[Key, list[int]] = {}
        by_slot: dict[int, list[int]] = {}
        for request, slots in problem.options.items():
            own = [self.pool.id(("x", request, slot)) for slot in slots]
            self.formula.append(own)
            self._most(own, 1)
            for slot, variable in zip(slots, own, strict=True):
                self.placed[request, slot] = variable
                by_slot.setdefault(slot, []).append(variable)
                for person in problem.pairs[request]:
                    by_key.setdefault((person, slot), []).append(variable)
        for slot, free in problem.room.items():
            self._most(by_slot.get(slot, []), free)
        self.busy: dict[Key, int] = dict.fromkeys(problem.confirmed, self.true)
        for key, group in by_key.items():
            if key in self.busy:  # a confirmed meeting there: no other
                for variable in group:
                    self.formula.append([-variable])
                continue
            self._most(group, 1)
            if len(group) == 1:
                self.busy[key] = group[0]
                continue
            busy = self.pool.id(("busy", *key))
            self.formula.append([-busy, *group])
            for variable in group:
                self.formula.append([-variable, busy])
            self.busy[key] = busy
        for person, days in problem.days.items():
            for day in days:
                self._breaks(person, day)
        for count in problem.counts:
            literals = [self.busy[key] for key in count.keys if key in self.busy]
            if count.least:
                self._add(CardEnc.atleast, literals, count.least)
            if count.most is not None and count.most < len(literals):
                self._most(literals, count.most)

    def _breaks(self, person: str, day: tuple[tuple[int, bool], ...]) -> None:
        """A break ends at a slot where the participant meets, had met earlier in the day and
        did not meet in the slot right before. The soft clauses minimise the breaks, so the
        implication one way suffices; `held` likewise (true when they met earlier, or free)."""
        held: int | None = None
        previous: int | None = None
        for slot, adjacent in day:
            busy = self.busy.get((person, slot))
            if busy is None:  # nothing can be placed there any more
                previous = None
                continue
            if held is not None:
                ends = self.pool.id(("break", person, slot))
                clause = [-busy, -held, ends]
                if adjacent and previous is not None:
                    clause.append(previous)
                self.formula.append(clause)
                self.formula.append([-ends], weight=1)
            now_held = self.pool.id(("held", person, slot))
            self.formula.append([-busy, now_held])
            if held is not None:
                self.formula.append([-held, now_held])
            held, previous = now_held, busy

    def _most(self, literals: list[int], most: int) -> None:
        if len(literals) > most:
            self._add(CardEnc.atmost, literals, most)

    def _add(self, encode: Any, literals: list[int], bound: int) -> None:
        kind = EncType.seqcounter if len(literals) <= SEQUENTIAL_MOST else EncType.totalizer
        encoded = encode(literals, bound, vpool=self.pool, encoding=kind)
        for clause in encoded.clauses:
            self.formula.append(clause)


def solve(problem: Problem) -> Answer | None:
    """The placement with the fewest breaks, or None when no placement places every request."""
    encoding = _Encoding(problem)
    with RC2(encoding.formula, solver="g4", adapt=True, exhaust=True, minz=True) as rc2:
        model = rc2.compute()
    if model is None:
        return None
    true = {literal for literal in model if literal > 0}
    placement = frozenset(key for key, variable in encoding.placed.items() if variable in true)
    return Answer(placement, count_breaks(problem, placement))


def count_breaks(problem: Problem, placement: Iterable[tuple[str, int]]) -> int:
    """The breaks of every participant in `placement` (with the confirmed meetings)."""
    return sum(breaks_of(problem, placement).values())


def breaks_of(problem: Problem, placement: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Per participant who meets or may, their breaks in `placement`."""
    busy = set(problem.confirmed)
    for request, slot in placement:
        busy |= {(person, slot) for person in problem.pairs[request]}
    counted = {}
    for person, days in problem.days.items():
        counted[person] = 0
        for day in days:
            met = previous_busy = False
            for slot, adjacent in day:
                meets = (person, slot) in busy
                if meets and met and not (adjacent and previous_busy):
                    counted[person] += 1
                met = met or meets
                previous_busy = meets
    return counted


class Search:
    """`solve` on `problem` in a process of its own, started at once: RC2 has no time limit,
    so the process is ended when its answer is no longer wanted, and ends itself after
    `seconds` (rounded up) even if whoever started it is gone."""

    def __init__(self, problem: Problem, seconds: float) -> None:
        # Isolated (-I): the script's folder is not on the path, so no module of this package
        # shadows one that the solver imports.
        self._process = subprocess.Popen(
            [sys.executable, "-I", __file__, str(max(math.ceil(seconds), 1))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.problem = problem
        self._input: str | None = problem.to_json()

    def wait(self, deadline: float, finished: Callable[[], bool]) -> Answer | None:
        """The answer, or None at `deadline` (time.perf_counter), when `finished()` turns true
        first, or when no placement places every request."""
        while not finished():
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                output, _ = self._process.communicate(self._input, timeout=min(left, POLL))
            except subprocess.TimeoutExpired:
                self._input = None  # sent: a second communicate() must not send it again
                continue
            if self._process.returncode != 0 or not output.strip():
                return None
            found = json.loads(output)
            if found["placement"] is None:
                return None
            placement = frozenset((request, slot) for request, slot in found["placement"])
            return Answer(placement, found["breaks"])
        return None

    def ended(self) -> bool:
        return self._process.poll() is not None

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()


def main() -> int:
    if len(sys.argv) > 1:
        # No handler: the default action ends the process, even inside the SAT solver's C code.
        signal.alarm(int(sys.argv[1]))
    answer = solve(Problem.from_json(sys.stdin.read()))
    if answer is None:
        json.dump({"placement": None}, sys.stdout)
    else:
        json.dump({"placement": sorted(answer.placement), "breaks": answer.breaks}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
