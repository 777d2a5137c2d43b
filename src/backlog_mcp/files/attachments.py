"""Saving one attachment into a folder: streamed, capped, atomic, under a safe unique name."""

from __future__ import annotations

import filecmp
from dataclasses import dataclass
from pathlib import Path

import anyio

from backlog_mcp.backlog.attachments import AttachmentEndpoints, FileRef
from backlog_mcp.backlog.client import BacklogClient
from backlog_mcp.files.atomic import TooLargeError, write_stream_atomically
from backlog_mcp.files.names import attachment_file_name

__all__ = ["AttachmentTooLargeError", "SavedAttachment", "save_attachment"]


class AttachmentTooLargeError(Exception):
    """The attachment is over the size cap; nothing was written."""

    def __init__(self, ref: FileRef, size: int | None, limit: int) -> None:
        shown = f"{size} bytes" if size is not None else "more than that"
        label = ref.label
        super().__init__(
            f"{label[0].upper()}{label[1:]} is {shown}, over the {limit}-byte cap "
            "(BACKLOG_MAX_ATTACHMENT_BYTES); nothing was written."
        )
        self.attachment_id, self.size, self.limit = ref.file_id, size, limit


@dataclass(frozen=True, slots=True)
class SavedAttachment:
    path: Path
    size: int
    media_type: str | None
    original_name: str | None
    kept: Path | None = None
    """A different file that already stood at the usual name, left as it was."""


async def save_attachment(
    api: BacklogClient,
    ref: FileRef,
    folder: Path,
    *,
    max_bytes: int,
    fallback_name: str = "",
) -> SavedAttachment:
    """Downloads an attachment into `folder` as `<id>_<safe name>`.

    The name comes from `Content-Disposition` (else `fallback_name`). A declared size over
    `max_bytes` is refused before a byte is read; a body that grows past it is cut off and
    discarded. The folder is created if needed.

    Raises:
        AttachmentTooLargeError: over the cap; nothing written.
        BacklogError: Backlog refused or the stream broke; nothing written.
    """
    attachment_id = ref.file_id
    async with AttachmentEndpoints(api).download_file(ref) as download:
        if download.size is not None and download.size > max_bytes:
            raise AttachmentTooLargeError(ref, download.size, max_bytes)
        name = download.name or fallback_name or f"attachment-{attachment_id}"
        made = [p for p in (folder, *folder.parents) if not p.exists()]  # deepest first
        await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
        usual = folder / attachment_file_name(attachment_id, name)
        # Saved again beside a file already there (which someone may have edited), never over it.
        target = _free_name(usual) if usual.exists() or usual.is_symlink() else usual
        try:
            size = await write_stream_atomically(target, download.chunks(), max_bytes=max_bytes)
        except TooLargeError:
            _remove_empty(made)
            raise AttachmentTooLargeError(ref, download.size, max_bytes) from None
        except BaseException:  # failed or cancelled: the folders this call made go too
            _remove_empty(made)
            raise
    kept = None
    if target != usual:
        if await anyio.to_thread.run_sync(_same_file, usual, target):
            await anyio.Path(target).unlink()  # the copy just written: the one there is the same
            target = usual
        else:
            kept = usual
    return SavedAttachment(target, size, download.media_type, original_name=name, kept=kept)


def _remove_empty(folders: list[Path]) -> None:
    """Removes `folders` (deepest first) while they are empty: a failed save leaves no trace."""
    for made in folders:
        try:
            made.rmdir()
        except OSError:  # not empty (someone else's file landed there), or already gone
            return


def _free_name(path: Path) -> Path:
    """`path` with ` (2)`, ` (3)`, … before its suffix: the first name not taken."""
    n = 2
    while (found := path.with_name(f"{path.stem} ({n}){path.suffix}")).exists() or found.is_symlink():
        n += 1
    return found


def _same_file(a: Path, b: Path) -> bool:
    return a.is_file() and not a.is_symlink() and filecmp.cmp(a, b, shallow=False)
