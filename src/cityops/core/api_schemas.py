"""Schemas every API router shares: the one error body."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    """Every error the API answers: a machine-readable `code`, a translated `detail`, the `field` concerned."""

    code: str = Field(description="Machine-readable reason, e.g. invalid, not_found, unauthenticated.")
    detail: str = Field(description="Human-readable, in the request's language.")
    field: str | None = Field(None, description="The refused input, when the error is about one.")
    errors: list[dict[str, Any]] | None = Field(None, description="Every refused field, when there are several.")
