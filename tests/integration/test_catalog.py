"""The catalog over HTTP against the real broker and Redis: writes become CloudEvents on the
`catalog` topic, bad input gets problem+json naming the field, and only owners change data."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from services.catalog.app import sweep_expired_certifications
from shared.auth import Role, bearer
from shared.contracts import topics
from shared.envelope import parse_record
from tests.helpers import headers_of, product_body, read_topic, seller_body, unique

pytestmark = pytest.mark.integration


async def test_api_write_appears_as_a_cloudevent_on_the_catalog_topic(catalog, settings):
    created = await catalog.post("/sellers", json=seller_body(name=unique("Tenun Ikat")))
    assert created.status_code == 201, created.text
    seller_id = created.json()["id"]

    records = await read_topic(
        settings, topics.CATALOG, until=lambda rs: any(r.key == seller_id.encode() for r in rs)
    )
    record = next(r for r in records if r.key == seller_id.encode())
    headers = headers_of(record)
    assert headers["ce_type"] == "catalog.seller.registered"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_source"] == "/temu-dagang/catalog"
    assert headers["content-type"] == "application/json"
    assert headers["ce_id"] and headers["ce_time"]
    assert json.loads(record.value)["seller"]["name"] == created.json()["name"]
    assert parse_record(record.value, record.headers).event().key == seller_id


async def test_product_listing_carries_readiness_and_certificate_grant_updates_it(
    catalog, settings
):
    seller_id = (await catalog.post("/sellers", json=seller_body())).json()["id"]
    listed = await catalog.post(f"/sellers/{seller_id}/products", json=product_body())
    assert listed.status_code == 201, listed.text
    product = listed.json()
    assert product["readiness"]["ready"] is False
    assert [gap["kind"] for gap in product["readiness"]["gaps"]] == ["trademark"]

    granted = await catalog.post(
        f"/sellers/{seller_id}/certifications",
        json={
            "kind": "trademark",
            "number": "IDM000712345",
            "issuer": "DJKI",
            "valid_from": "2018-03-01",
            "valid_until": "2028-03-01",
        },
    )
    assert granted.status_code == 201, granted.text
    refreshed = (await catalog.get(f"/products/{product['id']}")).json()
    assert refreshed["readiness"]["ready"] is True
    assert refreshed["certifications"] == ["trademark"]

    def announced(records):
        types = [headers_of(r)["ce_type"] for r in records if r.key == seller_id.encode()]
        return types.count("catalog.product.updated") >= 1

    records = await read_topic(settings, topics.CATALOG, until=announced)
    updates = [
        json.loads(r.value)
        for r in records
        if r.key == seller_id.encode() and headers_of(r)["ce_type"] == "catalog.product.updated"
    ]
    assert updates[-1]["product"]["readiness"]["ready"] is True


async def test_filters_find_products_by_hs_prefix_certification_and_text(catalog):
    seller_id = (await catalog.post("/sellers", json=seller_body())).json()["id"]
    name = unique("Garam beryodium")
    salt = {"name": {"id": name}, "hs_code": "250100", "sector": "salt", "unit": "kg",
            "monthly_capacity": 8000, "packaged": True}  # fmt: skip
    listed = await catalog.post(f"/sellers/{seller_id}/products", json=salt)
    assert listed.status_code == 201
    found = await catalog.get("/products", params={"hs": "2501", "q": name.lower()})
    assert [p["id"] for p in found.json()["items"]] == [listed.json()["id"]]
    ready = await catalog.get("/products", params={"seller_id": seller_id, "export_ready": True})
    assert ready.json()["total"] == 0  # packaged salt still lacks halal, BPOM, English label
    page = await catalog.get("/products", params={"limit": 1})
    assert page.json()["limit"] == 1 and len(page.json()["items"]) == 1


async def test_a_listing_follows_each_change_to_what_it_filters_on(catalog):
    """The listing filters on an index written with the aggregate: a renamed product, a
    delisted one and a seller moved to another province are found where they now are."""
    seller_id = (await catalog.post("/sellers", json=seller_body(province="ID-NB"))).json()["id"]
    url = f"/sellers/{seller_id}/products"
    first = (await catalog.post(url, json=product_body())).json()["id"]
    second = (await catalog.post(url, json=product_body())).json()["id"]
    mine = {"seller_id": seller_id}

    async def ids(**params):
        found = await catalog.get("/products", params={**mine, **params})
        return [p["id"] for p in found.json()["items"]]

    assert await ids(province="ID-NB") == [first, second]
    word = unique("Rumput laut")
    await catalog.patch(f"/products/{second}", json={"name": {"id": word}})
    assert await ids(q=word.upper()) == [second]
    await catalog.delete(f"/products/{first}")
    assert await ids() == [second]
    assert await ids(include_delisted=True) == [first, second]
    await catalog.patch(f"/sellers/{seller_id}", json={"province": "ID-NT"})
    assert await ids(province="ID-NB") == []
    assert await ids(province="ID-NT") == [second]


async def test_expiry_sweep_announces_expired_certificate_and_readiness_change(catalog, settings):
    from services.catalog.app import app

    seller_id = (await catalog.post("/sellers", json=seller_body())).json()["id"]
    product_id = (await catalog.post(f"/sellers/{seller_id}/products", json=product_body())).json()[
        "id"
    ]
    await catalog.post(
        f"/sellers/{seller_id}/certifications",
        json={
            "kind": "trademark",
            "number": "IDM1",
            "issuer": "DJKI",
            "valid_from": "2015-01-01",
            "valid_until": "2030-01-01",
        },
    )
    assert (await catalog.get(f"/products/{product_id}")).json()["readiness"]["ready"]

    changed = await sweep_expired_certifications(app.state.store, dt.date(2030, 1, 2))
    assert changed >= 1

    def expired(records):
        return any(
            r.key == seller_id.encode()
            and headers_of(r)["ce_type"] == "catalog.certification.expired"
            for r in records
        )

    await read_topic(settings, topics.CATALOG, until=expired)
    certificates = (await catalog.get(f"/sellers/{seller_id}/certifications")).json()
    assert certificates[0]["status"] == "expired"


@pytest.mark.parametrize(
    ("path_kind", "body", "field"),
    [
        ("seller", seller_body(province="ID-XX"), "body.province"),
        ("seller", seller_body(export_countries=["JP", "ZZ"]), "body.export_countries[1]"),
        ("seller", seller_body(languages=["id", "not a language"]), "body.languages[1]"),
        ("seller", seller_body(name="x" * 201), "body.name"),
        ("seller", seller_body(sectors=["coffee"] * 11), "body.sectors"),
        ("seller", seller_body(colour="red"), "body.colour"),
        ("product", product_body(hs_code="999999"), "body.hs_code"),
        ("product", product_body(hs_code="0901"), "body.hs_code"),
        ("product", product_body(monthly_capacity=-5), "body.monthly_capacity"),
        ("product", product_body(name={}), "body.name"),
        (
            "product",
            product_body(price={"minimum": 5, "maximum": 1, "currency": "IDR", "per": "kg"}),
            "body.price",
        ),
        (
            "product",
            product_body(price={"minimum": 1, "maximum": 5, "currency": "XYZ", "per": "kg"}),
            "body.price.currency",
        ),
    ],
)
async def test_bad_input_gets_problem_json_naming_the_field(catalog, path_kind, body, field):
    if path_kind == "seller":
        response = await catalog.post("/sellers", json=body)
    else:
        seller_id = (await catalog.post("/sellers", json=seller_body())).json()["id"]
        response = await catalog.post(f"/sellers/{seller_id}/products", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == field
    assert problem["status"] == 422 and problem["detail"]


async def test_malformed_json_body_is_a_422_not_a_500(catalog):
    response = await catalog.post(
        "/sellers", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["field"].startswith("body")


async def test_missing_token_is_401_and_wrong_role_is_403(catalog, settings):
    anonymous = await catalog.get("/sellers", headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert anonymous.json()["field"] == "Authorization"
    forged = await catalog.get("/sellers", headers={"Authorization": "Bearer not-a-jwt"})
    assert forged.status_code == 401
    delegate = bearer(settings, Role.delegate, "attache-jp")
    refused = await catalog.post("/sellers", json=seller_body(), headers=delegate)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


async def test_sellers_change_only_their_own_data(catalog, settings):
    owner = bearer(settings, Role.seller, unique("seller"))
    intruder = bearer(settings, Role.seller, unique("seller"))
    created = await catalog.post("/sellers", json=seller_body(), headers=owner)
    assert created.status_code == 201
    seller_id = created.json()["id"]
    assert (
        await catalog.patch(f"/sellers/{seller_id}", json={"regency": "Alor"}, headers=intruder)
    ).status_code == 403
    assert (
        await catalog.post(f"/sellers/{seller_id}/products", json=product_body(), headers=intruder)
    ).status_code == 403
    changed = await catalog.patch(f"/sellers/{seller_id}", json={"regency": "Alor"}, headers=owner)
    assert changed.status_code == 200 and changed.json()["regency"] == "Alor"
    readable = await catalog.get(
        f"/sellers/{seller_id}", headers=bearer(settings, Role.delegate, "d")
    )
    assert readable.status_code == 200


async def test_an_organiser_assigns_a_sellers_account_and_the_new_owner_changes_it(
    catalog, settings
):
    """How the web app's invitation gives a seller registered by the trade office its account."""
    organiser = bearer(settings, Role.organiser, unique("organiser"))
    created = await catalog.post("/sellers", json=seller_body(), headers=organiser)
    seller_id = created.json()["id"]
    assert created.json()["owner"] is None
    account = unique("acc")
    assigned = await catalog.patch(
        f"/sellers/{seller_id}", json={"owner": account}, headers=organiser
    )
    assert assigned.status_code == 200 and assigned.json()["owner"] == account
    owner = bearer(settings, Role.seller, account)
    changed = await catalog.patch(f"/sellers/{seller_id}", json={"regency": "Sikka"}, headers=owner)
    assert changed.status_code == 200
    handed_over = await catalog.patch(
        f"/sellers/{seller_id}", json={"owner": unique("acc")}, headers=owner
    )
    assert handed_over.status_code == 403
    assert handed_over.json()["errors"][0]["field"] == "owner"
    assert (await catalog.get(f"/sellers/{seller_id}")).json()["owner"] == account


