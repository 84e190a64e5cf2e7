"""One session of the schedule as the organiser's console shows it: every meeting in its slot
and place with what makes it hard (a participant no longer there, over their limit), and the
requests without a meeting with the slots of the session they would fit in. Pure: it reads an
expo's loaded state and the sellers' languages, and decides nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from services.events.domain import ExpoState
from shared.contracts.catalog import SellerData
from shared.contracts.expo import (
    DelegateData,
    ExhibitorData,
    MeetingData,
    MeetingMode,
    MeetingRequestData,
    RequestStatus,
    SessionData,
    SlotData,
)

UNPLACED_SHOWN = 50  # beside the grid: the heaviest that fit first, the rest counted


class Pair(BaseModel):
    """Who meets whom, as a cell or a waiting request shows them."""

    request_id: str
    weight: int
    delegate_id: str
    delegate: str
    organisation: str
    country: str
    exhibitor_id: str
    seller: str
    booth: str | None
    languages: list[str] = Field(description="The languages both speak")
    interpreter: bool = Field(description="They share no language")


class BoardMeeting(BaseModel):
    pair: Pair
    slot_id: str
    table: int | None
    locked: bool
    confirmed: bool
    conflicts: list[str] = Field(
        description="delegate_unavailable | exhibitor_unavailable | over_limit (codes to "
        "translate): held where it is, but no longer what the participants said"
    )


class Cell(BaseModel):
    slot_id: str
    table: int | None


class BoardRequest(BaseModel):
    pair: Pair
    placed_in: str | None = Field(description="The slot of its meeting now; None: waiting")
    open_slots: list[str] = Field(
        description="The session's slots where both attend and are free, with a free table"
    )
    suggestion: Cell | None = Field(description="The earliest of them, at its lowest free table")
    reason: str | None = Field(
        description="Why it fits nowhere in this session: max_meetings | unavailable_here | "
        "outside_window (asked for another part of the expo) | busy_here | full_here"
    )


class BoardRow(BaseModel):
    """A row of the grid: a table, or (meetings at the booths) an exhibitor's booth."""

    table: int | None = None
    exhibitor_id: str | None = None
    seller: str | None = None
    booth: str | None = None


class SessionBoard(BaseModel):
    expo_id: str
    session: SessionData
    slots: list[SlotData]
    rows: list[BoardRow]
    meetings: list[BoardMeeting]
    unplaced: list[BoardRequest] = Field(description="The heaviest that fit here first")
    unplaced_total: int
    placeable_total: int = Field(description="Requests without a meeting that fit in here")
    moving: BoardRequest | None = Field(
        None, description="The meeting asked about (`moving=`): where in this session it may go"
    )


@dataclass
class _Booked:
    """Who is busy when, and how many meetings each participant has, across the whole expo."""

    at: dict[tuple[str, str], str]  # (participant, slot id) → request id
    tables: dict[str, dict[int, str]]  # slot id → table → request id
    count: Counter[str]

    @classmethod
    def of(cls, meetings: Iterable[MeetingData]) -> _Booked:
        booked = cls({}, {}, Counter())
        for meeting in meetings:
            for person in (meeting.delegate_id, meeting.exhibitor_id):
                booked.at[person, meeting.slot_id] = meeting.request_id
                booked.count[person] += 1
            if meeting.table is not None:
                booked.tables.setdefault(meeting.slot_id, {})[meeting.table] = meeting.request_id
        return booked


@dataclass(frozen=True)
class _Fit:
    """Where a request fits in the session, before it is shown (most never are)."""

    request: MeetingRequestData
    own: MeetingData | None
    open_slots: list[str]
    first: tuple[str, int | None] | None  # slot id, table
    reason: str | None


def _attends(person: DelegateData | ExhibitorData, slot_id: str) -> bool:
    return person.available_slots is None or slot_id in person.available_slots


