"""One seller cannot grow without bound: every change and listing reads the seller whole. On
1d967a0 a seller listed product after product (600 made every catalogue listing slow)."""

from __future__ import annotations

import httpx

from tests.helpers import product_body, seller_body, unique

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
