"""`attachFiles`: files from BACKLOG_WORKSPACE uploaded to Backlog and attached by the returned IDs.

The same boundary as downloads: a path is taken relative to the workspace, and `..`, absolute
paths elsewhere and symlinks that lead out are refused, so a model cannot send any other file on
the machine. Every path is checked before anything is uploaded (a dry run checks them too).
An upload that is never attached is harmless: Backlog drops it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, BinaryIO

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BeforeValidator, Field

from backlog_mcp.backlog.models import Attachment
from backlog_mcp.files.workspace import describe_os_error
from backlog_mcp.quote import clip, echo
from backlog_mcp.render.text import human_size, one_line
from backlog_mcp.tools.state import AppState
from backlog_mcp.tools.writes import Change

__all__ = ["AttachFilesArg", "LocalFile", "files_change", "local_files", "upload_files"]

_MAX_FILES = 20


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


AttachFilesArg = Annotated[
    list[str] | None,
    BeforeValidator(_as_list),
    Field(description="Paths in the workspace"),
]


@dataclass(frozen=True, slots=True)
class LocalFile:
    path: Path
    name: str
    size: int


def local_files(state: AppState, paths: Sequence[str] | None) -> list[LocalFile]:
    """The files `paths` name, each checked: inside the workspace, a regular file, within the cap.

    Raises:
        ToolError: the first path that cannot be sent, and why.
    """
    if not paths:
        return []
    if len(paths) > _MAX_FILES:
        raise ToolError(f"attachFiles names {len(paths)} files; at most {_MAX_FILES} go with one write.")
    root = state.workspace.expanduser().resolve()
    files = []
    for given in paths:
        shown = echo(clip(given))
        if not given.strip() or "\x00" in given:
            raise ToolError(
                f"attachFiles has an empty or invalid path {shown}; give a file's path in {root}."
            )
        requested = Path(given.strip()).expanduser()
        target = (requested if requested.is_absolute() else root / requested).resolve()
        if not target.is_relative_to(root):
            raise ToolError(
                f"attachFiles {shown} resolves outside the workspace {root}; only files inside it can be "
                "attached (paths are taken relative to it)."
            )
        try:
            if not target.is_file():
                raise ToolError(f"attachFiles {shown} is not a file in the workspace {root}.")
            size = target.stat().st_size
        except OSError as exc:
            raise ToolError(f"attachFiles {shown} cannot be read: {describe_os_error(exc)}.") from None
        if size > state.max_attachment_bytes:
            raise ToolError(
                f"attachFiles {shown} is {human_size(size)}, over the "
                f"{human_size(state.max_attachment_bytes)} cap (BACKLOG_MAX_ATTACHMENT_BYTES)."
            )
        files.append(LocalFile(target, target.name, size))
    return files


def files_change(files: Sequence[LocalFile]) -> Change | None:
    """The attachments as a write's field: each name and size."""
    if not files:
        return None
    return Change("attachFiles", ", ".join(f"{one_line(f.name)} ({human_size(f.size)})" for f in files))


def _open(path: Path) -> BinaryIO:
    return path.open("rb")


async def upload_files(state: AppState, paths: Sequence[str] | None) -> list[int]:
    """Uploads each file (`POST /space/attachment`, streamed) and returns the IDs to attach.

    Raises:
        ToolError: a path that cannot be sent (nothing uploaded then).
        BacklogError: an upload failed.
    """
    ids = []
    for file in local_files(state, paths):
        uploaded = await state.api.send_form(
            Attachment,
            "POST",
            "space/attachment",
            what=f"the upload of {file.name}",
            check="nothing was attached yet, so calling the tool again is safe",
            files=(file.name, functools.partial(_open, file.path)),
        )
        ids.append(uploaded.id)
    return ids
