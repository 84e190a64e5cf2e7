"""A certificate counts only once a certifier has verified it. On 1d967a0 a seller recorded their
own certificate and their product became export-ready at once, in the catalog and in matching."""

from __future__ import annotations

import json
from typing import Any

import httpx
from redis.asyncio import Redis

from shared.auth import Role, bearer
from shared.settings import Settings
from tests.helpers import eventually, product_body, seller_body, unique

TRADEMARK = {
    "kind": "trademark",
    "number": "IDM000712001",
    "issuer": "DJKI",
    "valid_from": "2018-02-01",
    "valid_until": "2038-02-01",
}


async def _seller_with_branded_product(
    catalog: httpx.AsyncClient, owner: dict[str, str]
) -> tuple[str, str]:
    """A seller whose one product lacks only a trademark to be export-ready."""
    seller = (await catalog.post("/sellers", json=seller_body(), headers=owner)).json()
    product = await catalog.post(
        f"/sellers/{seller['id']}/products", json=product_body(), headers=owner
    )
    assert product.status_code == 201, product.text
    return seller["id"], product.json()["id"]


async def _in_matching(redis: Redis, product_id: str) -> dict[str, Any]:
    raw = await redis.get(f"{{matching-model}}:product:{product_id}")
    return json.loads(raw) if raw else {}


async def test_a_sellers_own_certificate_waits_for_a_certifier(
    catalog: httpx.AsyncClient, matching: httpx.AsyncClient, settings: Settings, redis: Redis
) -> None:
    owner = bearer(settings, Role.seller, unique("kopi"))
    seller_id, product_id = await _seller_with_branded_product(catalog, owner)

    submitted = await catalog.post(
        f"/sellers/{seller_id}/certifications", json=TRADEMARK, headers=owner
    )
    assert submitted.status_code == 201, submitted.text
    certificate = submitted.json()
    assert certificate["status"] == "submitted" and certificate["reviewed_by"] is None
    product = (await catalog.get(f"/products/{product_id}")).json()
    assert product["certifications"] == []
    assert product["readiness"]["ready"] is False
    assert [g["reason"] for g in product["readiness"]["gaps"]] == ["unverified"]

    # Neither the seller nor anyone but a certifier or an organiser reviews it.
    for outsider in (owner, bearer(settings, Role.delegate, unique("attache"))):
        refused = await catalog.post(
            f"/certifications/{certificate['id']}/verify", headers=outsider
        )
        assert refused.status_code == 403, refused.text

    waiting = (await catalog.get("/certifications/awaiting-review?limit=200")).json()
    assert certificate["id"] in {c["id"] for c in waiting["items"]}

    certifier = bearer(settings, Role.certifier, unique("verifikasi-disperindag"))

    verified = await catalog.post(f"/certifications/{certificate['id']}/verify", headers=certifier)
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "valid"
    assert verified.json()["reviewed_by"].startswith("verifikasi-disperindag")
    product = (await catalog.get(f"/products/{product_id}")).json()
    assert product["readiness"]["ready"] is True
    assert product["certifications"] == ["trademark"]
    # Matching learns the verified certificate from the product's update, not before.
    learnt = await eventually(
        lambda: _in_matching(redis, product_id), lambda p: bool(p.get("certifications"))
    )
    assert learnt["certifications"] == ["trademark"]
    waiting = (await catalog.get("/certifications/awaiting-review?limit=200")).json()
    assert certificate["id"] not in {c["id"] for c in waiting["items"]}


async def test_a_rejected_certificate_says_why_and_counts_for_nothing(
    catalog: httpx.AsyncClient, settings: Settings
) -> None:
    owner = bearer(settings, Role.seller, unique("garam"))
    certifier = bearer(settings, Role.certifier, unique("verifikasi-disperindag"))
    seller_id, product_id = await _seller_with_branded_product(catalog, owner)
    certificate = (
        await catalog.post(f"/sellers/{seller_id}/certifications", json=TRADEMARK, headers=owner)
    ).json()

    no_reason = await catalog.post(
        f"/certifications/{certificate['id']}/reject", json={}, headers=certifier
    )
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "body.reason"
    reason = "The number is not in the DJKI registry"
    rejected = await catalog.post(
        f"/certifications/{certificate['id']}/reject", json={"reason": reason}, headers=certifier
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejected_reason"] == reason
    gaps = (await catalog.get(f"/products/{product_id}")).json()["readiness"]["gaps"]
    assert [g["reason"] for g in gaps] == ["rejected"] and reason in gaps[0]["detail"]
    # A decision once made stands: a rejected certificate is not verified afterwards.
    again = await catalog.post(f"/certifications/{certificate['id']}/verify", headers=certifier)
    assert again.status_code == 409, again.text


async def test_a_certifier_records_a_certificate_from_the_document_verified(
    catalog: httpx.AsyncClient, settings: Settings
) -> None:
    owner = bearer(settings, Role.seller, unique("tenun"))
    certifier = bearer(settings, Role.certifier, unique("verifikasi-disperindag"))
    seller_id, product_id = await _seller_with_branded_product(catalog, owner)
    recorded = await catalog.post(
        f"/sellers/{seller_id}/certifications", json=TRADEMARK, headers=certifier
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["status"] == "valid"
    assert (await catalog.get(f"/products/{product_id}")).json()["readiness"]["ready"] is True
    # A certifier reviews certificates; the seller's other data stays the seller's.
    renamed = await catalog.patch(
        f"/sellers/{seller_id}", json={"regency": "Alor"}, headers=certifier
    )
    assert renamed.status_code == 403, renamed.text
