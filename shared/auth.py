"""Bearer JWT (HS256) with a role and a subject, and the CLI that prints one for local use.

python -m shared.auth --role organiser --subject disperindag-ntt
"""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Protocol

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, Unauthenticated
from shared.settings import MAX_TOKEN_SECONDS, Settings, get_settings

ALGORITHM = "HS256"
ISSUER = "temu-dagang"
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


class RateLimits(Protocol):
    async def admit(self, principal: Principal) -> None:
        """Count one request; raise TooManyRequests past a limit."""


@dataclass(frozen=True)
class Principal:
    role: Role
    subject: str

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise Forbidden(f"this needs one of the roles {allowed}; the token has {self.role}")

    @property
    def is_staff(self) -> bool:
        """Organisers and other services may act on anyone's data."""
        return self.role in (Role.organiser, Role.service)


def issue_token(
    settings: Settings, role: Role, subject: str, ttl_seconds: int | None = None
) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "role": role.value,
        "iat": now,
        "exp": now + (ttl_seconds or settings.jwt_ttl_seconds),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def bearer(settings: Settings, role: Role, subject: str) -> dict[str, str]:
    """The Authorization header with a fresh token for `subject` in `role`, for clients."""
    return {"Authorization": f"Bearer {issue_token(settings, role, subject)}"}


def read_token(settings: Settings, token: str) -> Principal:
    """The principal a token names: signed by us, issued at a stated time for at most
    MAX_TOKEN_SECONDS, for a known role and a subject that is an identifier."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as expired:
        raise Unauthenticated("the token has expired", field="Authorization") from expired
    except jwt.InvalidTokenError as invalid:
        raise Unauthenticated(
            f"the token is invalid: {invalid}", field="Authorization"
        ) from invalid
    lifetime = claims["exp"] - claims["iat"]
    if not isinstance(lifetime, int | float) or lifetime > MAX_TOKEN_SECONDS:
        raise Unauthenticated(
            f"the token lives longer than {MAX_TOKEN_SECONDS} s", field="Authorization"
        )
    try:
        role = Role(str(claims.get("role")))
    except ValueError as unknown:
        raise Unauthenticated("the token names no known role", field="Authorization") from unknown
    subject = claims["sub"]
    if not isinstance(subject, str) or not SUBJECT.fullmatch(subject):
        raise Unauthenticated("the token's subject is not an identifier", field="Authorization")
    return Principal(role=role, subject=subject)


_bearer = HTTPBearer(auto_error=False, description="JWT from `python -m shared.auth`")


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