class _Board:
    def __init__(self, state: ExpoState, sellers: dict[str, SellerData], session_id: str) -> None:
        self.state = state
        self.sellers = sellers
        self.slots = [s for s in state.expo.slots if s.session_id == session_id]
        self.booked = _Booked.of(state.meetings.values())
        expo = state.expo
        self.tables = expo.tables if expo.mode is MeetingMode.tables else None
        self._lowest_free: dict[str, int | None] = {}
        self.rank = {slot.id: n for n, slot in enumerate(self.slots)}
        self._attends: dict[str, frozenset[str]] = {}
        self._frees: dict[str, frozenset[str]] = {}
        # The session's slots with a table free (every slot, at the booths).
        self._roomy = frozenset(slot.id for slot in self.slots if self._has_table(slot.id, None))

    def pair(self, request: MeetingRequestData) -> Pair:
        delegate = self.state.delegates[request.delegate_id]
        exhibitor = self.state.exhibitors[request.exhibitor_id]
        seller = self.sellers.get(exhibitor.seller_id)
        spoken = seller.languages if seller is not None else []
        common = [language for language in delegate.languages if language in spoken]
        return Pair(
            request_id=request.id,
            weight=request.weight,
            delegate_id=delegate.id,
            delegate=delegate.name,
            organisation=delegate.organisation,
            country=delegate.country,
            exhibitor_id=exhibitor.id,
            seller=exhibitor.seller_name,
            booth=exhibitor.booth,
            languages=common,
            # A seller whose languages are not known yet is not said to need an interpreter.
            interpreter=seller is not None and not common,
        )

    def meeting(self, meeting: MeetingData) -> BoardMeeting:
        request = self.state.requests[meeting.request_id]
        delegate = self.state.delegates[meeting.delegate_id]
        exhibitor = self.state.exhibitors[meeting.exhibitor_id]
        conflicts = []
        if not _attends(delegate, meeting.slot_id):
            conflicts.append("delegate_unavailable")
        if not _attends(exhibitor, meeting.slot_id):
            conflicts.append("exhibitor_unavailable")
        if any(
            person.max_meetings is not None and self.booked.count[person.id] > person.max_meetings
            for person in (delegate, exhibitor)
        ):
            conflicts.append("over_limit")
        return BoardMeeting(
            pair=self.pair(request),
            slot_id=meeting.slot_id,
            table=meeting.table,
            locked=meeting.locked,
            confirmed=meeting.confirmed,
            conflicts=conflicts,
        )

    def fit(self, request: MeetingRequestData) -> _Fit:
        """Where in the session the request could be: its own meeting, if any, given up.
        Asked for every waiting request (thousands on a busy expo): each participant's free
        slots are worked out once, and a request's are where its two participants' meet."""
        delegate = self.state.delegates[request.delegate_id]
        exhibitor = self.state.exhibitors[request.exhibitor_id]
        own = self.state.meetings.get(request.id)
        if self._at_limit(delegate, own) or self._at_limit(exhibitor, own):
            return _Fit(request, own, [], None, "max_meetings")
        attended = self._attending(delegate) & self._attending(exhibitor)
        if own is None:
            free = self._free(delegate) & self._free(exhibitor)
            roomy = free & self._roomy
        else:
            free = (self._free(delegate) | self._held_by(own, delegate)) & (
                self._free(exhibitor) | self._held_by(own, exhibitor)
            )
            roomy = frozenset(slot for slot in free if self._has_table(slot, own))
        if request.window is not None:  # asked for another part of the expo: not here
            window = frozenset(request.window)
            if attended and not attended & window:
                return _Fit(request, own, [], None, "outside_window")
            attended, free, roomy = attended & window, free & window, roomy & window
        open_slots = sorted(roomy, key=self.rank.__getitem__)
        if open_slots:
            first = open_slots[0]
            table = self.free_table(first, request.id if own is not None else None)
            return _Fit(request, own, open_slots, (first, table), None)
        if not attended:
            return _Fit(request, own, [], None, "unavailable_here")
        return _Fit(request, own, [], None, "full_here" if free else "busy_here")

    def _attending(self, person: DelegateData | ExhibitorData) -> frozenset[str]:
        """The session's slots the participant attends."""
        if person.id not in self._attends:
            self._attends[person.id] = frozenset(
                slot.id for slot in self.slots if _attends(person, slot.id)
            )
        return self._attends[person.id]

    def _free(self, person: DelegateData | ExhibitorData) -> frozenset[str]:
        """The session's slots the participant attends and has no meeting in."""
        if person.id not in self._frees:
            at = self.booked.at
            self._frees[person.id] = frozenset(
                slot for slot in self._attending(person) if (person.id, slot) not in at
            )
        return self._frees[person.id]

    def _held_by(
        self, own: MeetingData | None, person: DelegateData | ExhibitorData
    ) -> frozenset[str]:
        """The slot of the meeting being moved, free for it to stay in (at another table)."""
        if own is None or own.slot_id not in self._attending(person):
            return frozenset()
        return frozenset({own.slot_id})

    def _at_limit(self, person: DelegateData | ExhibitorData, own: MeetingData | None) -> bool:
        """No meeting more for them (the one being moved does not count: it stays theirs)."""
        limit = person.max_meetings
        return limit is not None and self.booked.count[person.id] - (own is not None) >= limit

    def _has_table(self, slot_id: str, own: MeetingData | None) -> bool:
        return (
            self.tables is None
            or self.free_table(slot_id, own.request_id if own else None) is not None
        )

    def request(self, fit: _Fit) -> BoardRequest:
        return BoardRequest(
            pair=self.pair(fit.request),
            placed_in=fit.own.slot_id if fit.own is not None else None,
            open_slots=fit.open_slots,
            suggestion=Cell(slot_id=fit.first[0], table=fit.first[1]) if fit.first else None,
            reason=fit.reason,
        )

    def free_table(self, slot_id: str, own: str | None) -> int | None:
        """The lowest table free in the slot, the request `own`'s counted as free."""
        if self.tables is None:
            return None
        if own is None:  # asked for every waiting request: worked out once a slot
            if slot_id not in self._lowest_free:
                self._lowest_free[slot_id] = self._lowest(slot_id, None)
            return self._lowest_free[slot_id]
        return self._lowest(slot_id, own)

    def _lowest(self, slot_id: str, own: str | None) -> int | None:
        held = self.booked.tables.get(slot_id, {})
        assert self.tables is not None
        return next(
            (n for n in range(1, self.tables + 1) if held.get(n, own) == own),
            None,
        )

    def rows(self) -> list[BoardRow]:
        if self.tables is not None:
            return [BoardRow(table=n) for n in range(1, self.tables + 1)]
        booths = sorted(
            self.state.exhibitors.values(), key=lambda x: (x.booth or "\uffff", x.seller_name, x.id)
        )
        return [
            BoardRow(exhibitor_id=x.id, seller=x.seller_name, booth=x.booth)
            for x in booths
            if any(_attends(x, slot.id) for slot in self.slots)
        ]


