"""What a file is, from its first bytes and its name (Backlog sends application/octet-stream)."""

from __future__ import annotations

import codecs
import mimetypes
from dataclasses import dataclass
from pathlib import PurePath

__all__ = ["TEXT_SUFFIXES", "DecodedText", "decode_text", "image_type", "is_text", "media_type"]

_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
TEXT_SUFFIXES = frozenset({
    ".txt", ".text", ".csv", ".tsv", ".json", ".md", ".markdown", ".log", ".xml", ".yaml", ".yml", ".ini",
    ".cfg", ".conf", ".toml", ".sql", ".html", ".htm", ".py", ".js", ".ts", ".java", ".kt", ".go", ".rb",
    ".php", ".sh", ".properties", ".diff", ".patch",
})  # fmt: skip


def image_type(head: bytes) -> str | None:
    """PNG, JPEG, GIF or WebP by signature, whatever the name says."""
    for signature, kind in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str
    """The codec's name: `utf-8`, `utf-16`, `cp932` (Shift_JIS as Windows and Excel write it)."""
    used_bytes: int
    """How many of the bytes the text stands for: a character cut by the end of a prefix is left out."""


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Tried in order on a file named as text that is not UTF-8. Japanese spaces are full of CSVs and
# logs saved from Windows tools in Shift_JIS; an 8-bit code page would accept any bytes as garbage.
_LEGACY_ENCODINGS = ("cp932",)


def _decode(data: bytes, encoding: str, *, complete: bool) -> DecodedText | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        text = decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        return None
    pending = decoder.getstate()[0]
    if len(pending) > 3:  # more than one cut character: not this encoding
        return None
    name = "utf-8" if encoding == "utf-8-sig" else encoding
    # Windows line ends cost tokens and say nothing to a reader.
    text = text.replace("\r\n", "\n")
    return DecodedText(text=text, encoding=name, used_bytes=len(data) - len(pending))


def decode_text(name: str, data: bytes, *, complete: bool) -> DecodedText | None:
    """The text in `data` if it is text, else None.

    UTF-8 (or UTF-16 with its byte-order mark) whatever the name; a file named as text
    (`.csv`, `.log`, …) may also be Shift_JIS. `complete` says `data` is the whole file; a
    prefix may end inside a character, which is held back (`used_bytes`) rather than garbled.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data, encoding, complete=complete)
    if b"\x00" in data:
        return None
    named_as_text = PurePath(name).suffix.lower() in TEXT_SUFFIXES
    if not data:
        return DecodedText(text="", encoding="utf-8", used_bytes=0) if named_as_text else None
    if decoded := _decode(data, "utf-8", complete=complete):
        return decoded
    if not named_as_text:
        return None
    # A UTF-8 log with a stray bad byte or two is still that log; more, and a legacy encoding
    # that reads it whole is likelier; failing that, UTF-8 with a few per cent of bad bytes.
    if decoded := _lenient_utf8(data, complete=complete, max_bad=3):
        return decoded
    for encoding in _LEGACY_ENCODINGS:
        if decoded := _decode(data, encoding, complete=complete):
            return decoded
    return _lenient_utf8(data, complete=complete, max_bad=len(data) // 100)


def _lenient_utf8(data: bytes, *, complete: bool, max_bad: int) -> DecodedText | None:
    """UTF-8 with bad bytes shown as U+FFFD, unless there are more of them than `max_bad` allows."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(data, final=complete)
    if text.count("\ufffd") > max_bad:
        return None
    pending = decoder.getstate()[0]
    return DecodedText(text=text.replace("\r\n", "\n"), encoding="utf-8", used_bytes=len(data) - len(pending))


def is_text(name: str, head: bytes) -> bool:
    """Text-like: see `decode_text`; `head` is a sample of the file's first bytes."""
    return decode_text(name, head, complete=False) is not None


def media_type(name: str, head: bytes, declared: str | None = None) -> str:
    if kind := image_type(head):
        return kind
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed:
        return guessed
    if declared and declared != "application/octet-stream":
        return declared
    return "text/plain" if is_text(name, head) else "application/octet-stream"
