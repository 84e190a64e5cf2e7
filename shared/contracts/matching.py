"""Events of the matching service (topic `matching`, keyed by delegate id, so one delegate's
proposals and answers stay in order)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.expo import MeetingWindow
from shared.types import Identifier, ShortText


class ProposalData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier = Field(examples=["mat-5d1e"])
    request_id: Identifier = Field(description="The match request it answers")
    expo_id: Identifier | None = Field(description="None: ranked over the whole catalogue")
    delegate_id: Identifier
    seller_id: Identifier
    exhibitor_id: Identifier | None = Field(description="The seller as exhibitor of the expo")
    rank: int = Field(ge=1)
    score: float = Field(ge=0, le=100)
    reasons: list[str] = Field(max_length=50, description="Why, in words a person reads")


class MatchingEvent(Event):
    topic: ClassVar[str] = topics.MATCHING


class MatchProposed(MatchingEvent):
    type: ClassVar[str] = "matching.match.proposed"
    summary: ClassVar[str] = "A seller was proposed to a delegate, with a score and reasons."
    proposal: ProposalData

    @property
    def key(self) -> str:
        return self.proposal.delegate_id


class MatchAccepted(MatchingEvent):
    type: ClassVar[str] = "matching.match.accepted"
    summary: ClassVar[str] = (
        "A delegate accepted a proposed seller: the events service turns it into a meeting request."
    )
    proposal: ProposalData
    weight: int = Field(ge=1, le=100, description="Meeting importance for the scheduler")
    window: MeetingWindow | None = Field(
        None, description="When the delegate asked to meet: None for any time both attend"
    )

    @property
    def key(self) -> str:
        return self.proposal.delegate_id


class MatchDeclined(MatchingEvent):
    type: ClassVar[str] = "matching.match.declined"
    summary: ClassVar[str] = "A delegate declined a proposed seller."
    proposal: ProposalData
    reason: ShortText | None = None

    @property
    def key(self) -> str:
        return self.proposal.delegate_id