async def test_a_list_of_sellers_registers_each_row_once_however_often_it_is_imported(catalog):
    """The trade office's list: a preview registers nothing; the import registers the valid
    rows and names the others' problems; the same list again (case and accents aside) finds
    every seller it registered."""
    weavers, salt = unique("Kelompok Tenun Ina Ndao"), unique("Koperasi Garam Bipolo")
    rows = [
        seller_body(name=weavers, regency="Rote Ndao"),
        seller_body(name=salt, regency="Kupang", sectors=["salt"]),
        seller_body(name=salt.upper(), regency="Kupang"),  # the same seller, twice in the file
        seller_body(name="Tanpa provinsi", province="ID-XX"),
        seller_body(name=salt, province="ID-BA", regency="Buleleng"),  # another province
    ]
    preview = await catalog.post("/sellers/batch", json={"sellers": rows, "dry_run": True})
    assert preview.status_code == 200, preview.text
    statuses = [r["status"] for r in preview.json()["results"]]
    assert statuses == ["valid", "valid", "repeated", "invalid", "valid"]
    assert preview.json()["results"][3]["errors"][0]["field"] == "province"
    assert preview.json()["results"][3]["errors"][0]["code"] == "subdivision_unknown"
    listed = await catalog.get("/sellers", params={"q": weavers})
    assert listed.json()["items"] == []  # nothing registered by the preview

    done = (await catalog.post("/sellers/batch", json={"sellers": rows})).json()["results"]
    assert [r["status"] for r in done] == ["created", "created", "repeated", "invalid", "created"]
    again_rows = [{**rows[0], "name": weavers.replace("Ina", "ÍNA")}, rows[1]]
    again = (await catalog.post("/sellers/batch", json={"sellers": again_rows})).json()
    assert [r["status"] for r in again["results"]] == ["exists", "exists"]
    assert again["results"][0]["seller"]["id"] == done[0]["seller"]["id"]


