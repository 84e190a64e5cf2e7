"""An organiser is staff of their own expos only, and a subject names an account only with its
role: attacks from the security review on the real stack (broker, Redis, services in-process).
On 1d967a0 every one of them succeeded."""

from __future__ import annotations

from typing import Any

import httpx

from shared.auth import Role, bearer
from shared.settings import Settings
from tests.conftest import ORGANISER
from tests.helpers import eventually, unique
from tests.integration.expo import delegate, exhibitor, open_expo, scheduled_meeting


async def test_an_organiser_of_another_expo_reads_and_changes_none_of_its_people(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    made = await scheduled_meeting(catalog, events)
    expo, booth, guest, request = made.expo, made.booth, made.guest, made.request
    other = bearer(settings, Role.organiser, unique("dinas-perdagangan"))
    base = f"/expos/{expo['id']}"

    listed = await events.get(f"{base}/delegates", headers=other)
    assert listed.status_code == 200 and listed.json()["items"] == [], listed.text
    assert (await events.get(f"{base}/delegates/{guest['id']}", headers=other)).status_code == 403
    patched = await events.patch(
        f"{base}/delegates/{guest['id']}", json={"interests": ["nothing"]}, headers=other
    )
    assert patched.status_code == 403, patched.text
    for query in (
        {"delegate": guest["id"]},
        {"delegate": guest["id"], "format": "html"},
        {"delegate": guest["id"], "format": "ics"},
        {"exhibitor": booth["id"]},
        {},
        {"table": 1},
    ):
        agenda = await events.get(f"{base}/agenda", params=query, headers=other)
        assert agenda.status_code == 403, (query, agenda.status_code)
    requests = await events.get(f"{base}/requests", headers=other)
    assert requests.status_code == 200 and requests.json()["total"] == 0, requests.text
    one = await events.get(f"{base}/requests/{request['id']}", headers=other)
    assert one.status_code == 404, one.text
    # The expo's own organiser still sees everything.
    assert (await events.get(f"{base}/delegates")).json()["total"] == 1
    assert (await events.get(f"{base}/agenda", params={"delegate": guest["id"]})).status_code == 200


async def test_a_token_of_another_role_with_a_delegates_subject_is_not_that_delegate(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings
) -> None:
    made = await scheduled_meeting(catalog, events)
    expo, guest = made.expo, made.guest
    posing = bearer(settings, Role.seller, guest["subject"])
    listed = await events.get(f"/expos/{expo['id']}/delegates", headers=posing)
    assert listed.json()["items"] == [], listed.text
    assert (
        await events.get(f"/expos/{expo['id']}/delegates/{guest['id']}", headers=posing)
    ).status_code == 403


async def test_matching_keeps_organisers_to_their_own_delegates_and_owners_to_their_role(
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
    matching: httpx.AsyncClient,
    settings: Settings,
) -> None:
    expo = await open_expo(events)
    await exhibitor(catalog, events, expo["id"])
    guest = await delegate(events, expo["id"])

    async def ask(headers: dict[str, str], **body: Any) -> httpx.Response:
        return await matching.post(
            "/match-requests", json={"delegate_id": guest["id"], **body}, headers=headers
        )

    own = await eventually(lambda: ask({}, expo_id=expo["id"]), lambda r: r.status_code != 422)
    assert own.status_code == 201, own.text
    other = bearer(settings, Role.organiser, unique("dinas-perdagangan"))
    assert (await ask(other)).status_code == 403  # no expo_id: the delegate's expo decides
    assert (await ask(other, expo_id=expo["id"])).status_code == 403
    # A seller whose subject happens to be the organiser's is not the organiser.
    posing = bearer(settings, Role.seller, ORGANISER)
    read = await matching.get(f"/match-requests/{own.json()['id']}", headers=posing)
    assert read.status_code == 403, read.text
    assert (await matching.get(f"/match-requests/{own.json()['id']}")).status_code == 200
