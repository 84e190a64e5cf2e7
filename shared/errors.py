"""Errors that end a request: raised anywhere, turned into problem+json (RFC 9457) in one place."""

from __future__ import annotations


class Problem(Exception):
    status = 400
    title = "Bad request"
    kind = "bad-request"
    location: str | None = None  # where `field` lies in an HTTP request, when it is relative

    def __init__(
        self,
        detail: str,
        field: str | None = None,
        *,
        code: str | None = None,
        params: dict[str, str | int | float] | None = None,
    ) -> None:
        """`code` names the rule broken (`end-before-start`), `params` its values, so that a
        client (the web app) can say it in its reader's language; `detail` says it in English."""
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.code = code
        self.params = params or {}
        self.others: list[Problem] = []  # more of the same kind, found by the same check

    @classmethod
    def all_of(cls, problems: list[Problem]) -> Problem:
        """One error for every problem a check found (the first leads), so a form shows them
        all at once instead of one per attempt."""
        first = problems[0]
        first.others = problems[1:]
        return first

    @property
    def request_field(self) -> str | None:
        """The field as an HTTP answer names it (`body.sessions[0].day`)."""
        if self.field is None or self.location is None:
            return self.field
        return f"{self.location}.{self.field}"


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


class TooManyRequests(Problem):
    status = 429
    title = "Too many requests"
    kind = "too-many-requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after  # seconds, for the Retry-After header


# -- what domain code raises: fields named relative to the command ----------------------------
class InvalidCommand(InvalidField):
    """A command breaks a rule of the domain. `field` is relative to the command
    (`sessions[0].day`); the HTTP layer, where the command is the request body, answers with
    `body.sessions[0].day`. Pure code thus never names an HTTP location."""

    location = "body"


class CommandConflict(Conflict):
    """A command the current state does not allow; `field` relative to the command."""

    location = "body"


class CommandNotFound(NotFound):
    """A command names something that does not exist; `field` relative to the command."""

    location = "body"


class InvalidParameter(InvalidField):
    """A query parameter breaks a rule; `field` is the parameter's name."""

    location = "query"


class ParameterNotFound(NotFound):
    """A query parameter names something that does not exist; `field` is its name."""

    location = "query"
