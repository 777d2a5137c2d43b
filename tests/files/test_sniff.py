"""What a file is from its bytes: images by signature, text in the encodings Backlog users send."""

from __future__ import annotations

import codecs
import struct
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from backlog_mcp.files.images import check_image
from backlog_mcp.files.sniff import (
    DecodedText,
    decode_text,
    decode_window,
    image_type,
    is_text,
    media_type,
    why_not_text,
)
from backlog_mcp.files.window import CONTEXT_BYTES

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


def test_binary_is_not_text_and_the_reason_says_why() -> None:
    assert not is_text("blob.bin", bytes(range(256)))
    assert not is_text("dump.csv", bytes(range(32)) * 8)
    assert why_not_text("dump.csv", bytes(range(32)) * 8) == "binary: 84% control bytes"
    assert "name does not say text" in why_not_text("blob", "回数".encode("cp932") * 20)


def test_a_stray_nul_in_text_shows_as_a_replacement_character_not_binary() -> None:
    decoded = decode_text("danh-sách.csv", "id,tên\n1,Nguyễn\x00 Văn A\n".encode(), complete=True)
    assert decoded is not None
    assert (decoded.text, decoded.encoding) == ("id,tên\n1,Nguyễn\ufffd Văn A\n", "utf-8")
    # One NUL in an odd place is not the pattern of UTF-16.
    tiny = decode_text("data.csv", b"a,b\x00c", complete=True)
    assert tiny is not None
    assert (tiny.text, tiny.encoding) == ("a,b\ufffdc", "utf-8")


def test_euc_jp_is_told_from_shift_jis_by_which_reads_more_plausibly() -> None:
    minutes = "議事録: 来週の打ち合わせ\n参加者: 田中、鈴木\n"
    for encoding, name in (("euc_jp", "euc-jp"), ("cp932", "cp932")):
        decoded = decode_text("minutes.txt", minutes.encode(encoding), complete=True)
        assert decoded is not None
        assert (decoded.text, decoded.encoding) == (minutes, name)


def test_cp1252_is_the_last_resort_for_western_text_named_as_text() -> None:
    menu = "Menü du café «Chez Zoë»\nCrème brûlée — 4,50 €\n"
    decoded = decode_text("menu.txt", menu.encode("cp1252"), complete=True)
    assert decoded is not None
    assert (decoded.text, decoded.encoding) == (menu, "cp1252")
    assert decode_text("menu", menu.encode("cp1252"), complete=True) is None


def test_utf16_without_a_byte_order_mark_is_found_by_its_nuls() -> None:
    memo = "Ghi chú họp 会議メモ\nNgười tham dự: Tanaka\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        decoded = decode_text("memo", memo.encode(encoding), complete=True)
        assert decoded is not None
        assert (decoded.text, decoded.encoding) == (memo, encoding)
    # Little-endian 16-bit numbers have the same NULs, but read as text they are control characters.
    assert (
        decode_text("samples.txt", b"".join(n.to_bytes(2, "little") for n in range(1, 30)), complete=True)
        is None
    )


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=80))
@settings(max_examples=60)
def test_a_window_starting_at_any_byte_shows_only_whole_characters(text: str) -> None:
    for encoding, codec in (("utf-8", "utf-8"), ("utf-16-le", "utf-16-le"), ("euc-jp", "euc_jp")):
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            continue
        if data.decode(codec) != text:  # EUC-JP has no ¥ of its own: it comes back as a backslash
            continue
        if codec == "euc_jp" and b"\x8f" in data:
            # JIS X 0212's three-byte characters (0x8F lead) end in two bytes that are themselves
            # a valid character: a window starting inside one cannot be told from a whole one.
            continue
        for start in range(len(data)):
            window = decode_window(data[start:], encoding, start=start, complete=True)
            assert "\ufffd" not in window.text
            assert text.replace("\r\n", "\n").endswith(window.text)
            assert window.used_bytes == len(data) - start


@given(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=200),
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


