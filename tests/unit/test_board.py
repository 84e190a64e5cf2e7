"""The console's view of one session: cells, conflicts, and where a waiting request fits."""

from __future__ import annotations

import datetime as dt

from services.events.board import Cell, session_board
from services.events.domain import ExpoState, derive_slots
from shared.contracts.catalog import Contact, ListingStatus, SellerData
from shared.contracts.expo import (
    DelegateData,
    DelegateRole,
    ExhibitorData,
    ExpoData,
    ExpoStatus,
    MeetingData,
    MeetingMode,
    MeetingRequestData,
    RequestOrigin,
    RequestStatus,
    SessionData,
)

DAY1, DAY2 = dt.date(2019, 11, 14), dt.date(2019, 11, 15)
MORNING = SessionData(id="d1-am", day=DAY1, start=dt.time(9), end=dt.time(10))
AFTERNOON = SessionData(id="d2-pm", day=DAY2, start=dt.time(14), end=dt.time(15))


def _expo(tables: int | None = 2) -> ExpoData:
    sessions = [MORNING, AFTERNOON]
    return ExpoData(
        id="exp-1", organiser="org", name="Sunda Kecil Expo", venue="Kupang",
        time_zone="Asia/Makassar", start_date=DAY1, end_date=DAY2, sessions=sessions,
        slot_minutes=20, break_minutes=5,
        mode=MeetingMode.tables if tables else MeetingMode.booth, tables=tables,
        slots=derive_slots("Asia/Makassar", DAY1, DAY2, sessions, 20, 5),
        status=ExpoStatus.scheduled, version=1,
    )  # fmt: skip


def _delegate(ident: str, languages: list[str], **more: object) -> DelegateData:
    fields: dict[str, object] = {
        "id": ident, "expo_id": "exp-1", "subject": f"sub-{ident}", "name": f"Delegate {ident}",
        "country": "JP", "organisation": "Embassy of Japan", "role": DelegateRole.trade_attache,
        "languages": languages, "interests": [], "sectors": [], "hs_codes": [],
        "required_certifications": [], "preferred_provinces": [], "available_slots": None,
    }  # fmt: skip
    fields.update(more)
    return DelegateData.model_validate({**fields, "version": 1})


def _seller(ident: str, languages: list[str]) -> SellerData:
    return SellerData(
        id=ident, name=f"Koperasi {ident}", province="ID-NT", regency="Ngada", sectors=["coffee"],
        languages=languages, contact=Contact(), export_countries=[], sales_terms=[],
        status=ListingStatus.active, version=1,
    )  # fmt: skip


def _state(expo: ExpoData) -> tuple[ExpoState, dict[str, SellerData]]:
    afternoon = [s.id for s in expo.slots if s.session_id == "d2-pm"]
    delegates = [
        _delegate("a", ["ja", "en"]),
        _delegate("b", ["en"], available_slots=afternoon),  # narrowed after being placed
        _delegate("c", ["en"], max_meetings=1),
    ]
    exhibitors = [
        ExhibitorData(
            id=f"x{n}",
            expo_id="exp-1",
            seller_id=f"s{n}",
            seller_name=f"Koperasi s{n}",
            booth=f"B{n}",
            available_slots=None,
            version=1,
        )
        for n in (1, 2)
    ]
    sellers = {"s1": _seller("s1", ["id", "en"]), "s2": _seller("s2", ["id"])}
    pairs = {"ax": ("a", "x1"), "bx": ("b", "x1"), "cy": ("c", "x2"),
             "ay": ("a", "x2"), "cx": ("c", "x1"), "by": ("b", "x2")}  # fmt: skip
    requests = {
        rid: MeetingRequestData(
            id=rid,
            expo_id="exp-1",
            delegate_id=d,
            exhibitor_id=x,
            seller_id=f"s{x[1]}",
            weight=10 if rid == "ay" else 5,
            origin=RequestOrigin.organiser,
            status=RequestStatus.requested,
            version=1,
        )
        for rid, (d, x) in pairs.items()
    }
    slot = {s.id: s for s in expo.slots}
    meetings = {}
    for rid, slot_id, table, locked in (
        ("ax", "d1-am-01", 1, True),
        ("bx", "d1-am-02", 1, False),
        ("cy", "d2-pm-01", 1, False),
    ):
        request = requests[rid]
        requests[rid] = request.model_copy(update={"status": RequestStatus.scheduled})
        meetings[rid] = MeetingData(
            request_id=rid, expo_id="exp-1", delegate_id=request.delegate_id,
            exhibitor_id=request.exhibitor_id, seller_id=request.seller_id, slot_id=slot_id,
            start=slot[slot_id].start, end=slot[slot_id].end,
            table=table if expo.tables else None, location="Table 1", confirmed=False,
            locked=locked, version=2,
        )  # fmt: skip
    state = ExpoState(
        expo=expo,
        raw={},
        delegates={d.id: d for d in delegates},
        exhibitors={x.id: x for x in exhibitors},
        requests=requests,
        meetings=meetings,
    )
    return state, sellers


