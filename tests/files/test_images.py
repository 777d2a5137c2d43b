"""Bytes that start like an image, and even carry a sane header, but hold nothing a model API can decode."""

from __future__ import annotations

import struct
import zlib

import pytest

from backlog_mcp.files.images import check_image, other_image_magic
from backlog_mcp.files.sniff import media_type
from tests.files.test_sniff import GIF, VP8, WEBP_EXTENDED, WEBP_LOSSY, _png


def _replace_idat(png: bytes, payload: bytes) -> bytes:
    at = png.index(b"IDAT") - 4
    length = struct.unpack(">I", png[at : at + 4])[0]
    chunk = (
        struct.pack(">I", len(payload)) + b"IDAT" + payload + struct.pack(">I", zlib.crc32(b"IDAT" + payload))
    )
    return png[:at] + chunk + png[at + 12 + length :]


def _webp(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


VP8_HEADER_THEN_JUNK = _chunk(b"VP8 ", b"\x00\x00\x00\x9d\x01\x2a\x03\x00\x02\x00" + b"junk" * 8)
ANMF_JUNK = _chunk(b"ANMF", bytes(16) + b"junk" * 4)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            _replace_idat(_png(5, 1), b"\x78\x9cgarbage, not deflate"),
            "IDAT) is not a valid compressed stream",
        ),
        (_replace_idat(_png(5, 1), b"garbage"), "IDAT) is not a valid compressed stream"),
        (_replace_idat(_png(5, 1), zlib.compress(b"\x09" * 16)), "starts with a filter no PNG uses"),
        (GIF[: GIF.index(b",") + 10] + b"\x00;", "LZW code size of 0"),
        (GIF[: GIF.index(b",") + 10] + b"\x08\x00;", "its image has no image data"),
        (GIF[: GIF.index(b",") + 10], "ends before the image does"),
        (_webp(VP8_HEADER_THEN_JUNK), "VP8 frame header has values no WebP uses"),
        (_webp(_chunk(b"VP8 ", VP8[8:11] + b"\x00\x00\x00" + VP8[14:])), "no key frame"),
        (_webp(_chunk(b"VP8L", b"\x2e" + bytes(8))), "VP8L chunk has a bad signature"),
        (WEBP_EXTENDED[:30], "no VP8, VP8L or animation frame chunk"),
        (_webp(WEBP_EXTENDED[12:30], ANMF_JUNK), "no VP8, VP8L or animation frame chunk"),
    ],
)
def test_an_image_whose_data_cannot_be_decoded_is_not_called_one(data: bytes, problem: str) -> None:
    check = check_image(data)
    assert check is not None
    assert check.problem is not None
    assert problem in check.problem, check.problem


def test_an_animated_webp_with_a_real_frame_parses() -> None:
    animated = _webp(WEBP_EXTENDED[12:30], _chunk(b"ANMF", bytes(16) + WEBP_LOSSY[12:]))
    check = check_image(animated)
    assert check is not None
    assert (check.problem, check.size) == (None, "3×2")


def _bmp(width: int = 2, height: int = 2) -> bytes:
    pixels = b"\x00\x00\xff\x00" * width * height
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 32, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 54) + info + pixels


def test_an_image_type_no_model_takes_inline_is_named_by_its_bytes_not_its_name() -> None:
    assert other_image_magic(_bmp()) == "image/bmp"
    assert media_type("photo.jpg", _bmp()) == "image/bmp"
    assert media_type("scan.png", b"II*\x00" + bytes(12)) == "image/tiff"
    assert media_type("IMG_0001.jpg", b"\x00\x00\x00\x18ftypheic" + bytes(12)) == "image/heic"
    assert other_image_magic(b"BMW sales report, Q3\n" * 3) is None  # text that starts with BM
    assert check_image(_bmp()) is None  # not a kind that could be sent as an image
