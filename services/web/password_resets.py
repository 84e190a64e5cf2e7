"""Password resets for staff accounts, until the system sends e-mail: a person asks on the
sign-in page, an organiser makes the single-use link and hands it over (in development the
link is also written to the log). Pure: the decisions; the store keeps digests only."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from services.web.accounts import Account
from services.web.invitations import digest_of
from shared.contracts.identity import AccountRole
from shared.errors import Conflict, Forbidden, NotFound

RESET_HOURS = 24


class Reset(BaseModel):
    model_config = ConfigDict(frozen=True)

    account_id: str
    made_by: str  # the organiser, or "development-log"
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


@dataclass(frozen=True)
class NewReset:
    token: str  # goes into the link, and nowhere else
    digest: str
    reset: Reset


def make_reset(organiser: Account | None, staff: Account, now: dt.datetime) -> NewReset:
    """A reset link for a staff account, made by an organiser (None: for the development log)."""
    if organiser is not None and organiser.role is not AccountRole.organiser:
        raise Forbidden("only an organiser makes password reset links")
    if not staff.is_staff:
        raise Forbidden("participants sign in with invitation links")
    token = secrets.token_urlsafe(32)
    reset = Reset(
        account_id=staff.id,
        made_by=organiser.id if organiser is not None else "development-log",
        expires_at=now + dt.timedelta(hours=RESET_HOURS),
    )
    return NewReset(token, digest_of(token), reset)


def use_reset(reset: Reset | None, now: dt.datetime) -> Reset:
    """The reset, used now: a link sets a password once, and only until it expires."""
    if reset is None:
        raise NotFound("this reset link is not known")
    if reset.used_at is not None:
        raise Conflict("this reset link has been used already", code="reset-used")
    if now >= reset.expires_at:
        raise Conflict("this reset link has expired", code="reset-expired")
    return reset.model_copy(update={"used_at": now})
