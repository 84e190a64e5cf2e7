"""The expo calendar rules: slots from sessions, and every way a calendar can be wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from services.events.agenda import AgendaItem, to_icalendar
from services.events.domain import (
    check_transition,
    derive_slots,
    expand_availability,
    meeting_mode_problems,
    publication_of,
    schedule_changes,
)
from shared.contracts.expo import ExpoData, ExpoStatus, MeetingData, MeetingMode, SessionData
from shared.errors import Conflict, InvalidField

DAY1, DAY2 = dt.date(2019, 11, 14), dt.date(2019, 11, 15)


def session(ident: str, day: dt.date, start: str, end: str) -> SessionData:
    return SessionData(
        id=ident, day=day, start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(end)
    )


def slots_of(*sessions: SessionData, zone: str = "Asia/Makassar", length: int = 20, pause: int = 5):
    return derive_slots(zone, DAY1, DAY2, list(sessions), length, pause)


def test_slots_follow_the_session_in_local_time_with_breaks_between_them() -> None:
    slots = slots_of(session("d1-am", DAY1, "09:00", "10:00"))
    assert [s.id for s in slots] == ["d1-am-01", "d1-am-02"]  # 09:00, 09:25; 09:50 would end late
    assert slots[0].start.isoformat() == "2019-11-14T09:00:00+08:00"  # Kupang is UTC+8 (WITA)
    assert slots[1].start.isoformat() == "2019-11-14T09:25:00+08:00"
    assert slots[1].end.isoformat() == "2019-11-14T09:45:00+08:00"


@pytest.mark.parametrize(
    ("sessions", "field"),
    [
        ([session("a", dt.date(2019, 11, 20), "09:00", "12:00")], "sessions[0].day"),
        ([session("a", DAY1, "12:00", "09:00")], "sessions[0].end"),
        ([session("a", DAY1, "09:00", "09:10")], "sessions[0].end"),
        (
            [session("a", DAY1, "09:00", "12:00"), session("b", DAY1, "11:00", "13:00")],
            "sessions[1].start",
        ),
        (
            [session("a", DAY1, "09:00", "12:00"), session("a", DAY2, "09:00", "12:00")],
            "sessions[0].id",
        ),
    ],
    ids=["outside-dates", "ends-before-start", "too-short", "overlapping", "duplicate-id"],
)
def test_a_wrong_calendar_names_the_field(sessions: list[SessionData], field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        slots_of(*sessions)
    assert refused.value.field == field  # relative to the command
    assert refused.value.request_field == f"body.{field}"  # as the HTTP answer names it


def test_a_time_zone_must_be_iana() -> None:
    with pytest.raises(InvalidField) as refused:
        slots_of(session("a", DAY1, "09:00", "12:00"), zone="WITA")
    assert refused.value.field == "time_zone"


def test_pool_mode_needs_tables_and_booth_mode_none() -> None:
    assert meeting_mode_problems(MeetingMode.tables, 10) == []
    assert meeting_mode_problems(MeetingMode.booth, None) == []
    for mode, tables in ((MeetingMode.tables, None), (MeetingMode.booth, 4)):
        (problem,) = meeting_mode_problems(mode, tables)
        assert isinstance(problem, InvalidField) and problem.field == "tables"


def test_an_unknown_time_zone_and_a_bad_session_are_reported_together() -> None:
    sessions = [session("d1", DAY1, "10:00", "09:00")]
    with pytest.raises(InvalidField) as raised:
        derive_slots("Asia/Kupang", DAY1, DAY2, sessions, 20, 0)
    problems = [raised.value, *raised.value.others]
    assert [p.field for p in problems] == ["time_zone", "sessions[0].end"]


def test_every_unknown_session_and_slot_of_an_availability_is_named() -> None:
    with pytest.raises(InvalidField) as raised:
        expand_availability(_expo(), ["d1-am", "d9", "d8"], ["x-01"])
    problems = [raised.value, *raised.value.others]
    assert [p.field for p in problems] == [
        "availability.sessions[1]",
        "availability.sessions[2]",
        "availability.slots[0]",
    ]


def _expo(status: ExpoStatus = ExpoStatus.draft) -> ExpoData:
    sessions = [session("d1-am", DAY1, "09:00", "10:00"), session("d2-pm", DAY2, "14:00", "15:00")]
    return ExpoData(
        id="exp-1",
        organiser="org",
        name="Sunda Kecil Expo",
        venue="Kupang",
        time_zone="Asia/Makassar",
        start_date=DAY1,
        end_date=DAY2,
        sessions=sessions,
        slot_minutes=20,
        break_minutes=5,
        mode=MeetingMode.tables,
        tables=2,
        slots=slots_of(*sessions),
        status=status,
        version=1,
    )


def test_availability_by_session_and_slot_becomes_slot_ids_in_calendar_order() -> None:
    expo = _expo()
    chosen = expand_availability(expo, ["d2-pm"], ["d1-am-02"], "availability")
    assert chosen == ["d1-am-02", "d2-pm-01", "d2-pm-02"]
    assert expand_availability(expo, None, None, "availability") is None


def test_availability_outside_the_sessions_names_the_field() -> None:
    with pytest.raises(InvalidField) as refused:
        expand_availability(_expo(), None, ["d1-am-01", "d3-am-01"], "availability")
    assert refused.value.field == "availability.slots[1]"
    with pytest.raises(InvalidField) as refused:
        expand_availability(_expo(), ["d9"], None, "availability")
    assert refused.value.field == "availability.sessions[0]"


def test_status_moves_only_forward_through_its_life_cycle() -> None:
    check_transition(_expo(ExpoStatus.draft), ExpoStatus.open)
    check_transition(_expo(ExpoStatus.scheduled), ExpoStatus.published)
    with pytest.raises(Conflict):
        check_transition(_expo(ExpoStatus.draft), ExpoStatus.published)
    with pytest.raises(Conflict):
        check_transition(_expo(ExpoStatus.closed), ExpoStatus.open)


def test_every_feed_of_an_expo_carries_the_same_vtimezone_and_local_times() -> None:
    expo = _expo()
    start = dt.datetime(2019, 11, 14, 1, 0, tzinfo=dt.UTC)  # 09:00 in Kupang (UTC+8)
    meeting = AgendaItem(
        "req-1", start, start + dt.timedelta(minutes=20), "Table 1", 1,
        "del-1", "Kenji Sato", "JP", "exh-1", "Kopi Bajawa", confirmed=True,
    )  # fmt: skip
    feeds = [
        Calendar.from_ical(to_icalendar(expo, title, items))
        for title, items in (("Kenji Sato", [meeting]), ("Kopi Bajawa", [meeting]), ("Empty", []))
    ]
    zones = [[c.to_ical() for c in feed.walk("VTIMEZONE")] for feed in feeds]
    assert len(zones[0]) == 1 and zones[0] == zones[1] == zones[2]
    assert b"TZID:Asia/Makassar" in zones[0][0] and b"TZOFFSETTO:+0800" in zones[0][0]
    for feed in feeds[:2]:
        (event,) = feed.walk("VEVENT")
        assert event.decoded("dtstart") == start
        assert event["dtstart"].params["TZID"] == "Asia/Makassar"


def _meeting(request_id: str, slot_id: str, table: int | None) -> MeetingData:
    return MeetingData(
        request_id=request_id, expo_id="exp-1", delegate_id="dlg-1", exhibitor_id="exh-1",
        seller_id="slr-1", slot_id=slot_id, start=dt.datetime(2019, 11, 14, 1, tzinfo=dt.UTC),
        end=dt.datetime(2019, 11, 14, 1, 20, tzinfo=dt.UTC), table=table, location="Table 1",
        confirmed=True, version=1,
    )  # fmt: skip


def test_a_new_version_names_what_it_adds_moves_and_removes_and_nothing_else() -> None:
    first = schedule_changes(None, {"r1": _meeting("r1", "s1", 1)})
    assert (first.version, [m.request_id for m in first.added], first.moved) == (1, ["r1"], [])
    last = publication_of(first, {"r1": _meeting("r1", "s1", 1), "r2": _meeting("r2", "s2", 1)})
    now = {
        "r1": _meeting("r1", "s1", 2),  # another table: moved
        "r3": _meeting("r3", "s3", None),  # new
    }
    changes = schedule_changes(last, now)
    assert changes.version == 2 and [m.request_id for m in changes.added] == ["r3"]
    assert [(m.meeting.table, m.previous.table) for m in changes.moved] == [(2, 1)]
    assert [(p.request_id, p.slot_id) for p in changes.removed] == [("r2", "s2")]
    same = schedule_changes(publication_of(changes, now), now)
    assert not same.any and same.version == 3
