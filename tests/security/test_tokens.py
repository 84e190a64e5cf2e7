"""Keys and tokens: the development keys serve only development and test, a key is a real
Ed25519 key, a token states when it was issued, lives at most a working day and names a
subject that is an identifier, and an issuer's key counts only for the roles it may issue. On
1d967a0 each of these tokens was accepted (signed there with the shared secret), and a service
started with the development secret in `staging`, or with a 16-character secret."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from deploy.local.stack import LocalStack, StackError
from shared.auth import ALGORITHM, Role, issue_token
from shared.keys import Issuer, development_pair, new_pair, signing_key
from shared.settings import Settings
from tests.helpers import unique

NOW = int(time.time())


def _token(
    settings: Settings, issuer: Issuer = Issuer.operator, key: str | None = None, **claims: object
) -> dict[str, str]:
    body: dict[str, object] = {
        "iss": issuer.value, "sub": "disperindag-ntt", "role": "organiser", "iat": NOW,
    }  # fmt: skip
    body |= {"exp": NOW + 600, **claims}
    body = {name: value for name, value in body.items() if value is not None}
    signing = signing_key(key or str(settings.key_of(issuer, "signing")), "signing key")
    return {"Authorization": f"Bearer {jwt.encode(body, signing, ALGORITHM)}"}


@pytest.mark.parametrize(
    "claims",
    [
        {"iat": None},
        {"exp": NOW + 30 * 24 * 3600},
        {"sub": "disperindag:ntt"},
        {"sub": "line\nbreak"},
        {"sub": "x" * 65},
        {"act": {"sub": "disperindag:ntt"}},
        {"iss": "temu-dagang"},
    ],
    ids=[
        "no-iat",
        "lives-30-days",
        "colon-in-subject",
        "newline-in-subject",
        "long-subject",
        "colon-in-actor",
        "unknown-issuer",
    ],
)
async def test_a_token_that_breaks_a_rule_is_refused_with_401(
    catalog: httpx.AsyncClient, settings: Settings, claims: dict[str, object]
) -> None:
    answer = await catalog.get(
        "/sellers", headers=_token(settings, Issuer.operator, None, **claims)
    )
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_token_that_keeps_the_rules_is_accepted(
    catalog: httpx.AsyncClient, settings: Settings
) -> None:
    assert (await catalog.get("/sellers", headers=_token(settings))).status_code == 200


async def test_the_web_apps_key_signs_people_never_a_service(
    catalog: httpx.AsyncClient, settings: Settings
) -> None:
    """Whoever holds the web app's key can speak for people, not for another service."""
    person = await catalog.get("/sellers", headers=_token(settings, Issuer.web))
    assert person.status_code == 200, person.text
    service = await catalog.get("/sellers", headers=_token(settings, Issuer.web, role="service"))
    assert service.status_code == 401
    assert "may not issue service" in service.json()["detail"]
    with pytest.raises(ValueError, match="may not issue"):
        issue_token(settings, Role.service, "catalog", issuer=Issuer.web)


async def test_a_token_signed_with_another_issuers_key_is_refused(
    catalog: httpx.AsyncClient, settings: Settings
) -> None:
    """The web app's key cannot pass for the operators', nor can a key nobody configured."""
    web_key = str(settings.key_of(Issuer.web, "signing"))
    for key in (web_key, new_pair().signing):
        answer = await catalog.get("/sellers", headers=_token(settings, Issuer.operator, key))
        assert answer.status_code == 401, answer.text


ANOTHER = new_pair()


@pytest.mark.parametrize(
    "keys",
    [
        {"ENVIRONMENT": "staging"},
        {"ENVIRONMENT": "Production", "WEB_VERIFY_KEY": ANOTHER.verify},
        {
            "ENVIRONMENT": " production",
            "OPERATOR_VERIFY_KEY": development_pair(Issuer.operator).verify,
            "WEB_VERIFY_KEY": ANOTHER.verify,
        },
        {
            "ENVIRONMENT": "production",
            "OPERATOR_VERIFY_KEY": "sixteen-chars-ok",
            "WEB_VERIFY_KEY": ANOTHER.verify,
        },
    ],
    ids=["staging-no-keys", "capitalised", "leading-space-dev-key", "not-a-key"],
)
def test_a_service_refuses_to_start_with_development_or_weak_keys_outside_development(
    stack: LocalStack, keys: dict[str, str]
) -> None:
    instance = unique("catalog-weak-key")
    try:
        with pytest.raises(StackError, match="exited early") as refused:
            stack.start_service("catalog", instance=instance, env=keys)
        assert "OPERATOR_VERIFY_KEY" in str(refused.value)
    finally:
        stack.service_urls.pop(instance, None)
        stack.service_processes.pop(instance).stop()
