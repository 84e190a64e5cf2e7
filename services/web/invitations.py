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

from services.web.accounts import Account
from services.web.links import NewLink, new_link
from shared.contracts.identity import AccountRole
from shared.errors import Forbidden

INVITATION_DAYS = 21  # from the invitation letters to the last day of a typical expo
PARTICIPANTS = (AccountRole.delegate, AccountRole.seller)


def invite(
    organiser: Account, participant: Account, expo_organiser: str, now: dt.datetime
) -> NewLink:
    """A new sign-in link for `participant`, made by the organiser of their expo."""
    require_organiser_of(organiser, participant, expo_organiser)
    return new_link(
        "invitation", participant.id, organiser.id, dt.timedelta(days=INVITATION_DAYS), now
    )


def require_organiser_of(organiser: Account, participant: Account, expo_organiser: str) -> None:
    """Only the organiser of the participant's expo invites them or acts as them."""
    if organiser.role is not AccountRole.organiser:
        raise Forbidden("only an organiser invites participants or acts as them")
    if participant.role not in PARTICIPANTS:
        raise Forbidden("an organiser acts only as a delegate or a seller")
    if expo_organiser != organiser.id:
        raise Forbidden("only the organiser of their expo may do this")
