"""Outcomes: recorded only once the meeting has started, each party's own view, replaced only
with the version it replaces, a no-show from either side counted until the organiser's final
record, and deals within a plausible limit. On 1d967a0 either party overwrote the outcome any
number of times, before the meeting, with a deal of 1e12."""

from __future__ import annotations

from typing import Any

import httpx

from shared.auth import Role, bearer
from shared.settings import Settings
from tests.integration.expo import assert_problem, scheduled_meeting


async def _meeting(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings, **expo: Any
) -> tuple[str, dict[str, str], dict[str, str]]:
    """A scheduled meeting; its outcome URL and the delegate's and the seller's tokens."""
    made = await scheduled_meeting(catalog, events, **expo)
    url = f"/expos/{made.expo['id']}/requests/{made.request['id']}/outcome"
    as_guest = bearer(settings, Role.delegate, made.guest["subject"])
    return url, as_guest, bearer(settings, Role.seller, made.owner)


async def test_no_outcome_before_the_meeting_starts(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    future = {
        "start_date": "2099-11-14",
        "end_date": "2099-11-15",
        "sessions": [{"id": "d1-am", "day": "2099-11-14", "start": "09:00", "end": "12:00"}],
    }
    url, as_guest, _ = await _meeting(catalog, events, settings, **future)
    early = await events.post(url, json={"held": True}, headers=as_guest)
    assert early.status_code == 409, early.text
    assert "record how it went after that" in early.json()["detail"]


async def test_each_party_keeps_its_own_record_and_a_no_show_counts(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    url, as_guest, as_seller = await _meeting(catalog, events, settings)
    held = await events.post(url, json={"held": True, "rating": 4}, headers=as_seller)
    assert held.status_code == 200 and held.json()["recorded_by"] == "seller", held.text
    absent = await events.post(url, json={"held": False}, headers=as_guest)
    assert absent.status_code == 200, absent.text
    overwrite = await events.post(url, json={"held": True}, headers=as_guest)
    assert_problem(overwrite, 409, "body.version")
    replaced = await events.post(url, json={"held": True, "version": 1}, headers=as_guest)
    assert replaced.status_code == 200 and replaced.json()["version"] == 2, replaced.text
    stale = await events.post(url, json={"held": False, "version": 1}, headers=as_guest)
    assert_problem(stale, 409, "body.version")
    again = await events.post(url, json={"held": False}, headers=as_seller)
    assert_problem(again, 409, "body.version")  # the seller's record needs its version too
    said = await events.post(url, json={"held": False, "version": 1}, headers=as_seller)
    assert said.status_code == 200
    request = (await events.get(url.removesuffix("/outcome"))).json()["request"]
    assert request["status"] == "no_show"  # a no-show from either side wins
    final = await events.post(url, json={"held": True, "follow_up": "sample_order"})
    assert final.status_code == 200 and final.json()["recorded_by"] == "organiser"
    request = (await events.get(url.removesuffix("/outcome"))).json()["request"]
    assert request["status"] == "held"  # until the organiser records the final one


async def test_an_implausible_deal_is_refused_naming_the_field(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    url, _, as_seller = await _meeting(catalog, events, settings)
    huge = {"held": True, "deal_value": 1e12, "currency": "USD"}
    assert_problem(await events.post(url, json=huge, headers=as_seller), 422, "body.deal_value")
    # Rules that span fields are reported together, each naming its field.
    muddled = {"held": False, "rating": 4, "deal_value": 5e6}
    refused = await events.post(url, json=muddled, headers=as_seller)
    assert_problem(refused, 422, "body.held")
    assert [e["field"] for e in refused.json()["errors"]] == ["body.held", "body.currency"]
    fair = {"held": True, "deal_value": 2_500_000_000, "currency": "IDR"}
    assert (await events.post(url, json=fair, headers=as_seller)).status_code == 200
