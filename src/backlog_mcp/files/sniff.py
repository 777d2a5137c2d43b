"""What a file is, from its first bytes and its name (Backlog sends application/octet-stream)."""

from __future__ import annotations

import codecs
import dataclasses
import mimetypes
import re
from dataclasses import dataclass
from pathlib import PurePath

from backlog_mcp.files.images import image_magic, other_image_magic

__all__ = [
    "TEXT_SUFFIXES",
    "DecodedText",
    "decode_text",
    "decode_window",
    "image_type",
    "is_text",
    "media_type",
    "why_not_text",
]

TEXT_SUFFIXES = frozenset({
    ".txt", ".text", ".csv", ".tsv", ".json", ".md", ".markdown", ".log", ".xml", ".yaml", ".yml", ".ini",
    ".cfg", ".conf", ".toml", ".sql", ".html", ".htm", ".py", ".js", ".ts", ".java", ".kt", ".go", ".rb",
    ".php", ".sh", ".properties", ".diff", ".patch",
})  # fmt: skip

image_type = image_magic  # by signature: enough to name a type, not to send as an image (see images.py)


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str
    """The codec's name: `utf-8`, `utf-16-le`, `cp932` (Shift_JIS as Windows and Excel write it), …"""
    used_bytes: int
    """How many of the bytes the text stands for: a character cut by the end of a prefix is left out."""
    skipped_bytes: int = 0
    """Bytes left out at the start: a byte-order mark, or the rest of a character a window began inside."""
    doubt: str | None = None
    """Why the encoding is only a guess, as a clause; None when the text reads as what it is."""


_BOMS = (  # UTF-32's marks first: little-endian UTF-32's starts with UTF-16's
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control characters no text has; a stray one (a NUL in a CSV) is shown as U+FFFD, many make it binary.
# Tab, line ends, form feed and ESC (coloured logs) are text.
_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F))
_HIDE_CONTROLS = str.maketrans(dict.fromkeys(_CONTROLS + "".join(map(chr, range(0x80, 0xA0))), "\ufffd"))
_CONTROL_BYTES = frozenset(_CONTROLS.encode("ascii"))
_IMPLAUSIBLE = re.compile("[\ufffd\x80-\x9f\ue000-\uf8ff" + re.escape(_CONTROLS) + "]")
_HALF_WIDTH_KANA = re.compile("[\uff61-\uff9f]")
# Western text has accented letters one or two at a time; three non-ASCII in a row read as cp1252
# are another encoding's multi-byte characters, and some cp1252 letters and marks are too rare to
# be the likelier reading of a stray byte (0xFF is ÿ).
_UNWESTERN = re.compile("[^\x00-\x7f]{3,}|[ÿþðÞÐ¦¨¯´¸ˆ˜ƒ‰]")
# Tried in order, for a file named as text that is not UTF-8 or UTF-16; the one with the fewest
# implausible characters wins. Japanese teams' CSVs and logs come from Windows tools in Shift_JIS
# or from older Unix systems in EUC-JP; cp1252 (which reads any bytes) is the Western last resort.
_LEGACY_ENCODINGS = ("cp932", "euc-jp", "cp1252")


def _implausible(text: str, encoding: str) -> int:
    count = len(_IMPLAUSIBLE.findall(text))
    if encoding in ("cp932", "euc-jp"):
        count += len(_HALF_WIDTH_KANA.findall(text))
    elif encoding == "cp1252":
        count += sum(len(run) for run in _UNWESTERN.findall(text))
    return count