def session_board(
    state: ExpoState,
    sellers: dict[str, SellerData],
    session: SessionData,
    moving: str | None = None,
    shown: int = UNPLACED_SHOWN,
) -> SessionBoard:
    """The session's grid, the requests without a meeting (those that fit here first, then
    the heaviest) and, for `moving`, where its meeting could go in this session."""
    board = _Board(state, sellers, session.id)
    in_session = {slot.id for slot in board.slots}
    meetings = sorted(
        (board.meeting(m) for m in state.meetings.values() if m.slot_id in in_session),
        key=lambda m: (m.slot_id, m.table or 0, m.pair.seller, m.pair.request_id),
    )
    delegates = state.delegates
    waiting = [
        board.fit(r)
        for r in state.requests.values()
        if r.status is RequestStatus.requested and r.id not in state.meetings
    ]
    waiting.sort(
        key=lambda fit: (
            not fit.open_slots,
            -fit.request.weight,
            delegates[fit.request.delegate_id].name,
            fit.request.id,
        )
    )
    asked = state.requests.get(moving) if moving else None
    return SessionBoard(
        expo_id=state.expo.id,
        session=session,
        slots=board.slots,
        rows=board.rows(),
        meetings=meetings,
        unplaced=[board.request(fit) for fit in waiting[:shown]],
        unplaced_total=len(waiting),
        placeable_total=sum(1 for fit in waiting if fit.open_slots),
        moving=board.request(board.fit(asked)) if asked is not None else None,
    )
