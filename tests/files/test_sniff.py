"""What a file is from its bytes: images by signature, text in the encodings Backlog users send."""

from __future__ import annotations

import codecs

from hypothesis import given
from hypothesis import strategies as st

from backlog_mcp.files.sniff import decode_text, image_type, is_text, media_type

CSV_JA = "回数,平均(ms)\r\n1,420\r\n"


def test_utf8_text_is_text_whatever_the_name() -> None:
    decoded = decode_text("README", "hello ünïcode\n".encode(), complete=True)
    assert decoded is not None
    assert (decoded.text, decoded.encoding) == ("hello ünïcode\n", "utf-8")


def test_a_shift_jis_csv_is_decoded_not_garbled() -> None:
    decoded = decode_text("結果.csv", CSV_JA.encode("cp932"), complete=True)
    assert decoded is not None
    assert (decoded.text, decoded.encoding) == ("回数,平均(ms)\n1,420\n", "cp932")


def test_shift_jis_is_only_guessed_for_files_named_as_text() -> None:
    assert decode_text("blob", CSV_JA.encode("cp932"), complete=True) is None


def test_byte_order_marks_decide_the_encoding() -> None:
    utf16 = decode_text("x.txt", CSV_JA.encode("utf-16"), complete=True)
    utf8_bom = decode_text("x.txt", codecs.BOM_UTF8 + "データ".encode(), complete=True)
    assert utf16 is not None
    assert utf16.text == "回数,平均(ms)\n1,420\n"
    assert utf8_bom is not None
    assert (utf8_bom.text, utf8_bom.encoding) == ("データ", "utf-8")


def test_a_log_with_a_stray_bad_byte_is_still_text() -> None:
    data = b"line one\n" * 50 + b"\xff broken\n" + b"line two\n" * 50
    decoded = decode_text("server.log", data, complete=True)
    assert decoded is not None
    assert "\ufffd broken" in decoded.text
    assert decoded.text.endswith("line two\n")


def test_binary_is_not_text() -> None:
    assert not is_text("data.csv", b"a,b\x00c")
    assert not is_text("blob.bin", bytes(range(256)))


@given(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=200),
    st.integers(1, 3),
)
def test_a_prefix_cut_inside_a_character_holds_that_character_back(text: str, cut: int) -> None:
    data = text.encode("utf-8")
    prefix = data[: max(0, len(data) - cut)]
    decoded = decode_text("notes.txt", prefix, complete=False)
    assert decoded is not None
    assert data.startswith(prefix[: decoded.used_bytes])
    assert decoded.text == prefix[: decoded.used_bytes].decode("utf-8").replace("\r\n", "\n")


def test_images_are_known_by_their_bytes_not_their_name() -> None:
    assert image_type(b"GIF89a....") == "image/gif"
    assert image_type(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert media_type("x.txt", b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert media_type("blob", bytes(range(256))) == "application/octet-stream"
