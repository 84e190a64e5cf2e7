"""One subject cannot flood a service: each token's subject has its own budget, counted in Redis
so that every instance of the service shares it. On 1d967a0 any number of requests went
through (there was no limit at all)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from deploy.local.stack import LocalStack
from shared.auth import Role, bearer

LIMIT = 8  # per minute: low enough to reach in a test, with no second rule to confuse it


@pytest.fixture(scope="module")
def two_instances(stack: LocalStack) -> Iterator[list[str]]:
    """Two catalog processes with a low limit, as a deployment runs several replicas."""
    names = ["catalog-limited-1", "catalog-limited-2"]
    env = {"RATE_LIMITS": f"{LIMIT}/minute"}
    urls = [stack.start_service("catalog", instance=name, env=env) for name in names]
    yield urls
    for name in names:
        stack.service_urls.pop(name, None)
        stack.service_processes.pop(name).stop()


def test_a_subject_over_its_limit_is_told_when_to_retry(
    stack: LocalStack, two_instances: list[str]
) -> None:
    flooder = bearer(stack.settings(), Role.seller, "limit-flooder")
    answers = [
        httpx.get(f"{two_instances[n % 2]}/sellers", headers=flooder) for n in range(LIMIT + 1)
    ]
    # Both replicas count into one budget: the limit holds across them.
    assert [a.status_code for a in answers[:LIMIT]] == [200] * LIMIT
    refused = answers[LIMIT]
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    problem = refused.json()
    assert problem["type"].endswith("/problems/too-many-requests")
    assert "seller limit-flooder" in problem["detail"]
    # Writes are refused before anything is done, so a retried write is not doubled.
    write = httpx.post(f"{two_instances[0]}/sellers", headers=flooder, json={})
    assert write.status_code == 429


def test_other_subjects_keep_their_own_budget(stack: LocalStack, two_instances: list[str]) -> None:
    flooder = bearer(stack.settings(), Role.seller, "limit-flooder-2")
    for _ in range(LIMIT + 1):
        httpx.get(f"{two_instances[0]}/sellers", headers=flooder)
    # The same subject in another role is another account (role and subject go together).
    for other in (
        bearer(stack.settings(), Role.seller, "limit-bystander"),
        bearer(stack.settings(), Role.organiser, "limit-flooder-2"),
    ):
        assert httpx.get(f"{two_instances[0]}/sellers", headers=other).status_code == 200
