"""The shared-files tool: a project's folders and files, one folder (and one page) at a time."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator

from backlog_mcp.backlog.files import MAX_FILE_PAGE, FileEndpoints
from backlog_mcp.quote import echo
from backlog_mcp.render.files import render_shared_files
from backlog_mcp.tools.args import ProjectRef, one_project, within
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import app_state

__all__ = ["TOOLSET", "normalise_folder"]

_DEFAULT_COUNT = 100
_offset = within(0, "0 or more, as an offset into the folder")


def _count(value: int) -> int:
    # The range lives here, not in the schema: tools/list is read on every turn.
    if not 1 <= value <= MAX_FILE_PAGE:
        raise ValueError(f"must be 1 to {MAX_FILE_PAGE}, as Backlog pages shared files (got {echo(value)})")
    return value


def normalise_folder(path: str) -> str:
    """`design/mockups`, `/design//mockups/` → `/design/mockups/`; `` and `/` → `/`.

    Names are kept exactly (no Unicode normalisation: a folder's name is what its author typed).

    Raises:
        ToolError: for a `.` or `..` part, which would name another folder than the one written.
    """
    parts = [part for part in path.strip().split("/") if part]
    if any(part.strip() in (".", "..") for part in parts):
        raise ToolError(
            "path names a folder from the project's root, like /design/mockups, without . or .. parts; "
            f"got {echo(path)}."
        )
    return "/" + "".join(f"{part}/" for part in parts)


async def backlog_get_shared_files(
    ctx: Context[Any, Any],
    projectIdOrKey: ProjectRef,
    path: str = "/",
    count: Annotated[int, AfterValidator(_count)] = _DEFAULT_COUNT,
    offset: Annotated[int, AfterValidator(_offset)] = 0,
) -> str:
    """Shared files: a folder's subfolders and files, with IDs; count 1-1000."""
    state = app_state(ctx)
    project, folder = one_project(projectIdOrKey), normalise_folder(path)
    # One more than asked where Backlog's page allows it: whether a next page exists is then known.
    probe = min(count + 1, MAX_FILE_PAGE)
    page = await FileEndpoints(state.api).get_shared_files(project, folder, count=probe, offset=offset)
    more = len(page) > count if probe > count else (None if len(page) == count else False)
    arguments: dict[str, Any] = {"projectIdOrKey": project, "path": folder}
    if count != _DEFAULT_COUNT:
        arguments["count"] = count
    return render_shared_files(
        page[:count],
        project=project,
        folder=folder,
        offset=offset,
        more=more,
        arguments=arguments,
        ctx=state.render,
    )


TOOLSET = Toolset("files", (ToolDef(backlog_get_shared_files, "List shared files"),), default=False)
