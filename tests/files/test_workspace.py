"""The workspace boundary and all-or-nothing writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from backlog_mcp.files.atomic import TooLargeError, write_stream_atomically
from backlog_mcp.files.workspace import (
    OutsideWorkspaceError,
    WorkspaceError,
    describe_os_error,
    resolve_inside,
)


def test_relative_and_absolute_paths_inside_the_workspace_are_fine(tmp_path: Path) -> None:
    assert resolve_inside(tmp_path, None) == tmp_path.resolve()
    assert resolve_inside(tmp_path, "exports/a") == (tmp_path / "exports" / "a").resolve()
    assert resolve_inside(tmp_path, str(tmp_path / "b")) == (tmp_path / "b").resolve()
    assert resolve_inside(tmp_path, "a/../b") == (tmp_path / "b").resolve()


@pytest.mark.parametrize("escape", ["..", "../elsewhere", "a/../../x", "/etc", "~"])
def test_paths_that_leave_the_workspace_are_refused(tmp_path: Path, escape: str) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    with pytest.raises(OutsideWorkspaceError, match="outside the workspace"):
        resolve_inside(workspace, escape)


def test_a_file_or_a_nul_character_cannot_be_an_output_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(WorkspaceError, match="is a file, not a folder"):
        resolve_inside(tmp_path, "notes.txt")
    with pytest.raises(WorkspaceError, match="NUL character"):
        resolve_inside(tmp_path, "a\x00b")


def test_a_disk_error_reads_as_its_reason_and_path() -> None:
    error = OSError(36, "File name too long", "/ws/xxx")
    assert describe_os_error(error) == "Could not write in the workspace: File name too long (/ws/xxx)."


def test_a_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "out").symlink_to(tmp_path)
    with pytest.raises(OutsideWorkspaceError):
        resolve_inside(workspace, "out/x")


async def _chunks(*parts: bytes, fail_after: int | None = None) -> AsyncIterator[bytes]:
    for index, part in enumerate(parts):
        if fail_after is not None and index == fail_after:
            raise ConnectionError("stream broke")
        yield part


@pytest.mark.anyio
async def test_complete_stream_lands_under_its_name(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    assert await write_stream_atomically(target, _chunks(b"ab", b"cd"), max_bytes=10) == 4
    assert target.read_bytes() == b"abcd"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


@pytest.mark.anyio
async def test_broken_stream_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(ConnectionError):
        await write_stream_atomically(tmp_path / "f.bin", _chunks(b"ab", b"cd", fail_after=1), max_bytes=10)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.anyio
async def test_oversized_stream_is_cut_off_and_discarded(tmp_path: Path) -> None:
    with pytest.raises(TooLargeError):
        await write_stream_atomically(tmp_path / "f.bin", _chunks(b"abcdef", b"ghijkl"), max_bytes=8)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.anyio
async def test_cancelled_write_leaves_nothing_behind(tmp_path: Path) -> None:
    async def slow() -> AsyncIterator[bytes]:
        yield b"first"
        await anyio.sleep(10)
        yield b"never"

    with anyio.move_on_after(0.2):
        await write_stream_atomically(tmp_path / "f.bin", slow(), max_bytes=100)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.anyio
async def test_an_existing_file_is_replaced_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    with pytest.raises(ConnectionError):
        await write_stream_atomically(target, _chunks(b"new", b"er", fail_after=1), max_bytes=10)
    assert target.read_bytes() == b"old"
