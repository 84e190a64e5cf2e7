"""The public APIs as the person signed in: every call carries a short-lived token the web app
signs for that account only (with the organiser's id in `act` while they act as someone), and
an API's problem+json comes back as ApiProblem, whose field errors a form shows in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

from services.web.accounts import Account
from shared.auth import Role, issue_token
from shared.keys import Issuer
from shared.settings import Settings

TOKEN_SECONDS = 300  # one page's worth of calls; a new token is cheap (an Ed25519 signature)


class Api(StrEnum):
    catalog = "catalog"
    events = "events"
    matching = "matching"


@dataclass(frozen=True)
class ApiFieldError:
    message: str  # the API's English
    code: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ApiProblem(Exception):
    """An API's refusal, as problem+json said it."""

    status: int
    detail: str
    kind: str
    errors: dict[str, ApiFieldError] = field(default_factory=dict)  # `body.name` → error
    rule: str | None = None  # the domain's code for a refusal naming no field
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.kind}: {self.detail}"

    @property
    def code(self) -> str:
        return self.rule or self.kind

    @property
    def params(self) -> dict[str, Any]:
        return self.values

    def field_errors(self, prefix: str = "body.") -> dict[str, ApiFieldError]:
        """The field errors under `prefix`, by the field's name within it."""
        return {
            name.removeprefix(prefix): error
            for name, error in self.errors.items()
            if name.startswith(prefix)
        }


def _problem(answer: httpx.Response) -> ApiProblem:
    try:
        body: dict[str, Any] = answer.json()
    except ValueError:
        body = {}
    errors = {
        str(error.get("field")): ApiFieldError(
            str(error.get("message", "")), error.get("code"), dict(error.get("params") or {})
        )
        for error in body.get("errors", [])
        if isinstance(error, dict) and error.get("field")
    }
    kind = str(body.get("type", "")).rsplit("/", 1)[-1] or "http-error"
    code = body.get("code")
    return ApiProblem(
        answer.status_code,
        str(body.get("detail", answer.reason_phrase)),
        kind,
        errors,
        str(code) if code else None,
        dict(body.get("params") or {}),
    )


@dataclass(frozen=True)
class Apis:
    """One connection pool per process for the three APIs."""

    client: httpx.AsyncClient
    settings: Settings

    def base_url(self, api: Api) -> str:
        return {
            Api.catalog: self.settings.catalog_url,
            Api.events: self.settings.events_url,
            Api.matching: self.settings.matching_url,
        }[api]

    def as_person(self, account: Account, actor: Account | None = None) -> PersonApis:
        token = issue_token(
            self.settings,
            Role(account.role.value),
            account.id,
            TOKEN_SECONDS,
            issuer=Issuer.web,
            actor=actor.id if actor is not None else None,
        )
        return PersonApis(self, {"Authorization": f"Bearer {token}"})


@dataclass(frozen=True)
class PersonApis:
    apis: Apis
    headers: dict[str, str]

    async def call(
        self,
        api: Api,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """The answer's JSON (None for 204); ApiProblem for any 4xx or 5xx."""
        answer = await self.apis.client.request(
            method,
            f"{self.apis.base_url(api)}{path}",
            params=params,
            json=json,
            headers=self.headers,
        )
        if answer.status_code >= 400:
            raise _problem(answer)
        return None if answer.status_code == 204 or not answer.content else answer.json()

    async def get(self, api: Api, path: str, **params: Any) -> Any:
        wanted = {name: value for name, value in params.items() if value is not None}
        return await self.call(api, "GET", path, params=wanted)

    async def post(self, api: Api, path: str, body: Any = None) -> Any:
        return await self.call(api, "POST", path, json=body)

    async def patch(self, api: Api, path: str, body: Any) -> Any:
        return await self.call(api, "PATCH", path, json=body)
