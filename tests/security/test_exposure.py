"""What a service shows besides its answers: security headers, API docs that work offline,
/metrics off the public port when deployed, and a readiness probe that does not open a broker
connection per call. On 1d967a0 HTML came without a policy, /docs loaded Swagger UI from a CDN
(blank offline), /metrics stayed on the public port and every /readyz opened a connection."""

from __future__ import annotations

import httpx

from deploy.local.stack import LocalStack, free_port
from tests.integration.expo import delegate, open_expo


async def test_html_pages_carry_a_strict_policy_and_every_answer_nosniff(
    events: httpx.AsyncClient,
) -> None:
    expo = await open_expo(events)
    guest = await delegate(events, expo["id"])
    page = await events.get(
        f"/expos/{expo['id']}/agenda", params={"delegate": guest["id"], "format": "html"}
    )
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    for answer in (page, await events.get(f"/expos/{expo['id']}")):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"


async def test_the_api_docs_come_from_the_service_itself(events: httpx.AsyncClient) -> None:
    docs = await events.get("/docs")
    assert docs.status_code == 200
    assert "http" not in docs.text.replace("http-equiv", "")  # no other origin at all
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        served = await events.get(asset)
        assert served.status_code == 200 and len(served.content) > 10_000, asset
    assert (await events.get("/docs/static/docs.js")).status_code == 200


async def test_readiness_polls_reuse_one_broker_connection(catalog: httpx.AsyncClient) -> None:
    for _ in range(5):
        assert (await catalog.get("/readyz")).status_code == 200
    from services.catalog.app import app

    assert app.state.broker_probe.connections == 1


def test_metrics_leave_the_public_port_when_a_metrics_port_is_set(stack: LocalStack) -> None:
    private = free_port()
    public = stack.start_service(
        "catalog", instance="catalog-metrics", env={"METRICS_PORT": str(private)}
    )
    try:
        assert httpx.get(f"{public}/metrics").status_code == 404
        scraped = httpx.get(f"http://127.0.0.1:{private}/metrics")
        assert scraped.status_code == 200 and "events_consumed_total" in scraped.text
    finally:
        stack.service_urls.pop("catalog-metrics", None)
        stack.service_processes.pop("catalog-metrics").stop()
