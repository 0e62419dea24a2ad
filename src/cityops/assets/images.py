"""Checking uploaded photos by their content, not their name or declared type."""

from __future__ import annotations

from typing import Any

from cityops.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from cityops.core.uploads import ALLOWED_IMAGE_FORMATS as ALLOWED_FORMATS  # noqa: F401  (re-exported)
from cityops.core.uploads import check_image

MAX_PHOTO_BYTES = 10 * 1024 * 1024


def validate_photo(upload: Any) -> str:
    """Refuse anything but a real JPEG, PNG or WebP image of at most 10 MB; return its format.

    The checks live in `cityops.core.uploads`; the census keeps answering 422 (field `image`) for them.
    """
    try:
        return check_image(upload, field="image", max_bytes=MAX_PHOTO_BYTES)
    except (PayloadTooLarge, UnsupportedMediaType) as exc:
        raise InvalidInput(exc.message, field="image") from exc
