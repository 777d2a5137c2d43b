"""Attachment downloads: a streamed body with the name and type Backlog sends for it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import unquote

import httpx2

from backlog_mcp.errors import BacklogConnectionError, BacklogNotFoundError

__all__ = ["CHUNK_BYTES", "Download", "filename_from_content_disposition", "which_is_missing"]

CHUNK_BYTES = 64 * 1024
_EXTENDED = re.compile(r"""filename\*\s*=\s*([A-Za-z0-9_-]+)?'[^']*'([^;\s]+)""", re.IGNORECASE)
_PLAIN = re.compile(r"""filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))""", re.IGNORECASE)


def filename_from_content_disposition(header: str | None) -> str | None:
    """The file name a `Content-Disposition` header gives: `filename*=UTF-8''…` first, then `filename=`."""
    if not header:
        return None
    if match := _EXTENDED.search(header):
        charset = match.group(1) or "utf-8"
        try:
            return unquote(match.group(2), encoding=charset, errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    if match := _PLAIN.search(header):
        quoted, bare = match.groups()
        return re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
    return None


@dataclass(frozen=True, slots=True)
class Download:
    """An open download: headers read, body not yet. Iterate `chunks()` once."""

    response: httpx2.Response
    what: str

    @property
    def name(self) -> str | None:
        return filename_from_content_disposition(self.response.headers.get("content-disposition"))

    @property
    def media_type(self) -> str | None:
        value = self.response.headers.get("content-type")
        return value.split(";", 1)[0].strip().lower() if value else None

    @property
    def size(self) -> int | None:
        value = self.response.headers.get("content-length", "")
        return int(value) if value.isdigit() else None

    async def chunks(self) -> AsyncIterator[bytes]:
        received = 0
        try:
            async for chunk in self.response.aiter_bytes(CHUNK_BYTES):
                received += len(chunk)
                yield chunk
        except httpx2.HTTPError as exc:
            raise BacklogConnectionError(
                f"The download of {self.what} broke off after {received} bytes ({type(exc).__name__})."
            ) from None


def which_is_missing(
    error: BacklogNotFoundError, issue: str | int, attachment_id: int
) -> BacklogNotFoundError:
    """The 404 of a download, naming what is missing: Backlog answers `No issue.` when the issue
    is, and `No attachment.` when only the attachment is (both code 6, NoResourceError)."""
    if any("issue" in detail.message.lower() for detail in error.details):
        summary = f"Issue {issue} not found."
    else:
        summary = f"Attachment {attachment_id} of issue {issue} not found."
    return BacklogNotFoundError(summary, status=error.status, details=error.details)
