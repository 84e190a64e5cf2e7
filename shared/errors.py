"""Errors that end a request: raised anywhere, turned into problem+json (RFC 9457) in one place."""

from __future__ import annotations


class Problem(Exception):
    status = 400
    title = "Bad request"
    kind = "bad-request"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidField(Problem):
    status = 422
    title = "A field is invalid"
    kind = "invalid-field"


class Unauthenticated(Problem):
    status = 401
    title = "Authentication required"
    kind = "unauthenticated"


class Forbidden(Problem):
    status = 403
    title = "Not allowed"
    kind = "forbidden"


class NotFound(Problem):
    status = 404
    title = "Not found"
    kind = "not-found"


class Conflict(Problem):
    status = 409
    title = "Conflict with the current state"
    kind = "conflict"
