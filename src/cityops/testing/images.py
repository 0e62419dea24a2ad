"""Images for tests and benchmarks that would be costly to make with Pillow."""

from __future__ import annotations

import struct
import zlib


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG of `width` × `height` white pixels, compressed to a few hundred kilobytes (a decompression bomb).

    Written row by row with zlib, so making it costs no memory; 12,000 × 12,000 RGB unpacks to 432 MB.
    """
    row = b"\x00" + b"\xff" * (width * 3)  # filter type 0, then the row's RGB bytes
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