# Made once with an imaging library: 3×2 pixels each.
GIF = (
    b"GIF87a\x03\x00\x02\x00\x81\x00\x00\xc8\x1e\x1e\x00\x00\x00\x00\x00\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x03\x00\x02\x00\x00\x08\x06\x00\x01\x08\x1c\x18\x10\x00;"
)
VP8 = (
    b"VP8 *\x00\x00\x00\x90\x01\x00\x9d\x01*\x03\x00\x02\x00\x02\xc0L%\xa0\x02t\xba\x00\x03\x98\x00"
    b"\xfe\xed\x90?\x88]\xecm\xbf\xfc\xf4\xcf\xebo\xe3\xff\x19\x00\x00\x00"
)
WEBP_LOSSY = b"RIFF6\x00\x00\x00WEBP" + VP8
WEBP_LOSSLESS = (
    b"RIFF\x1e\x00\x00\x00WEBPVP8L\x11\x00\x00\x00/\x02@\x00\x00\x07P\x8f"
    b'"\xd7\xa3\xff\x81\x88\xe8\x7f\x00\x00'
)
WEBP_EXTENDED = (
    b"RIFFX\x00\x00\x00WEBPVP8X\n\x00\x00\x00\x10\x00\x00\x00\x02\x00\x00\x01\x00\x00"
    b"ALPH\x07\x00\x00\x00\x00\x80\x80\x80\x80\x80\x80\x00" + VP8
)


def _png(width: int, height: int, *, depth: int = 8, data: bool = True) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, 2, 0, 0, 0))
    pixels = chunk(b"IDAT", zlib.compress(b"\x00" + b"\x80" * 3 * width)) if data else b""
    return b"\x89PNG\r\n\x1a\n" + header + pixels + chunk(b"IEND", b"")


def test_real_images_of_every_kind_parse_with_their_size() -> None:
    for data, kind in (
        (_png(5, 1), "image/png"),
        (GIF, "image/gif"),
        (WEBP_LOSSY, "image/webp"),
        (WEBP_LOSSLESS, "image/webp"),
        (WEBP_EXTENDED, "image/webp"),
    ):
        check = check_image(data)
        assert check is not None
        assert (check.kind, check.problem) == (kind, None)
        assert check.size == ("5×1" if kind == "image/png" else "3×2")


def test_bytes_that_only_start_like_an_image_have_a_problem_named() -> None:
    png = _png(5, 1)
    broken = {
        "no IHDR": b"\x89PNG\r\n\x1a\nnot a png at all",
        "fails its checksum": png[:29] + b"\x00\x00\x00\x00" + png[33:],
        "values no PNG uses": _png(5, 1, depth=3),
        "no image data (IDAT)": _png(5, 1, data=False),
        "impossible size (0×1)": _png(0, 1),
        "no frame header (SOFn)": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + bytes(64),
        "no image after its screen descriptor": GIF[:13] + b";",
        "ends before the image does": GIF[:8],
        "no key frame": WEBP_LOSSY[:23] + b"\x00" + WEBP_LOSSY[24:],
        "no VP8, VP8L": b"RIFF\x04\x00\x00\x00WEBP",
    }
    for problem, data in broken.items():
        check = check_image(data)
        assert check is not None
        assert check.problem is not None
        assert problem in check.problem, check.problem
    assert check_image(b"plain text") is None


def test_a_legacy_prefix_cut_inside_a_character_holds_that_character_back() -> None:
    minutes = "議事録: 来週の打ち合わせ\n" * 4
    for codec, encoding in (("euc_jp", "euc-jp"), ("cp932", "cp932"), ("utf-16-le", "utf-16-le")):
        data = minutes.encode(codec)
        prefix = data[: len(data) - len("\n".encode(codec)) - 1]  # "せ" cut in two
        decoded = decode_text("minutes.txt", prefix, complete=False)
        assert decoded is not None
        assert decoded.encoding == encoding
        assert decoded.text == minutes[:-2]
        assert decoded.used_bytes == len(data) - len("せ\n".encode(codec))


# Characters Shift_JIS and EUC-JP both have (kana, kanji, full-width forms), ASCII with line ends,
# half-width katakana (one byte in Shift_JIS, two in EUC-JP) and JIS X 0212 kanji (three bytes in EUC-JP).
_JAPANESE = st.sampled_from(
    [*"あいうえおがぱアイウエオヴー、。「」・日本語議事録添付参加者確認能表ＡＢ１２（）：", *"ｱｲｳﾞﾟ", *"丂丄"]
)
_ASCII = st.sampled_from([*"abcXYZ019 ,.:-#()", "\r\n", "\n", "\t"])
_TILING = (("utf-8", "utf-8"), ("utf-16-le", "utf-16-le"), ("cp932", "cp932"), ("euc_jp", "euc-jp"))


