"""Schemas every API router shares: the one error body."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import Strict

# In JSON bodies numbers and booleans are strict: JSON's true/false must not pass as 1/0, nor 0/"yes" as a
# boolean (pydantic's lax mode reads them so). Integers still pass as numbers. Query and form values arrive as
# text and are parsed, so their types (the *Param ones) stay lax; their bounds are the same.
Longitude = Annotated[float, Strict(), Field(ge=-180, le=180, description="WGS-84 longitude, degrees.")]
Latitude = Annotated[float, Strict(), Field(ge=-90, le=90, description="WGS-84 latitude, degrees.")]
LongitudeParam = Annotated[float, Field(ge=-180, le=180, description="WGS-84 longitude, degrees.")]
LatitudeParam = Annotated[float, Field(ge=-90, le=90, description="WGS-84 latitude, degrees.")]
Version = Annotated[int, Strict(), Field(ge=1, description="The case version you saw (from the case's `version`).")]
StrictMetres = Annotated[float, Strict(), Field(ge=0)]


class ErrorOut(Schema):
    """Every error the API answers: a machine-readable `code`, a translated `detail`, the `field` concerned."""

    code: str = Field(description="Machine-readable reason, e.g. invalid, not_found, unauthenticated.")
    detail: str = Field(description="Human-readable, in the request's language.")
    field: str | None = Field(None, description="The refused input, when the error is about one.")
    errors: list[dict[str, Any]] | None = Field(None, description="Every refused field, when there are several.")
