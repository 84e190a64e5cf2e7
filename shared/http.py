"""HTTP conventions every service shares: problem+json errors naming the field, pagination,
health and readiness, metrics, and the app assembly that wires them."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, ClassVar, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import Problem, TooManyRequests
from shared.observability import RequestContextMiddleware, metrics_response
from shared.paging import PageParams
from shared.web import SecurityHeaders, serve_docs

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
MAX_BODY_BYTES = 1_000_000
TOO_LARGE = f"the body must not exceed {MAX_BODY_BYTES} bytes"
T = TypeVar("T")


class Strict(BaseModel):
    """The base of every request body: an unknown field is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Patch(Strict):
    """The base of a PATCH body: a field left out stays as it is, and an explicit null is
    refused (naming the field) unless the field is one that may be cleared."""

    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_clearable(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.clearable:
            raise PydanticCustomError("not_null", "may be left out, but not null")
        return value


class RuleBroken(BaseModel):
    """What a client translates a refusal from, whether or not it names a field."""

    code: str | None = Field(
        None,
        description="The rule broken, for a client to translate: pydantic's error type "
        "(`missing`, `string_too_long`) or the domain's (`end-before-start`, `meeting-locked`)",
        examples=["end-before-start"],
    )
    params: dict[str, str | int | float] = Field(
        default_factory=dict, description="The rule's values (`max_length`, `minutes`)"
    )


class FieldError(RuleBroken):
    field: str
    message: str


def _plain(values: dict[str, Any]) -> dict[str, str | int | float]:
    return {
        name: value if isinstance(value, str | int | float) else str(value)
        for name, value in values.items()
    }


class ProblemDetails(RuleBroken):
    """RFC 9457 problem details; `field` names the first offending field."""

    type: str = Field(examples=["/problems/invalid-field"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetails, "content": {PROBLEM_JSON: {}}}
    for status in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}


def page_params(
    limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


# A listing route's `limit` and `offset` query parameters, as one parameter.
Paging = Annotated[PageParams, Depends(page_params)]


def problem(
    request: Request,
    status: int,
    kind: str,
    title: str,
    detail: str,
    field: str | None = None,
    errors: list[FieldError] | None = None,
    code: str | None = None,
    params: dict[str, str | int | float] | None = None,
) -> JSONResponse:
    body = ProblemDetails(
        type=f"/problems/{kind}",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        field=field,
        code=code,
        params=params or {},
        errors=errors or [],
    )
    return JSONResponse(body.model_dump(exclude_none=True), status, media_type=PROBLEM_JSON)


def _field_path(location: Sequence[int | str]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def field_errors(exc: RequestValidationError | ValidationError) -> list[FieldError]:
    """Each field a body broke, with the rule's code and values: a request's (`body.name`)
    or, for a model validated by hand (one row of a batch), relative to it (`name`)."""
    return [
        FieldError(
            field=_field_path(error["loc"]),
            message=error["msg"].removeprefix("Value error, "),
            code=error["type"],
            params=_plain(error.get("ctx") or {}),
        )
        for error in exc.errors()
    ]


def problem_errors(exc: Problem, relative: bool = True) -> list[FieldError]:
    """The fields a domain problem (and those found with it) names; `relative`: as the
    command names them (`name`), else as the request does (`body.name`)."""
    return [
        FieldError(
            field=(problem.field if relative else problem.request_field) or "",
            message=problem.detail,
            code=problem.code or problem.kind,
            params=problem.params,
        )
        for problem in (exc, *exc.others)
        if problem.field
    ]


async def _validation_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc)
    first = errors[0] if errors else FieldError(field="body", message="invalid request")
    return problem(
        request,
        422,
        "invalid-field",
        "A field is invalid",
        f"{first.field}: {first.message}",
        first.field,
        errors,
    )


async def _domain_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    field = exc.request_field
    errors = problem_errors(exc, relative=False)
    response = problem(
        request, exc.status, exc.kind, exc.title, exc.detail, field, errors, exc.code, exc.params
    )
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kinds = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}
    response = problem(
        request,
        exc.status_code,
        kinds.get(exc.status_code, "http-error"),
        str(exc.detail),
        str(exc.detail),
        "body" if exc.status_code == 413 else None,
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _storage_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("redis unavailable", extra={"path": request.url.path, "error": repr(exc)})
    response = problem(
        request, 503, "unavailable", "Temporarily unavailable",
        "storage is unreachable; retry shortly",
    )  # fmt: skip
    response.headers["Retry-After"] = "1"
    return response


async def _unexpected_problem(request: Request, _exc: Exception) -> JSONResponse:
    log.exception("unhandled error", extra={"path": request.url.path})
    return problem(request, 500, "internal", "Internal error", "the error was logged")


class BodySizeLimit:
    """Refuses bodies over MAX_BODY_BYTES while they are read, before anything else looks at
    the request (authentication included): a declared length at once, a chunked body as soon
    as its bytes pass the limit. What was read so far is all that is ever held."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
                response = JSONResponse(
                    ProblemDetails(
                        type="/problems/payload-too-large",
                        title="Payload too large",
                        status=413,
                        detail=TOO_LARGE,
                        field="body",
                    ).model_dump(exclude_none=True),
                    413,
                    media_type=PROBLEM_JSON,
                )
                await response(scope, receive, send)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    # FastAPI lets an HTTPException from reading the body through to the
                    # problem handler (any other error would become a 400).
                    raise StarletteHTTPException(413, TOO_LARGE)
            return message

        await self.app(scope, counted, send)


# What each problem `type` means: its URI (`/problems/<kind>`, relative to the service) serves
# this explanation, so a client or a person following it learns what went wrong.
PROBLEM_KINDS = {
    "invalid-field": "A field of the request breaks a rule; `field` names it (`body.name`, "
    "`query.table`, `path.expo_id`) and `errors` lists every field at fault.",
    "bad-request": "The request cannot be understood as it stands.",
    "unauthenticated": "Send a valid bearer token: `Authorization: Bearer <token>`.",
    "forbidden": "The token is valid, but its role and subject may not do this.",
    "not-found": "Nothing exists at this address, or nothing this token may see.",
    "conflict": "The request contradicts the current state (a status, a booking, a record "
    "made already); `detail` says what, and how to get there.",
    "payload-too-large": "The body exceeds the limit; send less.",
    "too-many-requests": "This token sent more requests than its rate limit allows; retry "
    "after `Retry-After` seconds.",
    "method-not-allowed": "This address does not take that method.",
    "unavailable": "Storage or the broker cannot be reached; retry after `Retry-After` seconds.",
    "internal": "An error on our side; it was logged with the request's correlation id.",
    "http-error": "An HTTP error without a more precise kind.",
}


async def _problem_page(kind: str) -> HTMLResponse:
    explanation = PROBLEM_KINDS.get(kind)
    if explanation is None:
        raise StarletteHTTPException(404, f"no problem kind {kind}")
    body = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(kind)}</title>"
        f"<h1>{html.escape(kind)}</h1><p>{html.escape(explanation)}</p></html>"
    )
    return HTMLResponse(body)


ReadinessCheck = Callable[[], Awaitable[object]]


def create_service_app(
    name: str,
    title: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    routers: Sequence[APIRouter],
    readiness_checks: Callable[[FastAPI], dict[str, ReadinessCheck]],
) -> FastAPI:
    app = FastAPI(
        title=title,
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
        docs_url=None,  # served from the service's own files (shared.web)
        redoc_url=None,
    )
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(Problem, _domain_problem)
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    app.add_exception_handler(RedisConnectionError, _storage_unavailable)
    app.add_exception_handler(RedisTimeoutError, _storage_unavailable)
    app.add_exception_handler(Exception, _unexpected_problem)
    app.add_middleware(RequestContextMiddleware, service=name)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit)
    serve_docs(app, title)
    for router in routers:
        app.include_router(router)

    app.add_api_route("/problems/{kind}", _problem_page, include_in_schema=False)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Redis and the broker are reachable")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for check_name, check in readiness_checks(app).items():
            try:
                await check()
                results[check_name] = "ok"
            except Exception as failure:
                results[check_name] = f"unavailable: {type(failure).__name__}"
        ready = all(value == "ok" for value in results.values())
        return JSONResponse({"ready": ready, "checks": results}, 200 if ready else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_model=None)
    async def metrics() -> object:
        if app.state.settings.metrics_port is not None:
            # Served on its own port, which a deployment keeps off the public network.
            raise StarletteHTTPException(404, "metrics are served on the metrics port")
        return metrics_response()

    return app
