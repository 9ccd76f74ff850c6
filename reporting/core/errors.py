"""Domain errors. Services raise these; one handler renders problem details."""

from __future__ import annotations

from typing import Any


class ReportingError(Exception):
    """Base of every error a client may see: message, HTTP status, stable code."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self, message: str, *, status: int | None = None, code: str | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.extra = extra


class NotFound(ReportingError):
    status = 404
    code = "not_found"


class Conflict(ReportingError):
    status = 409
    code = "conflict"


class Forbidden(ReportingError):
    status = 403
    code = "forbidden"


class Unauthorized(ReportingError):
    status = 401
    code = "unauthorized"


class InvalidInput(ReportingError):
    status = 422
    code = "invalid_input"


class Unavailable(ReportingError):
    status = 503
    code = "unavailable"