def _next_windows(data: bytes, encoding: str, length: int, context: int) -> list[DecodedText]:
    """The windows a reader gets by following Next from byte 0: each starts where the last ended."""
    windows, start = [], 0
    while start < len(data):
        end = start + length
        before = data[max(0, start - context) : start]
        window = decode_window(
            data[start:end], encoding, start=start, complete=end >= len(data), before=before
        )
        assert window.used_bytes > 0
        windows.append(window)
        start += window.used_bytes
    return windows


@given(st.lists(_JAPANESE | _ASCII, min_size=1, max_size=200).map("".join), st.integers(8, 80))
@settings(max_examples=60, deadline=None)
def test_the_windows_of_consecutive_next_calls_tile_the_text_exactly(text: str, length: int) -> None:
    for codec, encoding in _TILING:
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            continue  # JIS X 0212 kanji are not in Shift_JIS
        windows = _next_windows(data, encoding, length, CONTEXT_BYTES)
        assert [window.skipped_bytes for window in windows] == [0] * len(windows)
        assert "".join(window.text for window in windows) == text.replace("\r\n", "\n")


def test_a_window_finds_where_its_first_character_begins_from_the_bytes_kept_before_it() -> None:
    journal = "".join(f"2025-11-03 {n:04d} 在庫の引当に失敗しました（品番Ａ-{n}）ｱｲｳ\r\n" for n in range(40))
    for codec, encoding in (("cp932", "cp932"), ("euc_jp", "euc-jp")):
        data = journal.encode(codec)
        boundaries = {len(journal[:n].encode(codec)) for n in range(len(journal) + 1)}
        for start in range(200, 600):
            window = decode_window(
                data[start:], encoding, start=start, complete=True, before=data[start - 64 : start]
            )
            first = min(b for b in boundaries if b >= start)  # never past the character's own start
            assert window.skipped_bytes == first - start, (encoding, start)
            assert window.text == data[first:].decode(codec).replace("\r\n", "\n")


def test_chinese_read_as_japanese_kanji_is_labelled_a_guess_and_japanese_prose_is_not() -> None:
    chinese = decode_text(
        "日志.txt", "服务器日志\n错误发生在数据库连接\n".encode("gb18030") * 4, complete=True
    )
    assert chinese is not None
    assert chinese.encoding == "euc-jp"
    assert chinese.doubt is not None
    assert "may be Chinese (GBK/GB18030)" in chinese.doubt
    japanese = decode_text(
        "minutes.txt", "議事録: 来週の打ち合わせ\n参加者: 田中、鈴木\n".encode("euc_jp") * 3, complete=True
    )
    assert japanese is not None
    assert (japanese.encoding, japanese.doubt) == ("euc-jp", None)


def test_utf16_with_too_few_nuls_to_tell_it_by_is_read_when_nothing_else_reads_it_better() -> None:
    japanese = "会議メモ（十一月三日）参加者：田中、鈴木、グエン。決定事項：文字コードを統一する。\n"
    vietnamese = "Ghi chú họp: Người tham dự Nguyễn Văn An; kết luận dùng UTF-8 từ tháng sau\n"
    for text in (japanese, japanese * 3, vietnamese):
        for encoding in ("utf-16-le", "utf-16-be"):
            for name in ("memo.txt", "memo"):
                decoded = decode_text(name, text.encode(encoding), complete=True)
                assert decoded is not None, (text, encoding, name)
                assert (decoded.text, decoded.encoding) == (text, encoding)
    # Shift_JIS and EUC-JP bytes also decode as UTF-16, into kanji no one wrote: they read better as
    # themselves.
    for codec, encoding in (("cp932", "cp932"), ("euc_jp", "euc-jp")):
        decoded = decode_text("memo.txt", japanese.encode(codec), complete=True)
        assert decoded is not None
        assert (decoded.text, decoded.encoding) == (japanese, encoding)


def test_utf32_is_told_by_its_byte_order_mark_before_utf16s() -> None:
    memo = "議事録\nNgười tham dự 🙂\n"
    for codec, encoding in (("utf-32", "utf-32-le"), ("utf-32-be", "utf-32-be")):
        data = memo.encode(codec) if codec == "utf-32" else codecs.BOM_UTF32_BE + memo.encode(codec)
        decoded = decode_text("memo.txt", data, complete=True)
        assert decoded is not None
        assert (decoded.text, decoded.encoding, decoded.used_bytes) == (memo, encoding, len(data))
        window = decode_window(data[6:], encoding, start=6, complete=True, before=data[:6])
        assert (window.skipped_bytes, window.text) == (2, memo[1:])
