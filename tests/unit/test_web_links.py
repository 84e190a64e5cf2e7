"""One-time links, without I/O: once, until they expire, for their own purpose only."""

from __future__ import annotations

import datetime as dt

import pytest

from services.web.links import new_link, use
from shared.errors import Conflict, NotFound

NOW = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)


def test_a_link_works_once() -> None:
    made = new_link("invitation", "kenji", "disperindag-ntt", dt.timedelta(days=21), NOW)
    used = use(made.link, "invitation", NOW)
    assert used.used_at == NOW and made.token not in made.link.model_dump_json()
    with pytest.raises(Conflict) as again:
        use(used, "invitation", NOW)
    assert again.value.code == "invitation-used"


def test_a_link_expires() -> None:
    made = new_link("reset", "maria", "disperindag-ntt", dt.timedelta(hours=24), NOW)
    with pytest.raises(Conflict) as late:
        use(made.link, "reset", NOW + dt.timedelta(hours=24))
    assert late.value.code == "reset-expired"


def test_a_reset_link_is_no_invitation() -> None:
    made = new_link("reset", "maria", "disperindag-ntt", dt.timedelta(hours=24), NOW)
    with pytest.raises(NotFound):
        use(made.link, "invitation", NOW)
