"""Writes that are all-or-nothing: a temporary name in the target folder, renamed when complete."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import anyio

__all__ = ["TooLargeError", "write_stream_atomically"]


class TooLargeError(Exception):
    """The stream grew past the size cap; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than the {limit}-byte cap")
        self.limit = limit


async def write_stream_atomically(target: Path, chunks: AsyncIterator[bytes], *, max_bytes: int) -> int:
    """Streams `chunks` to `target` and returns the size written.

    Memory stays flat whatever the size. The bytes go to a hidden temporary file beside the
    target and are renamed into place only once complete, so a failure, a cancellation or an
    oversized stream leaves nothing behind — and never a half-written file under the real name.

    Raises:
        TooLargeError: the stream passed `max_bytes`.
    """
    temporary = target.with_name(f".{target.name[:80]}.{secrets.token_hex(4)}.part")
    written = 0
    try:
        async with await anyio.open_file(temporary, "wb") as out:
            async for chunk in chunks:
                written += len(chunk)
                if written > max_bytes:
                    raise TooLargeError(max_bytes)
                await out.write(chunk)
        os.replace(temporary, target)
    except BaseException:  # cancellation included: never leave the partial file
        temporary.unlink(missing_ok=True)
        raise
    return written
