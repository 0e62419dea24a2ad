"""Checking uploaded photos by their content, not their name or declared type."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from cityops.core.errors import InvalidInput

MAX_PHOTO_BYTES = 10 * 1024 * 1024
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_photo(upload: Any) -> str:
    """Refuse anything but a real JPEG, PNG or WebP image of at most 10 MB; return its format."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise InvalidInput(_("A photo may be at most 10 MB."), field="image")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format or ""
            image.verify()  # reads the whole file: catches truncated or corrupt data
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput(_("The file is not a readable image."), field="image") from exc
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise InvalidInput(_("Photos must be JPEG, PNG or WebP, not %(format)s.") % {"format": image_format or "?"},
                           field="image")
    return image_format
