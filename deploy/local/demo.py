"""The Sunda Kecil Expo scenario, loaded only through the public HTTP APIs, and its report.

Sellers register (the provincial trade office onboards them), list their products with their
own seller tokens, and their certificates are recorded; the report then shows export readiness.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from shared.auth import Role, issue_token
from shared.settings import Settings

SCENARIO_DIR = Path(__file__).resolve().parent / "scenario"
PROVINCES = {"ID-NT": "Nusa Tenggara Timur", "ID-NB": "Nusa Tenggara Barat", "ID-BA": "Bali"}


class ScenarioError(RuntimeError):
    """The API refused part of the scenario: the message says which request and why."""


@dataclass
class LoadedSeller:
    id: str
    name: str
    province: str
    products: list[dict[str, Any]] = field(default_factory=list)


def scenario_sellers() -> list[dict[str, Any]]:
    sellers: list[dict[str, Any]] = yaml.safe_load((SCENARIO_DIR / "sellers.yaml").read_text())
    return sellers


def _check(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code >= 400:
        raise ScenarioError(f"{what}: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


def _certificate_body(spec: dict[str, Any], product_ids: list[str]) -> dict[str, Any]:
    return {
        "kind": spec["kind"],
        "number": spec["number"],
        "issuer": spec["issuer"],
        "valid_from": str(spec["from"]),
        "valid_until": str(spec["until"]) if spec.get("until") else None,
        "product_ids": [product_ids[index - 1] for index in spec.get("products", [])],
    }


def load_catalog(catalog_url: str, settings: Settings) -> list[LoadedSeller]:
    organiser = {
        "Authorization": f"Bearer {issue_token(settings, Role.organiser, 'disperindag-ntt')}"
    }
    loaded = []
    with httpx.Client(base_url=catalog_url, timeout=30) as client:
        for spec in scenario_sellers():
            body = {k: v for k, v in spec.items() if k not in ("products", "certifications")}
            seller = _check(client.post("/sellers", json=body, headers=organiser), spec["name"])
            own = {"Authorization": f"Bearer {issue_token(settings, Role.seller, spec['owner'])}"}
            product_ids = []
            for product in spec.get("products", []):
                listed = _check(
                    client.post(f"/sellers/{seller['id']}/products", json=product, headers=own),
                    f"{spec['name']}: product {product['name']}",
                )
                product_ids.append(listed["id"])
            for certificate in spec.get("certifications", []):
                granted = _check(
                    client.post(
                        f"/sellers/{seller['id']}/certifications",
                        json=_certificate_body(certificate, product_ids),
                        headers=organiser,
                    ),
                    f"{spec['name']}: certificate {certificate['kind']}",
                )
                if certificate.get("revoked"):
                    _check(
                        client.post(
                            f"/certifications/{granted['id']}/revoke",
                            json={"reason": certificate["revoked"]},
                            headers=organiser,
                        ),
                        f"{spec['name']}: revoke {certificate['kind']}",
                    )
            products = [
                _check(client.get(f"/products/{pid}", headers=own), pid) for pid in product_ids
            ]
            loaded.append(LoadedSeller(seller["id"], seller["name"], seller["province"], products))
    return loaded


def readiness_report(sellers: list[LoadedSeller], today: dt.date) -> str:
    lines = [f"Export readiness of the Sunda Kecil Expo catalogue, assessed on {today}", ""]
    by_province: dict[str, list[LoadedSeller]] = defaultdict(list)
    for seller in sellers:
        by_province[seller.province].append(seller)
    lines.append(f"{'province':<22}{'sellers':>8}{'products':>10}{'ready':>8}")
    for code, members in sorted(by_province.items()):
        products = [p for s in members for p in s.products]
        ready = sum(p["readiness"]["ready"] for p in products)
        lines.append(
            f"{PROVINCES.get(code, code):<22}{len(members):>8}{len(products):>10}{ready:>8}"
        )
    gaps = Counter(
        (gap["kind"], gap["reason"])
        for seller in sellers
        for product in seller.products
        for gap in product["readiness"]["gaps"]
    )
    lines += ["", "What stands between products and export (gap: products):"]
    lines += [f"  {kind} {reason}: {count}" for (kind, reason), count in gaps.most_common()]
    lines += ["", "Products not yet ready:"]
    for seller in sellers:
        for product in seller.products:
            if product["readiness"]["ready"]:
                continue
            name = product["name"].get("en") or product["name"].get("id")
            missing = ", ".join(
                f"{gap['kind']} ({gap['reason']})" for gap in product["readiness"]["gaps"]
            )
            lines.append(f"  {seller.name} — {name}: {missing}")
    return "\n".join(lines)
