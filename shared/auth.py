"""Bearer JWT (EdDSA) with a role and a subject, and the CLI that prints one for local use.

Each issuer signs with its own Ed25519 key, and a service trusts an issuer's key only for the
roles that issuer may issue: the web app signs for people (never `service`), the operators'
command line for anyone. A token made while one person acts as another carries the actor in
the `act` claim (RFC 8693), so both appear in the logs and the audit.

python -m shared.auth --role organiser --subject disperindag-ntt
"""

from __future__ import annotations

import argparse
import logging
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Protocol

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, Unauthenticated
from shared.keys import ENVIRONMENT_PREFIX, Issuer, signing_key, verify_key
from shared.settings import MAX_TOKEN_SECONDS, Settings, get_settings

ALGORITHM = "EdDSA"
CLOCK_SKEW_SECONDS = 60  # between the issuer's clock and ours
# An account id: what every store keys by, so no ':' (Redis key separator) and no spaces.
SUBJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class Role(StrEnum):
    organiser = "organiser"
    delegate = "delegate"
    seller = "seller"
    service = "service"
    certifier = "certifier"  # trade-office staff who verify sellers' certificates


# Who may verify or reject a seller's certificate (organisers are trade-office staff too).
VERIFIERS = (Role.certifier, Role.organiser)
# The roles each issuer's key is trusted for: the web app signs only for the person signed in.
MAY_ISSUE: dict[Issuer, frozenset[Role]] = {
    Issuer.operator: frozenset(Role),
    Issuer.web: frozenset(Role) - {Role.service},
}
logger = logging.getLogger(__name__)


class RateLimits(Protocol):
    async def admit(self, principal: Principal) -> None:
        """Count one request; raise TooManyRequests past a limit."""


@dataclass(frozen=True)
class Principal:
    role: Role
    subject: str
    actor: str | None = None  # who acts as `subject` (an organiser), from the `act` claim

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise Forbidden(f"this needs one of the roles {allowed}; the token has {self.role}")

    @property
    def is_staff(self) -> bool:
        """Organisers and other services may act on anyone's data."""
        return self.role in (Role.organiser, Role.service)


def issue_token(
    settings: Settings,
    role: Role,
    subject: str,
    ttl_seconds: int | None = None,
    *,
    issuer: Issuer = Issuer.operator,
    actor: str | None = None,
) -> str:
    """A token signed with `issuer`'s key; an issuer cannot sign a role it may not issue."""
    if role not in MAY_ISSUE[issuer]:
        raise ValueError(f"{issuer.value} may not issue {role.value} tokens")
    name = f"{ENVIRONMENT_PREFIX[issuer]}_SIGNING_KEY"
    key = settings.key_of(issuer, "signing")
    if key is None:
        raise RuntimeError(f"{name} is not set, so this process cannot sign {issuer.value} tokens")
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": issuer.value,
        "sub": subject,
        "role": role.value,
        "iat": now,
        "exp": now + (ttl_seconds or settings.jwt_ttl_seconds),
    }
    if actor is not None:
        claims["act"] = {"sub": actor}
    return jwt.encode(claims, signing_key(key, name), algorithm=ALGORITHM)


def bearer(settings: Settings, role: Role, subject: str) -> dict[str, str]:
    """The Authorization header with a fresh token for `subject` in `role`, for clients."""
    return {"Authorization": f"Bearer {issue_token(settings, role, subject)}"}


def _refused(reason: str) -> Unauthenticated:
    return Unauthenticated(reason, field="Authorization")


def _issuer_of(token: str) -> Issuer:
    """The issuer a token claims, before its signature is checked against that issuer's key."""
    try:
        claimed = jwt.decode(token, options={"verify_signature": False}).get("iss")
        return Issuer(str(claimed))
    except (jwt.InvalidTokenError, ValueError) as unknown:
        raise _refused("the token names no known issuer") from unknown


def read_token(settings: Settings, token: str) -> Principal:
    """The principal a token names: signed by a known issuer's key, for a role that issuer
    may issue, issued at a stated time for at most MAX_TOKEN_SECONDS, and naming a subject
    (and any actor) that is an identifier."""
    issuer = _issuer_of(token)
    name = f"{ENVIRONMENT_PREFIX[issuer]}_VERIFY_KEY"
    key = settings.key_of(issuer, "verify")
    if key is None:
        raise _refused(f"this service trusts no {issuer.value} key")
    try:
        claims = jwt.decode(
            token,
            verify_key(key, name),
            algorithms=[ALGORITHM],
            issuer=issuer.value,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as expired:
        raise _refused("the token has expired") from expired
    except jwt.InvalidTokenError as invalid:
        raise _refused(f"the token is invalid: {invalid}") from invalid
    lifetime = claims["exp"] - claims["iat"]
    if not isinstance(lifetime, int | float) or lifetime > MAX_TOKEN_SECONDS:
        raise _refused(f"the token lives longer than {MAX_TOKEN_SECONDS} s")
    try:
        role = Role(str(claims.get("role")))
    except ValueError as unknown:
        raise _refused("the token names no known role") from unknown
    if role not in MAY_ISSUE[issuer]:
        raise _refused(f"{issuer.value} may not issue {role.value} tokens")
    subject = claims["sub"]
    if not isinstance(subject, str) or not SUBJECT.fullmatch(subject):
        raise _refused("the token's subject is not an identifier")
    acting = claims.get("act")
    actor = acting.get("sub") if isinstance(acting, dict) else acting
    if actor is not None and not (isinstance(actor, str) and SUBJECT.fullmatch(actor)):
        raise _refused("the token's actor (`act.sub`) is not an identifier")
    return Principal(role=role, subject=subject, actor=actor)


_bearer = HTTPBearer(
    auto_error=False, description="JWT from the web app or `python -m shared.auth`"
)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Principal:
    """The token's principal, once its request is counted against the subject's rate limits
    (a service puts them on `app.state.rate_limits`); FastAPI runs this once per request."""
    if credentials is None:
        raise Unauthenticated("send 'Authorization: Bearer <token>'", field="Authorization")
    principal = read_token(settings, credentials.credentials)
    if principal.actor is not None:
        logger.info(
            "%s %s as %s %s by %s",
            request.method,
            request.url.path,
            principal.role.value,
            principal.subject,
            principal.actor,
            extra={"subject": principal.subject, "actor": principal.actor},
        )
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    if limits is not None:
        await limits.admit(principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
# A router's `dependencies`: every route needs a valid token, reads included; those that decide
# by who asks also take the principal (FastAPI reads the token once per request).
AUTHENTICATED = [Depends(current_principal)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print a bearer token for local use and demos")
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument("--subject", required=True, help="who the token speaks for")
    parser.add_argument("--ttl", type=int, default=None, help="seconds until it expires")
    arguments = parser.parse_args(argv)
    print(issue_token(get_settings(), Role(arguments.role), arguments.subject, arguments.ttl))


if __name__ == "__main__":
    main()
