"""Secrets and tokens: the development secret serves only development and test, a real secret
is long, and a token states when it was issued, lives at most a working day and names a
subject that is an identifier. On 1d967a0 each of these tokens was accepted, and a service
started with the development secret in `staging`, or with a 16-character secret."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from deploy.local.stack import LocalStack, StackError
from shared.auth import ALGORITHM, ISSUER
from shared.settings import DEVELOPMENT_JWT_SECRET, Settings
from tests.helpers import unique

NOW = int(time.time())


def _token(settings: Settings, **claims: object) -> dict[str, str]:
    body = {"iss": ISSUER, "sub": "disperindag-ntt", "role": "organiser", "iat": NOW}
    body |= {"exp": NOW + 600, **claims}
    body = {name: value for name, value in body.items() if value is not None}
    return {"Authorization": f"Bearer {jwt.encode(body, settings.jwt_secret, ALGORITHM)}"}


@pytest.mark.parametrize(
    "claims",
    [
        {"iat": None},
        {"exp": NOW + 30 * 24 * 3600},
        {"sub": "disperindag:ntt"},
        {"sub": "line\nbreak"},
        {"sub": "x" * 65},
    ],
    ids=["no-iat", "lives-30-days", "colon-in-subject", "newline-in-subject", "long-subject"],
)
async def test_a_token_that_breaks_a_rule_is_refused_with_401(
    catalog: httpx.AsyncClient, settings: Settings, claims: dict[str, object]
) -> None:
    answer = await catalog.get("/sellers", headers=_token(settings, **claims))
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_token_that_keeps_the_rules_is_accepted(
    catalog: httpx.AsyncClient, settings: Settings
) -> None:
    assert (await catalog.get("/sellers", headers=_token(settings))).status_code == 200


@pytest.mark.parametrize(
    ("environment", "secret"),
    [
        ("staging", DEVELOPMENT_JWT_SECRET),
        ("Production", DEVELOPMENT_JWT_SECRET),
        (" production", DEVELOPMENT_JWT_SECRET),
        ("production", "sixteen-chars-ok"),
    ],
    ids=["staging-dev-secret", "capitalised", "leading-space", "short-secret"],
)
def test_a_service_refuses_to_start_with_a_weak_secret_outside_development(
    stack: LocalStack, environment: str, secret: str
) -> None:
    instance = unique("catalog-weak-secret")
    try:
        with pytest.raises(StackError, match="exited early") as refused:
            stack.start_service(
                "catalog", instance=instance, env={"ENVIRONMENT": environment, "JWT_SECRET": secret}
            )
        assert "JWT_SECRET" in str(refused.value)
    finally:
        stack.service_urls.pop(instance, None)
        stack.service_processes.pop(instance).stop()
