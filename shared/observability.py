"""Structured JSON logs, a correlation id carried from HTTP requests into event headers, and
Prometheus metrics."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from contextvars import ContextVar

from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest
from pythonjsonlogger.json import JsonFormatter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-correlation-id"
_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

REQUEST_SECONDS = Histogram(
    "http_request_seconds",
    "HTTP request duration",
    ["service", "method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def use_correlation_id(value: str | None) -> None:
    """Adopt the correlation id of the event being handled, so what it causes carries it on."""
    _correlation_id.set(value)


class _CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _correlation_id.get()
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )
    )
    handler.addFilter(_CorrelationFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))


class RequestContextMiddleware:
    """Sets the correlation id for the request (from the header or new) and times it."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Request(scope).headers.get(CORRELATION_HEADER, "")
        correlation_id = incoming if 0 < len(incoming) <= 64 else uuid.uuid4().hex
        token = _correlation_id.set(correlation_id)
        status = 500
        timer = REQUEST_SECONDS.labels  # bound late: route is known only after routing

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER.encode(), correlation_id.encode()))
                message["headers"] = headers
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            timer(self.service, scope["method"], path, str(status)).observe(
                time.perf_counter() - started
            )
            _correlation_id.reset(token)


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
