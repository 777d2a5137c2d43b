"""Attachment downloads: a streamed body with the name and type Backlog sends for it."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from urllib.parse import unquote

import httpx2

from backlog_mcp.errors import BacklogConnectionError

__all__ = ["CHUNK_BYTES", "Download", "Reopen", "filename_from_content_disposition"]

logger = logging.getLogger(__name__)

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


Reopen = Callable[[], AbstractAsyncContextManager[httpx2.Response]]


@dataclass(frozen=True, slots=True)
class Download:
    """An open download: headers read, body not yet. Iterate `chunks()` once."""

    response: httpx2.Response
    what: str
    reopen: Reopen | None = None
    """Requests the same file again (opening retried like any request), when the body breaks off."""
    retries: int = 0
    """How many times a body that broke off is requested again."""

    @property
    def name(self) -> str | None:
        return filename_from_content_disposition(self.response.headers.get("content-disposition"))

    @property
    def media_type(self) -> str | None:
        value = self.response.headers.get("content-type")
        return value.split(";", 1)[0].strip().lower() if value else None

    @property
    def size(self) -> int | None:
        return _content_length(self.response)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body, continued on a fresh request when the connection breaks off mid-way.

        Backlog answers no range requests, so a retry downloads the file again from the start and
        drops the bytes already passed on: the caller sees one unbroken stream.
        """
        received = 0
        async with AsyncExitStack() as retries:
            response, attempt = self.response, 0
            while True:
                skip = received
                try:
                    async for chunk in response.aiter_bytes(CHUNK_BYTES):
                        if skip:
                            dropped = min(skip, len(chunk))
                            chunk, skip = chunk[dropped:], skip - dropped
                        if chunk:
                            received += len(chunk)
                            yield chunk
                    return
                except httpx2.HTTPError as exc:
                    broken = f"The download of {self.what} broke off after {received} bytes"
                    broken += f" ({type(exc).__name__})"
                if self.reopen is None or attempt >= self.retries:
                    tries = f" and {attempt} retries" if attempt else ""
                    raise BacklogConnectionError(f"{broken}{tries}.") from None
                attempt += 1
                logger.warning("%s; downloading it again (retry %d of %d)", broken, attempt, self.retries)
                response = await retries.enter_async_context(self.reopen())
                if _content_length(response) != self.size:
                    raise BacklogConnectionError(
                        f"{broken}, and the file changed size before it could be downloaded again."
                    )


def _content_length(response: httpx2.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None
