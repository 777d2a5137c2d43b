"""A page of comments: author, date, text, change log (field: from → to), notified users."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from backlog_mcp.backlog.models import ChangeLogEntry, Comment
from backlog_mcp.render.text import EMPTY, RenderContext, next_call, user_label

__all__ = ["FIELD_NAMES", "describe_change", "render_comments"]

# Backlog's change log still uses the field names of its first API.
FIELD_NAMES = {
    "assigner": "assignee",
    "limitDate": "dueDate",
    "component": "category",
}


def describe_change(entry: ChangeLogEntry) -> str:
    field = FIELD_NAMES.get(entry.field, entry.field)
    before = (entry.original_value or "").strip()
    after = (entry.new_value or "").strip()
    if entry.field == "attachment":
        return f"attachment: {'removed ' + before if before and not after else 'added ' + after}"
    if field == "description":
        return "description: changed"
    return f"{field}: {before or EMPTY} → {after or EMPTY}"


def _render_comment(comment: Comment, ctx: RenderContext) -> str:
    head = f"### #{comment.id} · {user_label(comment.created_user)} · {ctx.when(comment.created)}"
    parts = [head]
    if comment.content and comment.content.strip():
        parts.append(comment.content.strip())
    if comment.change_log:
        parts.extend(f"- {describe_change(e)}" for e in comment.change_log)
    notified = [user_label(n.user) for n in comment.notifications if n.user]
    if notified:
        parts.append("Notified: " + ", ".join(notified))
    return "\n".join(parts)


def render_comments(
    comments: Sequence[Comment],
    *,
    issue_key: str,
    total: int,
    more: bool,
    order: str,
    arguments: Mapping[str, Any],
    ctx: RenderContext,
) -> str:
    """Comments in the order asked for; when `more` exist, the call that continues past the last ID."""
    direction = "newest first" if order == "desc" else "oldest first"
    if not comments:
        bounded = arguments.get("minId") is not None or arguments.get("maxId") is not None
        return f"No comments on {issue_key}" + (f" in this range ({total} in total)." if bounded else ".")
    header = f"Comments on {issue_key}: {len(comments)} shown ({direction}) of {total} in total."
    body = "\n".join(_render_comment(c, ctx) for c in comments)
    if more:
        bound = "maxId" if order == "desc" else "minId"
        tail = next_call("backlog_get_comments", {**arguments, bound: comments[-1].id})
    else:
        tail = "End of comments in this direction."
    return f"{header}\n{body}\n{tail}"
