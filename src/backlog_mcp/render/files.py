"""A folder of a project's shared files as compact Markdown: its folders and files, and the calls
that open a folder, read a file, and fetch the next page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from backlog_mcp.backlog.files import SharedFileEntry
from backlog_mcp.render.text import RenderContext, call_text, human_size, next_call, plural, table, user_label

__all__ = ["render_shared_files"]

_TOOL = "backlog_get_shared_files"


def _parent(folder: str) -> str:
    return folder.rstrip("/").rpartition("/")[0] + "/"


def render_shared_files(
    entries: Sequence[SharedFileEntry],
    *,
    project: str,
    folder: str,
    offset: int,
    more: bool | None,
    arguments: Mapping[str, Any],
    ctx: RenderContext,
) -> str:
    """One page of `folder` (`/` or `/a/b/`). `more`: whether a next page exists (None: it may,
    the page being Backlog's largest); `arguments` are the call's, for the next-page call."""
    where = f"Shared files of {project} in {folder}"
    if not entries:
        place = f"{folder} of {project}'s shared files"
        if offset:
            return f"Nothing at offset {offset} in {place}: it holds fewer entries; use a lower offset."
        empty = f"No folders or files in {place}: the folder is empty or does not exist."
        if folder != "/":
            parent = call_text(_TOOL, {"projectIdOrKey": project, "path": _parent(folder)})
            empty += f" Its parent lists what exists: {parent}"
        return empty
    first, last = offset + 1, offset + len(entries)
    rows = [
        [
            e.id,
            f"{e.name}/" if e.is_folder else e.name,
            "folder" if e.is_folder else human_size(e.size),
            ctx.when(e.updated or e.created),
            user_label(e.updated_user or e.created_user),
        ]
        for e in entries
    ]
    folders = [e for e in entries if e.is_folder]
    if first == 1 and more is False:
        head = f"{where}, {plural(len(entries), 'entry', 'entries')}, all shown:"
    else:
        head = f"{where}: entries {first}–{last} (Backlog gives no total for a folder):"
    lines = [head, table(["ID", "Name", "Size", "Updated", "By"], rows)]
    elsewhere = sorted({e.dir for e in entries if e.dir != folder})  # not expected; never hidden either
    if elsewhere:
        lines.append(f"Some entries sit in another folder: {', '.join(elsewhere)}.")
    if len(folders) == 1:
        lines.append(
            f"Open the folder: {call_text(_TOOL, {'projectIdOrKey': project, 'path': folders[0].path})}"
        )
    elif folders:
        lines.append(
            f"Open a folder: {call_text(_TOOL, {'projectIdOrKey': project, 'path': f'{folder}<Name>'})}"
        )
    if any(not e.is_folder for e in entries):
        read = call_text(
            "backlog_get_attachment_content", {"projectIdOrKey": project, "sharedFileId": "<ID>"}
        )
        lines.append("Read a file: " + read.replace('"<ID>"', "<ID>"))
    if more is False:
        if first > 1:
            lines.append("End of folder.")
    else:
        maybe = "" if more else " (this page was Backlog's largest: the next may be empty)"
        lines.append(next_call(_TOOL, {**arguments, "offset": last}) + maybe)
    return "\n".join(lines)
