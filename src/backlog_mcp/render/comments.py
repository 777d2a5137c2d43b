"""A page of comments: author, date, text, change log (field: from → to), notified users."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from backlog_mcp.backlog.issues import ChangeLogEntry, Comment
from backlog_mcp.render.text import (
    CHANGES,
    EMPTY,
    NOTIFIED,
    RenderContext,
    next_call,
    one_line,
    plural,
    user_label,
    user_name,
    user_text,
)

__all__ = [
    "FIELD_NAMES",
    "attachment_change",
    "describe_change",
    "description_diff",
    "edited_note",
    "render_comments",
]

_DIFF_LINES = 6  # of a description change, in a page of comments
_DIFF_LINE_CHARS = 200

# Backlog's change log still uses the field names of its first API.
FIELD_NAMES = {
    "assigner": "assignee",
    "limitDate": "dueDate",
    "component": "category",
}


def description_diff(before: str | None, after: str | None) -> list[str]:
    """The lines a description change removed (`- …`) and added (`+ …`), in order, no context.

    Blank lines are left out: they carry nothing a reader needs and cost a line each.
    """
    old, new = (before or "").strip().splitlines(), (after or "").strip().splitlines()
    diff = difflib.unified_diff(old, new, lineterm="", n=0)
    return [
        f"{line[0]} {line[1:]}"
        for line in diff
        if line[:1] in "+-" and not line.startswith(("+++", "---")) and line[1:].strip()
    ]


def attachment_change(entry: ChangeLogEntry) -> str:
    """`added name (attachment 123)`: the ID is what the attachment tools take."""
    before, after = one_line(entry.original_value), one_line(entry.new_value)
    text = f"removed {before}" if before and not after else f"added {after}"
    info = entry.attachment_info
    return f"{text} (attachment {info.id})" if info is not None and info.id else text


def edited_note(comment: Comment, ctx: RenderContext) -> str:
    """` (edited <when>)` for a comment changed after it was posted, else nothing."""
    created, updated = comment.created, comment.updated
    edited = created is not None and updated is not None and updated != created
    return f" (edited {ctx.when(updated)})" if edited else ""


def describe_change(entry: ChangeLogEntry) -> str:
    """One change as a list item's text; a description change adds its changed lines below."""
    if entry.custom_field:  # named by a person: never read as one of Backlog's own fields
        before, after = one_line(entry.original_value), one_line(entry.new_value)
        return f"custom field {user_name(entry.field)}: {before or EMPTY} → {after or EMPTY}"
    field = one_line(FIELD_NAMES.get(entry.field, entry.field))
    if entry.field == "attachment":
        return f"attachment: {attachment_change(entry)}"
    before, after = (entry.original_value or "").strip(), (entry.new_value or "").strip()
    if field == "description":
        return _describe_description(before, after)
    return f"{field}: {one_line(before) or EMPTY} → {one_line(after) or EMPTY}"


def _describe_description(before: str, after: str) -> str:
    lines = description_diff(before, after)
    added = sum(1 for line in lines if line.startswith("+"))
    head = f"description changed (+{added} −{len(lines) - added} lines):"
    shown = [
        "  " + (line if len(line) <= _DIFF_LINE_CHARS else line[:_DIFF_LINE_CHARS] + "…")
        for line in lines[:_DIFF_LINES]
    ]
    if len(lines) > _DIFF_LINES:
        shown.append(
            f"  … {plural(len(lines) - _DIFF_LINES, 'more changed line')}"
            " (the issue or pull request itself shows the text now)"
        )
    return "\n".join([head, *shown])


def _render_comment(comment: Comment, ctx: RenderContext) -> str:
    """Heading, text, then the change log and the notified users each under a label of ours.

    The text cannot start a line with a heading or one of those labels (`user_text`), so nothing
    in it can pass for a change, a notification or another comment.
    """
    head = f"### #{comment.id} · {user_label(comment.created_user)} · {ctx.when(comment.created)}"
    parts = [head + edited_note(comment, ctx)]
    text = user_text(comment.content)
    if text:
        parts.append(text)
    if comment.change_log:
        changes = "\n".join(f"- {describe_change(e)}" for e in comment.change_log)
        parts.append(f"{CHANGES}\n{changes}")
    notified = [user_label(n.user) for n in comment.notifications if n.user]
    if notified:
        parts.append(f"{NOTIFIED} " + ", ".join(notified))
    # A blank line between parts: the text's own list must not run on into ours.
    return parts[0] + "\n" + "\n\n".join(parts[1:]) if len(parts) > 1 else parts[0]


def render_comments(
    comments: Sequence[Comment],
    *,
    issue_key: str,
    total: int,
    more: bool,
    order: str,
    arguments: Mapping[str, Any],
    ctx: RenderContext,
    tool: str = "backlog_get_comments",
) -> str:
    """Comments in the order asked for; when `more` exist, the call that continues past the last ID.

    `issue_key` names what the comments are on (a pull request's `DEMO/app#3` too), `tool` the
    tool that reads the next page.
    """
    direction = "newest first" if order == "desc" else "oldest first"
    if not comments:
        bounded = arguments.get("minId") is not None or arguments.get("maxId") is not None
        return f"No comments on {issue_key}" + (f" in this range ({total} in total)." if bounded else ".")
    header = f"Comments on {issue_key}: {len(comments)} shown ({direction}) of {total} in total."
    body = "\n".join(_render_comment(c, ctx) for c in comments)
    if more:
        bound = "maxId" if order == "desc" else "minId"
        tail = next_call(tool, {**arguments, bound: comments[-1].id})
    else:
        tail = "End of comments in this direction."
    return f"{header}\n{body}\n{tail}"
