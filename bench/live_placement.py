"""The decision that places a live meeting request: what building the scheduler's instance of
the two participants' neighbourhood and inserting with `OnlineSchedule` costs per booking.

Pure, no I/O: views shaped like the Sunda Kecil Expo's (six sessions of nine 20-minute slots,
a pool of eight tables), each participant with some meetings already and the shared slots'
tables partly taken, then `commands.meetings.place` on each.

    python -m bench.live_placement [--views 2000] [--meetings 6] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import Counter

from bench.measure import machine, p50_p99
from services.events.commands import meetings
from services.events.domain import (
    EXPO,
    busy_field,
    count_field,
    delegate_field,
    exhibitor_field,
    request_field,
    table_field,
)
from services.events.views import BookingView
from shared.contracts.expo import (
    DelegateData,
    DelegateRole,
    ExhibitorData,
    ExpoData,
    ExpoStatus,
    MeetingMode,
    MeetingRequestData,
    RequestOrigin,
    RequestStatus,
    SessionData,
    SlotData,
)

KUPANG = dt.timezone(dt.timedelta(hours=8))
TABLES = 8


def expo() -> ExpoData:
    sessions, slots = [], []
    for day in range(3):
        for half, hour in (("am", 9), ("pm", 14)):
            session = f"d{day + 1}-{half}"
            date = dt.date(2019, 11, 14 + day)
            sessions.append(
                SessionData(id=session, day=date, start=dt.time(hour), end=dt.time(hour + 4))
            )
            for number in range(9):
                start = dt.datetime.combine(date, dt.time(hour), KUPANG)
                start += dt.timedelta(minutes=25 * number)
                slots.append(
                    SlotData(
                        id=f"{session}-{number + 1:02d}",
                        session_id=session,
                        start=start,
                        end=start + dt.timedelta(minutes=20),
                    )
                )
    return ExpoData(
        id="exp-bench", organiser="org", name="Sunda Kecil Expo", venue="Kupang",
        time_zone="Asia/Makassar", start_date=dt.date(2019, 11, 14),
        end_date=dt.date(2019, 11, 17), sessions=sessions, slot_minutes=20, break_minutes=5,
        mode=MeetingMode.tables, tables=TABLES, slots=slots, status=ExpoStatus.scheduled,
        version=3,
    )  # fmt: skip


def view(of: ExpoData, rng: random.Random, meetings_each: int) -> BookingView:
    delegate = DelegateData(
        id="dlg-1", expo_id=of.id, subject="kenji", name="Kenji Watanabe", country="JP",
        organisation="Embassy of Japan", role=DelegateRole.diplomat, languages=["en"],
        interests=["arabica coffee"], sectors=[], hs_codes=[], required_certifications=[],
        preferred_provinces=[],
        available_slots=None, max_meetings=None, version=1,
    )  # fmt: skip
    exhibitor = ExhibitorData(
        id="exh-1", expo_id=of.id, seller_id="slr-1", seller_name="Kopi Bajawa", booth="A1",
        available_slots=None, max_meetings=None, version=1,
    )  # fmt: skip
    request = MeetingRequestData(
        id="req-new", expo_id=of.id, delegate_id=delegate.id, exhibitor_id=exhibitor.id,
        seller_id="slr-1", weight=5, origin=RequestOrigin.delegate,
        status=RequestStatus.requested, version=1,
    )  # fmt: skip
    raw = {
        EXPO: of.model_dump_json(),
        request_field(request.id): request.model_dump_json(),
        delegate_field(delegate.id): delegate.model_dump_json(),
        exhibitor_field(exhibitor.id): exhibitor.model_dump_json(),
    }
    slot_ids = [s.id for s in of.slots]
    taken = {slot: rng.randint(0, TABLES) for slot in slot_ids}
    for person in (delegate.id, exhibitor.id):
        for number, slot in enumerate(rng.sample(slot_ids, meetings_each)):
            raw[busy_field(person, slot)] = f"req-{person}-{number}"
            taken[slot] = max(taken[slot], 1)
        raw[count_field(person)] = str(meetings_each)
    for slot, count in taken.items():
        holders = [r for name, r in raw.items() if name.startswith("busy:") and slot in name]
        for table in range(1, count + 1):
            raw[table_field(slot, table)] = holders.pop() if holders else f"req-{slot}-{table}"
    return BookingView(of, request, None, delegate, exhibitor, raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--views", type=int, default=2000)
    parser.add_argument("--meetings", type=int, default=6, help="each participant has already")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    shape = expo()
    views = [view(shape, rng, arguments.meetings) for _ in range(arguments.views)]
    samples, outcomes = [], Counter[str]()
    for one in views:
        started = time.perf_counter()
        _, outcome = meetings.place(one)
        samples.append(time.perf_counter() - started)
        outcomes[
            "placed" if outcome.meeting else str(outcome.unplaced and outcome.unplaced.reason)
        ] += 1
    p50, p99 = p50_p99(samples)
    print(f"machine: {machine()}")
    print(
        f"live placement decision, {len(shape.slots)} slots x {TABLES} tables, "
        f"{arguments.meetings} meetings each: p50 {1000 * p50:.2f} ms, p99 {1000 * p99:.2f} ms "
        f"over {len(views)} views ({dict(outcomes)})"
    )


if __name__ == "__main__":
    main()
