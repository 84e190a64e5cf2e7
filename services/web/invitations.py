"""Invitations and acting as someone: the decisions, pure, with who may take them.

An invitation is a sign-in link for one participant's account: single use, expiring, tied to
the account (and so to its role and record). The organiser copies it or prints it as a QR
code; whoever opens it is signed in as that participant, once.

Acting as a participant lets an organiser do on a participant's behalf what that participant
could do (b2match's "act on behalf"), on their own expo only, with every start and end in the
audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from services.web.accounts import Account
from shared.contracts.identity import AccountRole
from shared.errors import Conflict, Forbidden, NotFound

INVITATION_DAYS = 21  # from the invitation letters to the last day of a typical expo
PARTICIPANTS = (AccountRole.delegate, AccountRole.seller)


class Invitation(BaseModel):
    """What is stored of an invitation: never the link itself, only its digest."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    invited_by: str
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


@dataclass(frozen=True)
class NewInvitation:
    token: str  # goes into the link, and nowhere else
    digest: str
    invitation: Invitation


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    organiser: Account, participant: Account, expo_organiser: str, now: dt.datetime
) -> NewInvitation:
    """A new sign-in link for `participant`, made by the organiser of their expo."""
    require_organiser_of(organiser, participant, expo_organiser)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        account_id=participant.id,
        invited_by=organiser.id,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    return NewInvitation(token, digest_of(token), invitation)


def redeem(invitation: Invitation | None, now: dt.datetime) -> Invitation:
    """The invitation, used now; a link is good once, and only until it expires."""
    if invitation is None:
        raise NotFound("this invitation link is not known")
    if invitation.used_at is not None:
        raise Conflict("this invitation link has been used already", code="invitation-used")
    if now >= invitation.expires_at:
        raise Conflict("this invitation link has expired", code="invitation-expired")
    return invitation.model_copy(update={"used_at": now})


def require_organiser_of(organiser: Account, participant: Account, expo_organiser: str) -> None:
    """Only the organiser of the participant's expo invites them or acts as them."""
    if organiser.role is not AccountRole.organiser:
        raise Forbidden("only an organiser invites participants or acts as them")
    if participant.role not in PARTICIPANTS:
        raise Forbidden("an organiser acts only as a delegate or a seller")
    if expo_organiser != organiser.id:
        raise Forbidden("only the organiser of their expo may do this")
