"""A window of a streamed file: the bytes from an offset, without holding the whole file.

Backlog has no range requests for attachments, so reading the end of a log means streaming all
of it; only the window (and the first bytes, to tell what the file is) are kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass

from backlog_mcp.files.images import image_magic

__all__ = ["CONTEXT_BYTES", "TAIL_MAX_BYTES", "OffsetPastEndError", "Window", "read_window"]

CONTEXT_BYTES = 1024
"""How many bytes before a window are kept: enough to find where the character at its start begins
(Shift_JIS and EUC-JP can only be read forward from a byte known to end a character)."""

TAIL_MAX_BYTES = 8 * 1024 * 1024
"""How far back from the end a window may start when the size is not declared up front."""


@dataclass(frozen=True, slots=True)
class Window:
    head: bytes
    """The file's first bytes (up to the length asked), to tell what it is."""
    data: bytes
    """The bytes from `start` (up to the length asked; a whole image when one was wanted)."""
    start: int
    total: int
    """The file's size: declared by the server, or counted."""
    before: bytes = b""
    """Up to CONTEXT_BYTES bytes just before `start`."""


class OffsetPastEndError(ValueError):
    def __init__(self, total: int) -> None:
        super().__init__(f"past the end ({total} bytes)")
        self.total = total


async def read_window(
    chunks: AsyncIterable[bytes], *, size: int | None, offset: int, length: int, whole_image_up_to: int = 0
) -> Window:
    """Bytes `[offset, offset + length)` of the streamed file; a negative `offset` counts back from
    the end. With `whole_image_up_to`, a file that starts like an image is kept whole up to that
    many bytes (plus one, so that a larger one shows as larger).

    Raises:
        OffsetPastEndError: the file ends at or before `offset`.
    """
    if offset < 0 and size is None:
        return await _tail(chunks, -offset, length)
    start = offset if offset >= 0 else max(0, (size or 0) + offset)
    if size is not None and start and size <= start:
        raise OffsetPastEndError(size)
    head_length = length
    head, before, window, position, ended = bytearray(), bytearray(), bytearray(), 0, True
    async for chunk in chunks:
        if not position and whole_image_up_to and image_magic(chunk[:16]):
            length = whole_image_up_to + 1
        if len(head) < head_length:
            head += chunk[: head_length - len(head)]
        if position < start and position + len(chunk) > start - CONTEXT_BYTES:
            before += chunk[max(0, start - CONTEXT_BYTES - position) : start - position]
        if position + len(chunk) > start and len(window) < length:
            skip = max(0, start - position)
            window += chunk[skip : skip + length - len(window)]
        position += len(chunk)
        # Without a declared size, the rest is read (and dropped) to count it.
        if size is not None and len(window) >= length and len(head) >= head_length:
            ended = False
            break
    total = position if ended or size is None else size
    if start and total <= start:
        raise OffsetPastEndError(total)
    return Window(head=bytes(head), data=bytes(window), start=start, total=total, before=bytes(before))


async def _tail(chunks: AsyncIterable[bytes], back: int, length: int) -> Window:
    """The last `back` bytes (at most TAIL_MAX_BYTES) kept as a ring, then the window's first part."""
    reach = max(length, min(back, TAIL_MAX_BYTES))
    keep = reach + CONTEXT_BYTES
    head, ring, position = bytearray(), bytearray(), 0
    async for chunk in chunks:
        if len(head) < length:
            head += chunk[: length - len(head)]
        ring += chunk
        if len(ring) > keep:
            del ring[: len(ring) - keep]
        position += len(chunk)
    start = position - min(back, reach, position)
    first = start - (position - len(ring))  # where `start` falls in the ring
    data, before = bytes(ring[first : first + length]), bytes(ring[max(0, first - CONTEXT_BYTES) : first])
    return Window(head=bytes(head), data=data, start=start, total=position, before=before)
