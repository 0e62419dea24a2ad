"""Domain errors: raised by services and selectors, mapped to HTTP statuses at the edge."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes; carries an HTTP-ish status and the offending field."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or []

    def as_dict(self) -> dict:
        # `field` is always present (null when the refusal is not about one field): one shape for every error.
        body: dict = {"code": self.code, "detail": self.message, "field": self.field or None}
        if self.details:
            body["errors"] = self.details
        return body


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class MalformedBody(InvalidInput):
    """A request body that cannot be parsed at all (not JSON, not a form): nothing to name but the body."""

    code = "malformed_body"


class NotFound(DomainError):
    """Missing, or outside the caller's data scope: the two look the same from outside."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller is known and in scope but lacks the role or token scope."""

    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    """A logged-in browser session sent an unsafe request without a valid CSRF token."""

    code = "csrf_failed"


class MethodNotAllowed(DomainError):
    status = 405
    code = "method_not_allowed"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    """An upload larger than the configured limit."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """An upload whose content is not of an accepted type (checked by content, not by name)."""

    status = 415
    code = "unsupported_media_type"
