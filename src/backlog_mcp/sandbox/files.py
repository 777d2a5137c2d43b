"""Attachment bodies: small ones held as bytes, large ones generated while streaming.

A `FileBody` knows its size up front (for `Content-Length`) and yields its bytes in chunks, so a
30 MiB attachment never exists in memory as a whole.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

__all__ = ["CHUNK_SIZE", "FileBody", "jpeg_stub", "png_gradient", "small_file", "synthetic_log"]

CHUNK_SIZE = 64 * 1024
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class FileBody:
    size: int
    chunks: Callable[[], Iterator[bytes]]


def small_file(data: bytes) -> FileBody:
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(data), CHUNK_SIZE):
            yield data[start : start + CHUNK_SIZE]

    return FileBody(len(data), chunks)


def synthetic_log(size: int, seed: int) -> FileBody:
    """`size` bytes of plausible server-log text, the same bytes for the same seed."""

    def chunks() -> Iterator[bytes]:
        remaining = size
        line_no = 0
        while remaining > 0:
            block = bytearray()
            while len(block) < CHUNK_SIZE:
                block += _log_line(seed, line_no)
                line_no += 1
            piece = bytes(block[:remaining])
            remaining -= len(piece)
            yield piece

    return FileBody(size, chunks)


_LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "INFO", "ERROR", "INFO")
_PATHS = ("/api/v2/issues", "/api/v2/issues/count", "/api/v2/projects", "/api/v2/users/myself", "/view")


def _log_line(seed: int, n: int) -> bytes:
    # Arithmetic instead of random.Random: line n is computable without replaying lines 0..n-1.
    mix = (n * 2654435761 + seed * 40503) & 0xFFFFFFFF
    seconds = n // 7
    return (
        f"2025-11-{1 + (seconds // 86400) % 28:02d}T{(seconds // 3600) % 24:02d}:{(seconds // 60) % 60:02d}:"
        f"{seconds % 60:02d}Z {_LEVELS[mix % len(_LEVELS)]:<5} [worker-{mix % 8}] req={n:09d} "
        f"path={_PATHS[(mix >> 3) % len(_PATHS)]} status={200 if mix % 13 else 500} "
        f"elapsed={(mix >> 5) % 900 + 3}ms\n"
    ).encode()


@cache
def png_gradient(width: int = 64, height: int = 64) -> bytes:
    """A valid RGB PNG with a diagonal colour gradient."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type None for this scanline
        for x in range(width):
            rows += bytes((x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), 160))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def jpeg_stub() -> bytes:
    """JPEG magic (SOI + JFIF APP0) and an end marker: enough for type sniffing, not a picture."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\x00" * 64 + b"\xff\xd9"
