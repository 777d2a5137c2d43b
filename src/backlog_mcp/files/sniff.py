"""What a file is, from its first bytes and its name (Backlog sends application/octet-stream)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

__all__ = ["TEXT_SUFFIXES", "image_type", "is_text", "media_type"]

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


def is_text(name: str, head: bytes) -> bool:
    """Text-like by name, or by content: no NUL bytes and valid UTF-8 (a cut last character allowed)."""
    if PurePath(name).suffix.lower() in TEXT_SUFFIXES:
        return b"\x00" not in head
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # only a multi-byte character cut by the sample's end
    return True


def media_type(name: str, head: bytes, declared: str | None = None) -> str:
    if kind := image_type(head):
        return kind
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed:
        return guessed
    if declared and declared != "application/octet-stream":
        return declared
    return "text/plain" if is_text(name, head) else "application/octet-stream"
