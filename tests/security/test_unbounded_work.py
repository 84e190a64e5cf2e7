"""Nothing grows without bound: a seller is read whole by every change and listing, a
delegate's match requests are each stored and listed. On 1d967a0 a seller listed product after
product (600 made every catalogue listing slow), and a delegate could ask for matches forever."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from shared.auth import Role, bearer
from shared.settings import Settings
from tests.helpers import eventually, product_body, seller_body, unique
from tests.integration.expo import delegate, exhibitor, open_expo

MAX_PRODUCTS = 200  # the documented cap (docs/decisions.md)


async def test_a_seller_lists_at_most_the_cap_of_products(catalog: httpx.AsyncClient) -> None:
    seller = (await catalog.post("/sellers", json=seller_body(name=unique("Garam")))).json()
    url = f"/sellers/{seller['id']}/products"
    for _ in range(MAX_PRODUCTS):  # one by one: they all change the same seller
        assert (await catalog.post(url, json=product_body())).status_code == 201
    over = await catalog.post(url, json=product_body())
    assert over.status_code == 422, over.text
    assert over.headers["content-type"].startswith("application/problem+json")
    assert f"at most {MAX_PRODUCTS} products" in over.json()["detail"]


async def _hgetall_calls(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_hgetall", {}).get("calls", 0))


async def test_a_page_of_products_loads_only_the_sellers_on_it(
    catalog: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    """On 1d967a0 every listing read every seller aggregate whole, products and certificates
    (one HGETALL each), to show a page of one. Now it reads the per-shard facet index and the
    page's own seller."""
    for _ in range(40):
        seller = (await catalog.post("/sellers", json=seller_body(name=unique("Kopi")))).json()
        await catalog.post(f"/sellers/{seller['id']}/products", json=product_body())
    before = await _hgetall_calls(redis)
    page = await catalog.get("/products", params={"limit": 1})
    calls = await _hgetall_calls(redis) - before
    assert page.status_code == 200 and page.json()["total"] >= 40
    # One per facet shard, one for the page's seller, and room for a background consumer.
    assert calls <= settings.outbox_shards + 1 + 5, calls


MAX_MATCH_REQUESTS = 200  # per delegate and expo (docs/decisions.md)


async def test_a_delegate_asks_for_matches_at_most_the_cap_of_times(
    catalog: httpx.AsyncClient,
    events: httpx.AsyncClient,
    matching: httpx.AsyncClient,
    settings: Settings,
) -> None:
    """Every request is stored with its proposals and listed; on 1d967a0 there was no end."""
    expo = await open_expo(events)
    await exhibitor(catalog, events, expo["id"])
    guest = await delegate(events, expo["id"])
    own = bearer(settings, Role.delegate, guest["subject"])
    body = {"expo_id": expo["id"], "delegate_id": guest["id"], "k": 1}

    async def ask() -> httpx.Response:
        return await matching.post("/match-requests", json=body, headers=own)

    first = await eventually(ask, lambda r: r.status_code != 422)  # matching learns the expo
    assert first.status_code == 201, first.text
    for _ in range(MAX_MATCH_REQUESTS - 1):
        assert (await ask()).status_code == 201
    over = await ask()
    assert over.status_code == 422, over.text
    assert over.json()["field"] == "body.delegate_id"
    assert f"at most {MAX_MATCH_REQUESTS} match requests" in over.json()["detail"]
    # The organiser asking for the same delegate counts into the same cap.
    assert (await matching.post("/match-requests", json=body)).status_code == 422
