"""Secrets and tokens: the development secret serves only development and test, a real secret
is long, and a token states when it was issued, lives at most a working day and names a
subject that is an identifier. On 1d967a0 each of these tokens was accepted, and a service
started with the development secret in `staging`, or with a 16-character secret."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import jwt
import pytest

from deploy.local.stack import REPO_ROOT, LocalStack, free_port
from shared.auth import ALGORITHM, ISSUER
from shared.settings import DEVELOPMENT_JWT_SECRET, Settings

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
    env = {
        **os.environ,
        **stack.environment(),
        "ENVIRONMENT": environment,
        "JWT_SECRET": secret,
        "SERVICE_NAME": "catalog",
    }
    command = [sys.executable, "-m", "uvicorn", "services.catalog.app:app"]
    command += ["--host", "127.0.0.1", "--port", str(free_port())]
    started = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        output, _ = started.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        started.kill()
        started.communicate()
        pytest.fail(f"the service ran with ENVIRONMENT={environment!r} and a weak JWT_SECRET")
    assert started.returncode != 0
    assert b"JWT_SECRET" in output
