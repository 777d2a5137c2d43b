"""File names made safe from what Backlog sends, without losing Japanese or Vietnamese text."""

from __future__ import annotations

import re
import unicodedata

from pathvalidate import sanitize_filename

__all__ = ["MAX_NAME_BYTES", "attachment_file_name", "safe_name"]

# Most file systems cap a name at 255 bytes; leave room for the ID prefix and temp suffixes.
MAX_NAME_BYTES = 200
_FALLBACK = "attachment"


def _truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def safe_name(name: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A name safe on Windows, macOS and Linux.

    No path separators (they become `_`), no `..` or leading dots, no control or invisible format
    characters (bidi overrides), no names Windows reserves (`CON`, `NUL`, …), at most `max_bytes`
    of UTF-8 with the extension kept; NFC-normalised so Vietnamese diacritics compare equal
    whatever the source OS.
    """
    text = re.sub(r"[\\/]", "_", unicodedata.normalize("NFC", name))
    # Control characters, and format ones: a right-to-left override can disguise the extension.
    hidden = {ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf")}
    visible = "".join(ch for ch in text if ch not in hidden).strip()
    stem, dot, suffix = visible.rpartition(".")
    # "\t.txt" or "\u200b.txt" had something before the dot: a blank stem, not a dot file (".hidden").
    had_stem = bool("".join(" " if ch in hidden else ch for ch in text).rstrip().rpartition(".")[0])
    extension = dot and (stem or had_stem) and len(suffix.encode("utf-8")) <= 16 and " " not in suffix
    if not extension or not suffix.strip(" ._"):
        stem, suffix = visible, ""  # no extension, or a dot file: the whole name is the stem
    elif suffix.isalnum() and not "".join(ch for ch in stem if not ch.isspace()).strip("._"):
        stem = _FALLBACK  # "   .txt": the stem would be stripped away, and the extension with it
    suffix = f".{suffix}" if suffix else ""
    # Truncate before sanitising: pathvalidate's own cut at 255 bytes would drop the extension.
    stem = _truncate_utf8(stem, max_bytes - len(suffix.encode("utf-8")))
    text = sanitize_filename(stem + suffix, replacement_text="_", platform="universal", max_len=max_bytes)
    text = text.strip(" ._") or _FALLBACK
    # Stripping can expose a reserved name ("_CON" → "CON"): sanitise once more.
    return sanitize_filename(text, replacement_text="_", platform="universal", max_len=max_bytes)


def attachment_file_name(attachment_id: int, name: str) -> str:
    """`<id>_<safe name>`: two attachments with the same name never overwrite each other."""
    prefix = f"{attachment_id}_"
    return prefix + safe_name(name, max_bytes=MAX_NAME_BYTES - len(prefix))
