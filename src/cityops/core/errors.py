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
        body: dict = {"code": self.code, "detail": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["errors"] = self.details
        return body


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    """Missing, or outside the caller's data scope: the two look the same from outside."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller is known and in scope but lacks the role or token scope."""

    status = 403
    code = "forbidden"


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
