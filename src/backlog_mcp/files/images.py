"""Whether bytes that start like an image really are one: the header parsed, not just the magic.

Model APIs reject an image they cannot decode, and some clients then fail the whole turn; so an
image goes to the model only when its header parses: PNG's IHDR (and image data after it), a
JPEG frame header (SOFn) before its scan, GIF's screen descriptor and an image in it, WebP's
VP8/VP8L/VP8X chunk. Hand-parsed: a few dozen lines instead of an imaging library.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

__all__ = ["ImageCheck", "check_image", "image_magic", "other_image_magic"]

_PNG = b"\x89PNG\r\n\x1a\n"
_MAGIC = (
    (_PNG, "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# Sides past this are not a picture anyone attached (JPEG and GIF cannot even say more).
_MAX_SIDE = 65535
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
# SOF0–SOF15 less DHT (C4), JPG (C8) and DAC (CC), which share the range.
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


@dataclass(frozen=True, slots=True)
class ImageCheck:
    kind: str
    """The media type its first bytes claim (`image/png`, …)."""
    width: int = 0
    height: int = 0
    problem: str | None = None
    """Why it is not a decodable image, as a clause ("its header has no frame (SOFn) …"); None if it is."""

    @property
    def size(self) -> str:
        return f"{self.width}×{self.height}"


def image_magic(head: bytes) -> str | None:
    """PNG, JPEG, GIF or WebP by signature alone, whatever the name says."""
    for signature, kind in _MAGIC:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


_BMP_INFO_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_HEIF_BRANDS = {b"heic": "image/heic", b"heix": "image/heic", b"mif1": "image/heif", b"avif": "image/avif"}


def other_image_magic(head: bytes) -> str | None:
    """Images model APIs do not take inline (BMP, TIFF, HEIC/HEIF, AVIF), by signature: so that a
    bitmap named `photo.jpg` is called what it is, not what its name says."""
    if (
        head[:2] == b"BM"
        and head[6:10] == bytes(4)
        and int.from_bytes(head[14:18], "little") in _BMP_INFO_SIZES
    ):
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return _HEIF_BRANDS.get(head[8:12])
    return None


def check_image(data: bytes) -> ImageCheck | None:
    """None when `data` does not even start like an image; else what its header says, or its problem."""
    kind = image_magic(data)
    if kind is None:
        return None
    parse = {"image/png": _png, "image/jpeg": _jpeg, "image/gif": _gif, "image/webp": _webp}[kind]
    try:
        width, height = parse(data)
    except _HeaderError as bad:
        return ImageCheck(kind, problem=str(bad))
    except (struct.error, IndexError):
        return ImageCheck(kind, problem="its header ends before the image does")
    if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
        impossible = f"its header gives an impossible size ({width}×{height})"
        return ImageCheck(kind, width, height, problem=impossible)
    return ImageCheck(kind, width, height)


class _HeaderError(Exception):
    """The header does not parse; the message says how, as a clause."""


def _png(data: bytes) -> tuple[int, int]:
    if data[8:16] != b"\x00\x00\x00\x0dIHDR":
        raise _HeaderError("it has no IHDR header after the PNG signature")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if struct.unpack(">I", data[29:33])[0] != zlib.crc32(data[12:29]):
        raise _HeaderError("its IHDR header fails its checksum")
    if depth not in _PNG_DEPTHS.get(colour, ()) or (compression, filtering) != (0, 0) or interlace > 1:
        raise _HeaderError("its IHDR header has values no PNG uses")
    at = 33
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        if kind == b"IDAT":
            _zlib_start(data[at + 8 : at + 8 + length])
            return width, height
        if kind == b"IEND":
            break
        at += 12 + length
    raise _HeaderError("it has no image data (IDAT)")


def _zlib_start(payload: bytes) -> None:
    """The first bytes of the image data start a zlib stream, whose first scanline has a PNG filter."""
    try:
        pixels = zlib.decompressobj().decompress(payload, 64)
    except zlib.error:
        raise _HeaderError("its image data (IDAT) is not a valid compressed stream") from None
    if pixels[:1] > b"\x04":
        raise _HeaderError("its image data (IDAT) starts with a filter no PNG uses")


def _jpeg(data: bytes) -> tuple[int, int]:
    at, size = 2, None
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker in _JPEG_STANDALONE:
            at += 2
            continue
        if marker == 0xD9:
            break
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if length < 2:
            break
        if marker in _JPEG_FRAMES:
            height, width, components = struct.unpack(">HHB", data[at + 5 : at + 10])
            if not 1 <= components <= 4:
                raise _HeaderError(f"its frame header lists {components} colour components")
            size = (width, height)
        elif marker == 0xDA:
            if size is None:
                break
            if at + 2 + length >= len(data):
                raise _HeaderError("it ends before its image data")
            return size
        at += 2 + length
    if size is None:
        raise _HeaderError("it has no frame header (SOFn) before its image data")
    raise _HeaderError("it has no image data (SOS) after its frame header")


def _gif(data: bytes) -> tuple[int, int]:
    width, height, flags = struct.unpack("<HHB", data[6:11])
    at = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while at < len(data):
        block = data[at]
        if block == 0x2C:  # image descriptor, its colour table, then LZW-compressed sub-blocks
            local = data[at + 9]
            at += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            if not 2 <= data[at] <= 8:
                raise _HeaderError(
                    f"its image data starts with an LZW code size of {data[at]} (2 to 8 are valid)"
                )
            if not data[at + 1]:
                raise _HeaderError("its image has no image data")
            return width, height
        if block != 0x21:  # only extensions may come before the first image
            break
        at += 2
        while data[at]:
            at += data[at] + 1
        at += 1
    raise _HeaderError("it has no image after its screen descriptor")


def _webp(data: bytes) -> tuple[int, int]:
    at = 12
    extended: tuple[int, int] | None = None
    while at + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[at : at + 8])
        payload = data[at + 8 : at + 8 + length]
        if kind in (b"VP8 ", b"VP8L"):
            size = _vp8(payload, length) if kind == b"VP8 " else _vp8l(payload)
            return extended or size
        if kind == b"VP8X":
            extended = (
                1 + int.from_bytes(payload[4:7], "little"),
                1 + int.from_bytes(payload[7:10], "little"),
            )
        elif kind == b"ANMF" and extended:
            _webp(b"RIFF\x00\x00\x00\x00WEBP" + payload[16:])  # the frame's own image chunk
            return extended
        at += 8 + length + (length & 1)
    raise _HeaderError("it has no VP8, VP8L or animation frame chunk")


def _vp8(payload: bytes, length: int) -> tuple[int, int]:
    # A key frame's 3-byte tag (frame type 0, version 0–3, shown, first partition's size), the
    # start code 9d 01 2a, then 14-bit sides; the first partition must fit in the chunk.
    tag = int.from_bytes(payload[0:3], "little")
    if payload[3:6] != b"\x9d\x01\x2a" or tag & 1:
        raise _HeaderError("its VP8 chunk has no key frame")
    partition = tag >> 5
    if (tag >> 1) & 7 > 3 or not (tag >> 4) & 1 or not 0 < partition <= length - 10:
        raise _HeaderError("its VP8 frame header has values no WebP uses")
    if len(payload) < 11:
        raise _HeaderError("it ends before its image data")
    width, height = struct.unpack("<HH", payload[6:10])
    return width & 0x3FFF, height & 0x3FFF


def _vp8l(payload: bytes) -> tuple[int, int]:
    bits = struct.unpack("<I", payload[1:5])[0]
    if payload[0] != 0x2F or bits >> 29:
        raise _HeaderError("its VP8L chunk has a bad signature")
    if len(payload) < 6:
        raise _HeaderError("it ends before its image data")
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
