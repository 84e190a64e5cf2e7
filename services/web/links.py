"""One-time links: an invitation or a password reset is a link that signs one account in (or
sets its password) once, until it expires. Pure: the decisions; the store keeps only the
digest of the link's token, so a copy of the database opens nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.errors import Conflict, NotFound

Purpose = Literal["invitation", "reset"]


class OneTimeLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    purpose: Purpose  # a reset's token does not open an invitation's page, nor the reverse
    account_id: str
    made_by: str  # the organiser, or "development-log"
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


@dataclass(frozen=True)
class NewLink:
    token: str  # goes into the link, and nowhere else
    digest: str
    link: OneTimeLink


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(
    purpose: Purpose, account_id: str, made_by: str, lifetime: dt.timedelta, now: dt.datetime
) -> NewLink:
    token = secrets.token_urlsafe(32)
    link = OneTimeLink(
        purpose=purpose, account_id=account_id, made_by=made_by, expires_at=now + lifetime
    )
    return NewLink(token, digest_of(token), link)


def usable(link: OneTimeLink | None, purpose: Purpose, now: dt.datetime) -> OneTimeLink:
    """The link, if it may be used now: known, for this purpose, unused, unexpired."""
    if link is None or link.purpose != purpose:
        raise NotFound(f"this {purpose} link is not known")
    if link.used_at is not None:
        raise Conflict(f"this {purpose} link has been used already", code=f"{purpose}-used")
    if now >= link.expires_at:
        raise Conflict(f"this {purpose} link has expired", code=f"{purpose}-expired")
    return link


def use(link: OneTimeLink | None, purpose: Purpose, now: dt.datetime) -> OneTimeLink:
    """The link, used now."""
    return usable(link, purpose, now).model_copy(update={"used_at": now})