def test_each_cell_shows_the_pair_its_shared_language_and_what_no_longer_holds() -> None:
    state, sellers = _state(_expo())
    board = session_board(state, sellers, MORNING)
    assert [s.id for s in board.slots] == ["d1-am-01", "d1-am-02"]
    assert [row.table for row in board.rows] == [1, 2]
    cells = {m.pair.request_id: m for m in board.meetings}
    assert set(cells) == {"ax", "bx"}  # the afternoon's meeting is another page
    assert cells["ax"].locked and cells["ax"].pair.languages == ["en"]
    assert not cells["ax"].pair.interpreter and cells["ax"].conflicts == []
    # Delegate b now attends only the afternoon: their morning meeting is a conflict to solve.
    assert cells["bx"].conflicts == ["delegate_unavailable"]


def test_a_waiting_request_is_told_where_it_fits_here_or_why_it_fits_nowhere() -> None:
    state, sellers = _state(_expo())
    board = session_board(state, sellers, MORNING)
    waiting = {r.pair.request_id: r for r in board.unplaced}
    assert board.unplaced[0].pair.request_id == "ay"  # fits, and the heaviest
    # a is busy at 09:00; at 09:25 table 1 holds b's meeting, so the suggestion is table 2.
    assert waiting["ay"].open_slots == ["d1-am-02"]
    assert waiting["ay"].suggestion == Cell(slot_id="d1-am-02", table=2)
    assert waiting["ay"].pair.interpreter  # Japanese and English against Indonesian only
    assert waiting["cx"].reason == "max_meetings" and waiting["cx"].open_slots == []
    assert waiting["by"].reason == "unavailable_here"
    assert (board.unplaced_total, board.placeable_total) == (3, 1)
    one_table = session_board(*_state(_expo(tables=1)), MORNING)
    assert {r.pair.request_id: r.reason for r in one_table.unplaced}["ay"] == "full_here"


def test_a_meeting_being_moved_may_keep_its_own_cell_and_takes_no_busy_one() -> None:
    state, sellers = _state(_expo())
    board = session_board(state, sellers, MORNING, moving="ax")
    assert board.moving is not None
    # 09:25 has exhibitor x1 with b; its own 09:00 stays open (another table, or where it is).
    assert board.moving.open_slots == ["d1-am-01"]
    assert board.moving.suggestion == Cell(slot_id="d1-am-01", table=1)


def test_at_the_booths_each_row_is_an_exhibitor_and_cells_have_no_table() -> None:
    state, sellers = _state(_expo(tables=None))
    board = session_board(state, sellers, MORNING)
    assert [(row.exhibitor_id, row.booth) for row in board.rows] == [("x1", "B1"), ("x2", "B2")]
    assert {r.pair.request_id: r.suggestion for r in board.unplaced}["ay"] == Cell(
        slot_id="d1-am-02", table=None
    )
