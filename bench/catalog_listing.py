"""What a page of the catalogue costs when one seller is at the caps: GET /products over HTTP
against a catalog of ordinary sellers and one with 200 products and 400 certificates.

    python -m bench.catalog_listing [--sellers 100] [--requests 300]

Three listings: the first page of everything (stored criteria only: built for the page), a text
search, and `export_ready=true` (computed per day, so for every product the stored criteria
admit). Each is asked in turn, so a noisy moment spreads over all three.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench.measure import machine, p50_p99
from deploy.local.stack import LocalStack
from shared.auth import Role, bearer
from shared.settings import Settings

PRODUCTS_AT_CAP = 200
CERTIFICATES_AT_CAP = 400
SELLER = {
    "name": "Koperasi Kopi Bajawa", "province": "ID-NT", "regency": "Ngada",
    "sectors": ["coffee"], "languages": ["id"], "sales_terms": ["outright_purchase"],
}  # fmt: skip
PRODUCT = {
    "name": {"id": "Kopi arabika Flores Bajawa", "en": "Flores Bajawa arabica coffee"},
    "description": {"id": "Biji kopi hijau, olah basah, tanam di lereng Inerie."},
    "hs_code": "090111", "sector": "coffee", "unit": "kg", "monthly_capacity": 2000,
}  # fmt: skip
CERTIFICATE = {
    "kind": "halal", "number": "ID-HALAL-0001", "issuer": "BPJPH", "valid_from": "2026-01-01",
}  # fmt: skip
LISTINGS: dict[str, dict[str, str | int]] = {
    "first page": {"limit": 50},
    "text search": {"limit": 50, "q": "bajawa"},
    "export ready": {"limit": 50, "export_ready": "true"},
}


async def fill(client: httpx.AsyncClient, url: str, headers: dict[str, str], sellers: int) -> None:
    async def seller_with(products: int, certificates: int) -> None:
        seller = (await client.post(f"{url}/sellers", headers=headers, json=SELLER)).json()
        for _ in range(products):
            await client.post(
                f"{url}/sellers/{seller['id']}/products", headers=headers, json=PRODUCT
            )
        for _ in range(certificates):
            await client.post(
                f"{url}/sellers/{seller['id']}/certifications", headers=headers, json=CERTIFICATE
            )

    await seller_with(PRODUCTS_AT_CAP, CERTIFICATES_AT_CAP)
    for start in range(0, sellers - 1, 10):  # ten at a time: each is its own aggregate
        await asyncio.gather(*(seller_with(2, 1) for _ in range(min(10, sellers - 1 - start))))


async def latencies(
    settings: Settings, url: str, sellers: int, requests: int
) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {name: [] for name in LISTINGS}
    headers = bearer(settings, Role.organiser, "bench-catalog")
    async with httpx.AsyncClient(timeout=60) as client:
        await fill(client, url, headers, sellers)
        for _ in range(requests):
            for name, params in LISTINGS.items():
                started = time.perf_counter()
                answer = await client.get(f"{url}/products", headers=headers, params=params)
                found[name].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sellers", type=int, default=100)
    parser.add_argument("--requests", type=int, default=300)
    arguments = parser.parse_args()
    with LocalStack(Path(tempfile.mkdtemp(prefix="bench-"))) as stack:
        url = stack.start_service("catalog")
        found = asyncio.run(latencies(stack.settings(), url, arguments.sellers, arguments.requests))
    print(f"machine: {machine()}")
    print(
        f"{arguments.sellers} sellers, one with {PRODUCTS_AT_CAP} products and "
        f"{CERTIFICATES_AT_CAP} certificates; {arguments.requests} requests per listing"
    )
    for name, samples in found.items():
        p50, p99 = p50_p99(samples)
        print(f"{name:<13} p50 {p50:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
