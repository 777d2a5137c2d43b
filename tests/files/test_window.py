"""Windows of a streamed file: the right bytes, whatever the chunking, without holding the file."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backlog_mcp.files.window import CONTEXT_BYTES, OffsetPastEndError, Window, read_window

pytestmark = pytest.mark.anyio

DATA = bytes(range(256)) * 40  # 10240 bytes


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _window(offset: int, *, declared: bool, chunk: int = 1000, length: int = 700) -> Window:
    size = len(DATA) if declared else None
    return await read_window(_chunks(DATA, chunk), size=size, offset=offset, length=length)


@given(offset=st.integers(-12000, len(DATA) - 1), chunk=st.integers(1, 3000), declared=st.booleans())
@settings(max_examples=60, deadline=None)
def test_a_window_is_the_bytes_from_its_offset_whatever_the_chunks(
    offset: int, chunk: int, declared: bool
) -> None:
    window = anyio.run(lambda: _window(offset, declared=declared, chunk=chunk))
    start = offset if offset >= 0 else max(0, len(DATA) + offset)
    assert (window.start, window.total) == (start, len(DATA))
    assert window.data == DATA[start : start + 700]
    assert window.head == DATA[:700]
    assert window.before == DATA[max(0, start - CONTEXT_BYTES) : start]


async def test_an_offset_past_the_end_says_how_long_the_file_is() -> None:
    for declared in (True, False):
        with pytest.raises(OffsetPastEndError) as raised:
            await _window(len(DATA), declared=declared)
        assert raised.value.total == len(DATA)


async def test_reading_the_end_keeps_only_the_window_in_memory() -> None:
    size = 16 * 1024 * 1024

    async def zeros() -> AsyncIterator[bytes]:
        block = b"x" * 65536
        for _ in range(size // len(block)):
            yield block

    for declared in (size, None):
        tracemalloc.start()
        window = await read_window(zeros(), size=declared, offset=-32768, length=32768)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert (window.start, len(window.data)) == (size - 32768, 32768)
        assert peak < 2 * 1024 * 1024, peak
