"""Input that reached Redis keys or calendar feeds unchecked: each now gets a 4xx naming the
field instead of a 500. On 1d967a0 the first two answered 500 (Redis WRONGTYPE on a key beside
the expo's hash) and a name with a line break was stored, so the delegate's own feed failed."""

from __future__ import annotations

import httpx
import pytest

from shared.outbox import Outbox
from shared.settings import Settings
from tests.helpers import product_body, seller_body
from tests.integration.expo import assert_problem, delegate, exhibitor, open_expo


@pytest.mark.parametrize("suffix", [":sellers", ":requests"])
async def test_an_expo_id_naming_a_key_beside_the_expo_is_refused(
    catalog: httpx.AsyncClient, events: httpx.AsyncClient, settings: Settings, suffix: str
) -> None:
    # An expo whose id with the suffix lands on the same outbox shard: then `<id><suffix>`
    # names the set beside the expo's hash (one in `outbox_shards` expos does).
    outbox = Outbox("events", settings.outbox_shards, source="/test")
    for _ in range(20 * settings.outbox_shards):
        expo = await open_expo(events)
        if outbox.shard_of(expo["id"] + suffix) == outbox.shard_of(expo["id"]):
            break
    else:
        pytest.fail("no expo id shares its shard with its suffixed form")
    booth = await exhibitor(catalog, events, expo["id"])
    guest = await delegate(events, expo["id"])
    made = await events.post(
        f"/expos/{expo['id']}/requests",
        json={"delegate_id": guest["id"], "exhibitor_id": booth["id"]},
    )
    assert made.status_code == 201, made.text
    answer = await events.get(f"/expos/{expo['id']}{suffix}")
    assert_problem(answer, 422, "path.expo_id")


@pytest.mark.parametrize("name", ["Kenji\r\nSUMMARY:forged", "Tab\there", "Nul\x00byte"])
async def test_a_name_with_control_characters_is_refused_naming_the_field(
    events: httpx.AsyncClient, name: str
) -> None:
    expo = await open_expo(events)
    registered = await events.post(
        f"/expos/{expo['id']}/delegates",
        json={
            "name": name,
            "country": "JP",
            "organisation": "Embassy of Japan",
            "role": "diplomat",
            "languages": ["ja"],
        },
    )
    assert_problem(registered, 422, "body.name")


@pytest.mark.parametrize("field", ["name", "hs_code", "monthly_capacity", "description"])
async def test_a_null_for_a_product_field_that_cannot_be_empty_is_refused(
    catalog: httpx.AsyncClient, field: str
) -> None:
    """On 1d967a0 `{"name": null}` passed the PATCH model (every field is optional there) and
    failed validating the changed product: a 500."""
    seller_id = (await catalog.post("/sellers", json=seller_body())).json()["id"]
    url = f"/sellers/{seller_id}/products"
    product_id = (await catalog.post(url, json=product_body())).json()["id"]
    answer = await catalog.patch(f"/products/{product_id}", json={field: None})
    assert_problem(answer, 422, f"body.{field}")
    cleared = await catalog.patch(f"/products/{product_id}", json={"price": None})
    assert cleared.status_code == 200 and cleared.json()["price"] is None


async def test_a_null_for_a_seller_contact_is_refused(catalog: httpx.AsyncClient) -> None:
    seller_id = (await catalog.post("/sellers", json=seller_body())).json()["id"]
    assert_problem(
        await catalog.patch(f"/sellers/{seller_id}", json={"contact": None}), 422, "body.contact"
    )