def _allowance(text: str) -> int:
    """How many implausible characters text may have and still be shown: two, or one in fifty."""
    return max(2, len(text) // 50)


def _decode(data: bytes, encoding: str, *, complete: bool, strict: bool = True) -> DecodedText | None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict" if strict else "replace")
    try:
        text = decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        return None
    pending = len(decoder.getstate()[0])
    if pending > 3:  # more than one cut character: not this encoding
        return None
    if not complete and text.endswith("\r"):
        # Its "\n" may open the next window: held back, the pair stays one line end.
        text, pending = text[:-1], pending + len("\r".encode(encoding))
    # Windows line ends cost tokens and say nothing to a reader.
    text = text.replace("\r\n", "\n")
    return DecodedText(text=text, encoding=encoding, used_bytes=len(data) - pending)


def _shown(decoded: DecodedText, skipped: int = 0) -> DecodedText:
    return DecodedText(
        text=decoded.text.translate(_HIDE_CONTROLS),
        encoding=decoded.encoding,
        used_bytes=decoded.used_bytes + skipped,
        skipped_bytes=skipped,
    )


def decode_text(name: str, data: bytes, *, complete: bool) -> DecodedText | None:
    """The text in `data` if it is text, else None (`why_not_text` says why).

    Tried in order: a byte-order mark (UTF-8, UTF-32, UTF-16); UTF-8; UTF-16 without a mark
    (told by where its NULs fall, or, with too few NULs, by reading as kana, kanji and letters);
    and for a file named as text (`.csv`, `.log`, …) Shift_JIS, EUC-JP or cp1252, whichever
    reads it with the fewest implausible characters (kanji without kana is labelled a guess).
    A stray control byte (a NUL) is shown as U+FFFD; many make it binary. `complete` says
    `data` is the whole file; a prefix may end inside a character, which is held back
    (`used_bytes`) rather than garbled.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            decoded = _decode(data[len(bom) :], encoding, complete=complete, strict=False)
            return _shown(decoded, len(bom)) if decoded else None
    named_as_text = PurePath(name).suffix.lower() in TEXT_SUFFIXES
    if not data:
        return DecodedText(text="", encoding="utf-8", used_bytes=0) if named_as_text else None
    candidates = [_decode(data, "utf-8", complete=complete)]
    if utf16 := _utf16_by_nuls(data):
        candidates.append(_decode(data, utf16, complete=complete))
    if named_as_text and candidates[0] is None:
        # A UTF-8 log with a stray bad byte or two is still that log, unless another encoding
        # reads it more plausibly.
        candidates.append(_decode(data, "utf-8", complete=complete, strict=False))
        candidates += [_decode(data, e, complete=complete, strict=False) for e in _LEGACY_ENCODINGS]
    if candidates[0] is None and utf16 is None:
        candidates += _utf16_without_nuls(data, complete=complete)  # last: the others win a tie
    scored = [(_implausible(c.text, c.encoding), n, c) for n, c in enumerate(candidates) if c is not None]
    if not scored:
        return None
    score, _, best = min(scored, key=lambda item: item[:2])
    if score > _allowance(best.text):
        return None
    return dataclasses.replace(_shown(best), doubt=_doubt(best))


_KANA = re.compile("[\u3041-\u30ff\uff66-\uff9d]")
_IDEOGRAPHS = re.compile("[\u4e00-\u9fff]")


def _doubt(decoded: DecodedText) -> str | None:
    """Chinese in GB2312/GBK reads as valid kanji in EUC-JP (and some in Shift_JIS); Japanese prose
    has kana, so many kanji and no kana is worth a warning (a list of names may truly have none)."""
    if decoded.encoding not in ("cp932", "euc-jp") or _KANA.search(decoded.text):
        return None
    if len(_IDEOGRAPHS.findall(decoded.text)) < 10:
        return None
    return "a guess: kanji without any kana, so it may be Chinese (GBK/GB18030) shown wrongly"


def _utf16_by_nuls(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: Latin text has a NUL in every other byte, on one side."""
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    enough = max(2, pairs // 10)  # a stray NUL or two in UTF-8 text is not a pattern
    if odd >= enough and even * 10 <= odd:
        return "utf-16-le"
    if even >= enough and odd * 10 <= even:
        return "utf-16-be"
    return None


# What UTF-16 text with few NULs (little ASCII) is written in: kana, CJK punctuation and ideographs,
# Hangul, full-width forms, Vietnamese letters; the same bytes read the other way round, or bytes
# of another encoding read as UTF-16, land mostly elsewhere.
_UTF16_PLAUSIBLE = re.compile(
    "[\t\n\r -~\u00a0-\u024f\u1e00-\u1eff\u2000-\u206f\u3000-\u30ff\u4e00-\u9fff\uac00-\ud7a3\uff00-\uffef]"
)
_UTF16_COMMON = re.compile(
    "[\n\u3000-\u30ff\uff00-\uffef\u00c0-\u024f\u1ea0-\u1eff]"
)  # kana, punctuation, letters


def _utf16_without_nuls(data: bytes, *, complete: bool) -> list[DecodedText]:
    """UTF-16 with too few NULs to tell it by: Japanese with few Latin letters or line ends. Only
    text that is nearly all characters such text is made of, and a fair share of kana or marks."""
    if complete and len(data) % 2:
        return []
    found = []
    for encoding in ("utf-16-le", "utf-16-be"):
        decoded = _decode(data, encoding, complete=complete)  # strict: an unpaired surrogate fails
        if decoded is None or not decoded.text:
            continue
        sample = decoded.text[:2048]
        plausible = len(_UTF16_PLAUSIBLE.findall(sample))
        if plausible * 20 >= len(sample) * 19 and len(_UTF16_COMMON.findall(sample)) * 10 >= len(sample):
            found.append(decoded)
    return found


def decode_window(
    data: bytes, encoding: str, *, start: int, complete: bool, before: bytes = b""
) -> DecodedText:
    """`data` read from byte `start` of a file known to be text in `encoding`; `before` is what
    precedes it (some of it, or none), which tells where the character at `start` began.

    A window may begin inside a character: its remaining bytes are skipped (`skipped_bytes`)
    rather than shown as garbage; a window that begins where the previous one ended skips
    nothing; bytes that do not decode show as U+FFFD.
    """
    skip = _resync(data, encoding, start, before) if start else 0
    decoded = _decode(data[skip:], encoding, complete=complete, strict=False)
    assert decoded is not None, "a lenient decoder accepts any bytes"
    return _shown(decoded, skip)


def _resync(data: bytes, encoding: str, start: int, before: bytes) -> int:
    """How many leading bytes belong to a character that began before the window."""
    head = data[:64]
    if encoding == "utf-8":  # up to three continuation bytes, 10xxxxxx
        return next((at for at, byte in enumerate(head[:3]) if byte >> 6 != 0b10), len(head[:3]))
    if encoding.startswith("utf-32"):
        return -start % 4
    if encoding.startswith("utf-16"):
        skip = start % 2
        unit = head[skip : skip + 2]
        low_surrogate = len(unit) == 2 and 0xDC <= unit[1 if encoding.endswith("le") else 0] <= 0xDF
        return skip + 2 * low_surrogate
    if encoding not in ("cp932", "euc-jp"):
        return 0
    from_file_start = len(before) >= start
    if encoding == "cp932":
        # A byte that cannot lead a double-byte character ends one (or is one); the bytes after it
        # that can pair up, so an odd run of them before `start` leaves its first byte a trail.
        run = len(before) - len(before.rstrip(_SJIS_LEADS))
        if run < len(before) or from_file_start:
            return run % 2
    else:
        # Bytes below 0x80 stand alone in EUC-JP: read the characters forward from the last one.
        run = len(before) - len(before.rstrip(_HIGH_BYTES))
        if run < len(before) or from_file_start:
            at = len(before) - run
            while at < len(before):
                at += 3 if before[at] == 0x8F else 2 if before[at] >= 0x80 else 1
            return at - len(before)
        if head[:1] < b"\x80":
            return 0
    # No byte in reach says where characters begin: the alignment that reads the next few
    # characters most plausibly is the right one.
    return min(range(3), key=lambda skip: (_misaligned(head[skip:32], encoding), skip))


_SJIS_LEADS = bytes([*range(0x81, 0xA0), *range(0xE0, 0xFD)])
_HIGH_BYTES = bytes(range(0x80, 0x100))


def _misaligned(data: bytes, encoding: str) -> int:
    text = data.decode(encoding, "replace")
    # In Shift_JIS, a letter glued to a double-byte character is likelier the second half of a cut one.
    glued = encoding == "cp932" and re.match(r"[A-Za-z][^\x00-\x7f]", text) is not None
    return _implausible(text, encoding) + glued


def why_not_text(name: str, data: bytes) -> str:
    """Why `decode_text` found no text, as a clause for a sentence."""
    if data:
        controls = sum(1 for byte in data if byte in _CONTROL_BYTES)
        if controls * 50 > len(data):
            return f"binary: {round(controls * 100 / len(data))}% control bytes"
    if PurePath(name).suffix.lower() in TEXT_SUFFIXES:
        return "not readable as UTF-8, UTF-16, Shift_JIS, EUC-JP or cp1252"
    return "not UTF-8 or UTF-16 text, and its name does not say text (so no legacy encoding was tried)"


def is_text(name: str, head: bytes) -> bool:
    """Text-like: see `decode_text`; `head` is a sample of the file's first bytes."""
    return decode_text(name, head, complete=False) is not None


def media_type(name: str, head: bytes, declared: str | None = None) -> str:
    if kind := image_type(head) or other_image_magic(head):
        return kind  # what the bytes are, whatever the name says
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed:
        return guessed
    if declared and declared != "application/octet-stream":
        return declared
    return "text/plain" if is_text(name, head) else "application/octet-stream"
