"""Every service's OpenAPI, fuzzed by schemathesis against the real stack, with a valid token
and with none: never a 5xx, and every 4xx is a problem+json body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from deploy.local.stack import LocalStack
from shared.auth import Role, issue_token

pytestmark = pytest.mark.e2e
EXAMPLES = 12


@pytest.fixture(scope="module")
def fuzzed_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack(
        Path(tmp_path_factory.mktemp("fuzz")),
        services=["catalog", "events", "matching"],
        own_infrastructure=True,
    ) as stack:
        yield stack


def _schema(stack: LocalStack, service: str) -> Any:
    return schemathesis.openapi.from_url(f"{stack.service_urls[service]}/openapi.json")


def _check(case: Any, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = case.call(headers=headers, timeout=30)
    where = f"{case.method} {case.formatted_path}"
    assert response.status_code < 500, (
        f"{where} answered {response.status_code}: {response.text[:500]}"
    )
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", "")
        if isinstance(content_type, list):
            content_type = content_type[0]
        assert content_type.startswith("application/problem+json"), f"{where}: {content_type}"
        assert response.json()["status"] == response.status_code


@pytest.mark.parametrize("service", ["catalog", "events", "matching"])
def test_no_operation_answers_5xx_and_every_4xx_is_problem_json(
    fuzzed_stack: LocalStack, service: str
) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_stack.service_urls[service]}/openapi.json")
    tokens = [issue_token(fuzzed_stack.settings(), Role.organiser, "fuzzer"), None]
    # An operation whose schema is invalid comes as Err, with no ok(): the test fails on it.
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert operations
    calls = [0]
    for operation in operations:
        strategy = operation.as_strategy()

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case: Any) -> None:
            for token in tokens:
                _check(case, token)
                calls[0] += 1

        fuzz()
    print(f"{service}: {len(operations)} operations, {calls[0]} requests, no 5xx")
    assert calls[0] >= 2 * len(operations)
