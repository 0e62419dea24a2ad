"""Checking uploaded images by their content, not their name or declared type; making thumbnails."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cityops.core.errors import PayloadTooLarge, UnsupportedMediaType

ALLOWED_IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def max_photo_bytes() -> int:
    return int(getattr(settings, "CITYOPS_MAX_PHOTO_BYTES", 10 * 1024 * 1024))


def check_image(upload: Any, *, field: str = "image", max_bytes: int | None = None) -> str:
    """Refuse anything but a real JPEG, PNG or WebP image within the size limit; return its format.

    Too large → PayloadTooLarge (413); not a readable image or another format → UnsupportedMediaType (415).
    """
    limit = max_bytes if max_bytes is not None else max_photo_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise PayloadTooLarge(_("A photo may be at most %(mb)s MB.") % {"mb": _megabytes(limit)}, field=field)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format or ""
            image.verify()  # reads the whole file: catches truncated or corrupt data
    except _UNREADABLE as exc:
        raise UnsupportedMediaType(_("The file is not a readable image."), field=field) from exc
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise UnsupportedMediaType(
            _("Photos must be JPEG, PNG or WebP, not %(format)s.") % {"format": image_format or "?"}, field=field
        )
    return image_format


def normalised_image(upload: Any, image_format: str) -> ContentFile:
    """The image turned upright by its EXIF orientation (the tag is dropped), in its own format.

    Phones store portrait photos sideways with an orientation tag that browsers and thumbnails treat
    differently; storing the pixels upright makes every viewer agree.
    """
    upload.seek(0)
    with Image.open(upload) as image:
        upright = ImageOps.exif_transpose(image)
        if upright is image:  # no orientation tag: keep the uploaded bytes untouched
            upload.seek(0)
            return ContentFile(upload.read())
        buffer = io.BytesIO()
        _save(upright, buffer, image_format)
    return ContentFile(buffer.getvalue())


def make_thumbnail(upload: Any, *, max_side: int = 320) -> ContentFile:
    """A JPEG no larger than `max_side` pixels on its longer side, upright."""
    upload.seek(0)
    with Image.open(upload) as image:
        thumb = ImageOps.exif_transpose(image)
        thumb.thumbnail((max_side, max_side))
        if thumb.mode not in ("RGB", "L"):
            # JPEG has no alpha: flatten transparent pixels onto white rather than black.
            background = Image.new("RGB", thumb.size, "white")
            rgba = thumb.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            thumb = background
        buffer = io.BytesIO()
        thumb.save(buffer, format="JPEG", quality=80)
    upload.seek(0)
    return ContentFile(buffer.getvalue())


def _save(image: Image.Image, buffer: io.BytesIO, image_format: str) -> None:
    if image_format == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image.save(buffer, format=image_format, **({"quality": 90} if image_format in ("JPEG", "WEBP") else {}))


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"