async def test_only_staff_register_a_list_of_sellers(catalog, settings):
    seller = bearer(settings, Role.seller, unique("seller"))
    refused = await catalog.post(
        "/sellers/batch", json={"sellers": [seller_body()]}, headers=seller
    )
    assert refused.status_code == 403


async def test_unknown_seller_and_product_are_404_problems(catalog):
    assert (await catalog.get("/sellers/slr-doesnotexist")).status_code == 404
    missing = await catalog.get("/products/slr-doesnotexist.p2")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_delisted_product_cannot_be_changed(catalog):
    seller_id = (await catalog.post("/sellers", json=seller_body())).json()["id"]
    product_id = (await catalog.post(f"/sellers/{seller_id}/products", json=product_body())).json()[
        "id"
    ]
    assert (await catalog.delete(f"/products/{product_id}")).json()["status"] == "delisted"
    again = await catalog.patch(f"/products/{product_id}", json={"monthly_capacity": 10})
    assert again.status_code == 409


async def test_health_readiness_and_metrics(catalog):
    assert (await catalog.get("/healthz")).json() == {"status": "ok"}
    ready = await catalog.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"redis": "ok", "broker": "ok"}
    metrics = await catalog.get("/metrics")
    assert "http_request_seconds" in metrics.text and "outbox_published_total" in metrics.text


async def test_correlation_id_travels_from_request_into_event_headers(catalog, settings):
    correlation = unique("corr")
    created = await catalog.post(
        "/sellers", json=seller_body(), headers={"X-Correlation-ID": correlation}
    )
    assert created.headers["x-correlation-id"] == correlation
    seller_id = created.json()["id"].encode()
    records = await read_topic(
        settings, topics.CATALOG, until=lambda rs: any(r.key == seller_id for r in rs)
    )
    record = next(r for r in records if r.key == seller_id)
    assert headers_of(record)["ce_correlationid"] == correlation
