"""Password resets for staff accounts, until the system sends e-mail: a person asks on the
sign-in page, an organiser makes the one-time link and hands it over (in development the link
is also written to the log)."""

from __future__ import annotations

import datetime as dt

from services.web.accounts import Account
from services.web.links import NewLink, new_link
from shared.contracts.identity import AccountRole
from shared.errors import Forbidden

RESET_HOURS = 24


def make_reset(organiser: Account | None, staff: Account, now: dt.datetime) -> NewLink:
    """A reset link for a staff account, made by an organiser (None: for the development log)."""
    if organiser is not None and organiser.role is not AccountRole.organiser:
        raise Forbidden("only an organiser makes password reset links")
    if not staff.is_staff:
        raise Forbidden("participants sign in with invitation links")
    made_by = organiser.id if organiser is not None else "development-log"
    return new_link("reset", staff.id, made_by, dt.timedelta(hours=RESET_HOURS), now)
