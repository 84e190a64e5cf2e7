"""Tokens without a service: who signs what, and the actor of "act as" carried through."""

from __future__ import annotations

import pytest

from shared.auth import Role, issue_token, read_token
from shared.errors import Unauthenticated
from shared.keys import Issuer
from shared.settings import Settings

SETTINGS = Settings(environment="test")


def test_a_token_made_while_acting_as_someone_names_both_people() -> None:
    token = issue_token(
        SETTINGS, Role.delegate, "kenji-watanabe", issuer=Issuer.web, actor="disperindag-ntt"
    )
    principal = read_token(SETTINGS, token)
    assert (principal.role, principal.subject, principal.actor) == (
        Role.delegate, "kenji-watanabe", "disperindag-ntt",
    )  # fmt: skip


def test_the_web_app_signs_for_people_only() -> None:
    for role in (Role.organiser, Role.certifier, Role.delegate, Role.seller):
        assert (
            read_token(SETTINGS, issue_token(SETTINGS, role, "x", issuer=Issuer.web)).role is role
        )
    with pytest.raises(ValueError, match="may not issue service"):
        issue_token(SETTINGS, Role.service, "catalog", issuer=Issuer.web)


def test_a_service_that_trusts_another_web_key_refuses_the_token() -> None:
    from shared.keys import new_pair

    elsewhere = Settings(environment="test", web_verify_key=new_pair().verify)
    token = issue_token(SETTINGS, Role.organiser, "disperindag-ntt", issuer=Issuer.web)
    with pytest.raises(Unauthenticated, match="invalid"):
        read_token(elsewhere, token)
