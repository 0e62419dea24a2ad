"""Schemas every API router shares: the one error body."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import Strict

# Strict: JSON's true/false must not pass as 1/0 (pydantic's lax mode would read them as numbers); integers pass.
Longitude = Annotated[float, Strict(), Field(ge=-180, le=180, description="WGS-84 longitude, degrees.")]
Latitude = Annotated[float, Strict(), Field(ge=-90, le=90, description="WGS-84 latitude, degrees.")]
StrictMetres = Annotated[float, Strict(), Field(ge=0)]


class ErrorOut(Schema):
    """Every error the API answers: a machine-readable `code`, a translated `detail`, the `field` concerned."""

    code: str = Field(description="Machine-readable reason, e.g. invalid, not_found, unauthenticated.")
    detail: str = Field(description="Human-readable, in the request's language.")
    field: str | None = Field(None, description="The refused input, when the error is about one.")
    errors: list[dict[str, Any]] | None = Field(None, description="Every refused field, when there are several.")
