"""Helpers of the cases API, selector and photo tests: points in the small city, real images."""

from __future__ import annotations

import io

from PIL import Image

# Points in the small city (cityops.testing.factories): 东区 spans lon 104.00–104.02, 西区 104.02–104.04.
EAST = (104.005, 30.015)  # 东区网格1 (510104001001001)
EAST_2 = (104.015, 30.015)  # 东区网格2
WEST = (104.025, 30.015)  # 西区网格1 (510105001001001)
OUTSIDE = (105.0, 31.0)
GARBAGE = "matter:06010"  # 暴露垃圾 (exposed garbage)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (640, 480), exif_orientation: int | None = None) -> bytes:
    """A real image made with Pillow; optionally tagged with an EXIF orientation."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    kwargs = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()
