"""Checking uploaded images by their content, not their name or declared type; storing them at a sensible size.

A photo is checked in two steps that never decode its pixels: the header gives format and dimensions (refused
above `CITYOPS_MAX_PHOTO_PIXELS`, so a small file that unpacks to gigabytes of pixels costs nothing), then
`verify()` reads the file's structure. Only an accepted photo is decoded, once, to store it upright, at most
`CITYOPS_PHOTO_MAX_EDGE` pixels on its longer side, without its metadata, with a JPEG thumbnail from the same pixels.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cityops.core.errors import PayloadTooLarge, UnsupportedMediaType

ALLOWED_IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, ValueError)
# Modes every encoder here writes and every resampling filter handles; others are converted first.
_PLAIN_MODES = frozenset({"L", "LA", "RGB", "RGBA"})


def max_photo_bytes() -> int:
    return int(getattr(settings, "CITYOPS_MAX_PHOTO_BYTES", 10 * 1024 * 1024))


def max_photo_pixels() -> int:
    return int(getattr(settings, "CITYOPS_MAX_PHOTO_PIXELS", 40_000_000))


def photo_max_edge() -> int:
    return int(getattr(settings, "CITYOPS_PHOTO_MAX_EDGE", 2560))


def check_image(upload: Any, *, field: str = "image", max_bytes: int | None = None) -> str:
    """Refuse anything but a real JPEG, PNG or WebP image within the size limits; return its format.

    Too many bytes or pixels → PayloadTooLarge (413); not a readable image or another format →
    UnsupportedMediaType (415). The pixels are counted from the header, before anything is decoded.
    """
    limit = max_bytes if max_bytes is not None else max_photo_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise PayloadTooLarge(_("A photo may be at most %(mb)s MB.") % {"mb": _megabytes(limit)}, field=field)
    try:
        upload.seek(0)
        with _bomb_warnings_silenced(), Image.open(upload) as image:  # lazy: reads the header only
            image_format = image.format or ""
            _check_pixels(image.size, field=field)
            image.verify()  # reads the file's structure (chunks, checksums) without decoding the pixels
    except Image.DecompressionBombError as exc:  # Pillow's own ceiling, twice its MAX_IMAGE_PIXELS
        raise _too_many_pixels(field) from exc
    except _UNREADABLE as exc:
        raise UnsupportedMediaType(_("The file is not a readable image."), field=field) from exc
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise UnsupportedMediaType(
            _("Photos must be JPEG, PNG or WebP, not %(format)s.") % {"format": image_format or "?"}, field=field
        )
    return image_format


def _check_pixels(dimensions: tuple[int, int], *, field: str) -> None:
    width, height = dimensions
    if width * height > max_photo_pixels():
        raise _too_many_pixels(field, width=width, height=height)


def _too_many_pixels(field: str, *, width: int | None = None, height: int | None = None) -> PayloadTooLarge:
    limit = {"mp": f"{max_photo_pixels() / 1_000_000:g}"}
    if width is None:
        return PayloadTooLarge(_("A photo may have at most %(mp)s megapixels.") % limit, field=field)
    return PayloadTooLarge(_("A photo may have at most %(mp)s megapixels; this one is %(w)d × %(h)d.")
                           % {**limit, "w": width, "h": height}, field=field)


@contextmanager
def _bomb_warnings_silenced() -> Iterator[None]:
    # Between Pillow's MAX_IMAGE_PIXELS and twice that, Image.open only warns; our own limit decides instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def oversized_format(field_file: Any) -> str | None:
    """The format of a stored photo larger than `CITYOPS_PHOTO_MAX_EDGE`, None when it is within it (or unreadable,
    or so large that Pillow refuses to open it: such a file is left as it is)."""
    try:
        with _bomb_warnings_silenced(), field_file.open("rb") as stored, Image.open(stored) as image:
            too_large = max(image.size) > photo_max_edge() and image.format in ALLOWED_IMAGE_FORMATS
            return image.format if too_large else None
    except (*_UNREADABLE, Image.DecompressionBombError):
        return None


@dataclass(frozen=True)
class PreparedPhoto:
    """What is stored of a checked upload: the image, its JPEG thumbnail (or None) and the image's size."""

    image: ContentFile
    thumbnail: ContentFile | None
    width: int
    height: int


def prepared_photo(upload: Any, image_format: str, *, max_edge: int | None = None,
                   thumbnail_side: int | None = 320) -> PreparedPhoto:
    """The photo decoded once: at most `max_edge` pixels on its longer side, upright, re-encoded without
    metadata in its own format, and a JPEG thumbnail of at most `thumbnail_side` pixels made from the same pixels.

    Phones store portrait photos sideways with an orientation tag that browsers and thumbnails treat
    differently; storing the pixels upright makes every viewer agree. Re-encoding drops the EXIF block, so a
    citizen's photo shown publicly does not carry the phone's GPS position or serial number.
    """
    edge = max_edge or photo_max_edge()
    upload.seek(0)
    with _bomb_warnings_silenced(), Image.open(upload) as image:
        # A CMYK or grey profile would mislabel the RGB pixels stored: only an RGB one is kept.
        icc_profile = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None
        # In place on the lazily opened image: a JPEG is then decoded at a reduced scale (draft), not in full.
        image.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        pixels = _plain(image)  # a copy with the same info, EXIF orientation included
        ImageOps.exif_transpose(pixels, in_place=True)
    upload.seek(0)
    return PreparedPhoto(
        image=ContentFile(_encoded(pixels, image_format, icc_profile)),
        thumbnail=ContentFile(_thumbnail(pixels, thumbnail_side)) if thumbnail_side else None,
        width=pixels.width, height=pixels.height,
    )


def _plain(image: Image.Image) -> Image.Image:
    """The decoded pixels in a mode every encoder and filter here handles (palette, 16-bit, CMYK converted)."""
    if image.mode in _PLAIN_MODES:
        return image.copy()
    has_alpha = image.mode in ("PA", "RGBa", "La") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _encoded(image: Image.Image, image_format: str, icc_profile: bytes | None) -> bytes:
    if image_format == "JPEG":
        image = _flattened(image)
    # PNG at zlib's default level: `optimize` took four times as long for a file 2 % smaller.
    options: dict[str, Any] = {"quality": 88} if image_format in ("JPEG", "WEBP") else {}
    if icc_profile:  # keep the colours of wide-gamut phone photos (Display P3) right
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _thumbnail(image: Image.Image, side: int) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    _flattened(thumb).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: transparent pixels go onto white rather than black."""
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"
