"""Issues as compact Markdown: the list table, the count, and one issue in full."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from backlog_mcp.backlog.issues import CustomFieldValue, Issue
from backlog_mcp.backlog.models import Attachment, NamedRef
from backlog_mcp.quote import clip
from backlog_mcp.render.text import (
    EMPTY,
    RenderContext,
    call_text,
    fenced,
    human_size,
    next_call,
    one_line,
    plural,
    table,
    user_label,
    user_text,
)

__all__ = [
    "custom_field_item",
    "custom_field_text",
    "render_attachments",
    "render_issue",
    "render_issue_count",
    "render_issue_list",
]


def _names(items: Sequence[NamedRef | Any]) -> str:
    return ", ".join(one_line(i.name) for i in items) or EMPTY


def _hours(value: float | None) -> str:
    return EMPTY if value is None else f"{value:g}h"


def render_issue_list(
    issues: Sequence[Issue],
    *,
    total: int,
    offset: int,
    arguments: Mapping[str, Any],
    ctx: RenderContext,
    parent_keys: Mapping[int, str] | None = None,
) -> str:
    """The issue table, with the range shown, the total, and the exact next-page call.

    `parent_keys` names the parents not on the page; one that is on it is named from the page.
    """
    if not issues:
        if total and offset >= total:
            matches = f"{total} {'matches' if total == 1 else 'match'} in all"
            return f"No issues at offset {offset}: {matches}. Use an offset below {total}."
        return "No issues match these filters (0 in total)."
    keys = {**(parent_keys or {}), **{i.id: i.issue_key for i in issues}}
    has_parent = any(i.parent_issue_id for i in issues)
    headers = [
        "Key", "Summary", "Status", "Resolution", "Type", "Priority", "Assignee", "Category", "Version",
        "Milestone", "Start", "Due", "Created", "Updated", "Custom fields",
    ]  # fmt: skip
    if has_parent:
        headers.append("Parent")
    rows = []
    cut = False
    for issue in issues:
        custom, was_cut = _custom_summary(issue.custom_fields, ctx)
        cut |= was_cut
        row: list[object] = [
            issue.issue_key,
            issue.summary,
            issue.status.name if issue.status else None,
            issue.resolution.name if issue.resolution else None,
            issue.issue_type.name if issue.issue_type else None,
            issue.priority.name if issue.priority else None,
            user_label(issue.assignee) if issue.assignee else None,
            ", ".join(c.name for c in issue.category),
            ", ".join(v.name for v in issue.versions),
            ", ".join(m.name for m in issue.milestone),
            ctx.day(issue.start_date),
            ctx.day(issue.due_date),
            ctx.when(issue.created),
            ctx.when(issue.updated),
            custom,
        ]
        if has_parent:
            parent = issue.parent_issue_id
            row.append(keys.get(parent, f"id {parent}") if parent else None)
        rows.append(row)
    first, last = offset + 1, offset + len(issues)
    lines = [f"Issues {first}–{last} of {total}:", table(headers, rows)]
    if cut:
        lines.append(
            f"Custom field values over {_CUSTOM_CHARS} characters end in …; backlog_get_issue shows all."
        )
    if last < total:
        lines.append(next_call("backlog_get_issue_list", {**arguments, "offset": last}))
    else:
        lines.append("End of list.")
    lines.append(f"Open one: {ctx.issue_url('<Key>')}")
    return "\n".join(lines)


_CUSTOM_CHARS = 60  # a text-area field can hold pages; the list keeps its rows short


def _custom_summary(fields: Sequence[CustomFieldValue], ctx: RenderContext) -> tuple[str, bool]:
    """`name: value; …` for the fields that have a value, and whether any value was cut."""
    parts, cut = [], False
    for field in fields:
        text = " ".join(custom_field_text(field, ctx).split())
        if text == EMPTY:
            continue
        if len(text) > _CUSTOM_CHARS:
            text, cut = text[:_CUSTOM_CHARS].rstrip() + "…", True
        parts.append(f"{field.name}: {text}")
    return "; ".join(parts), cut


def render_issue_count(total: int, filters: Mapping[str, Any]) -> str:
    # Capped as every echo is: a 100,000-character keyword is not worth its tokens twice.
    described = ", ".join(
        f"{k}={clip(one_line(_filter_text(v)))}" for k, v in filters.items() if v not in (None, [], "")
    )
    verb = "matches" if total == 1 else "match"
    return f"{plural(total, 'issue')} {verb}" + (f" ({described})." if described else ".")


def _filter_text(value: object) -> str:
    """A filter as the caller writes it: text as is, anything else as JSON (`true`, `[{"id":1}]`)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def custom_field_text(field: CustomFieldValue, ctx: RenderContext) -> str:
    """A custom field's value as one line of text (— when empty), whatever its type."""
    value = field.value
    if isinstance(value, list):
        text = ", ".join(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    elif isinstance(value, dict):
        text = str(value.get("name", value))
    elif field.field_type_id == 4 and isinstance(value, str):
        try:
            text = ctx.day(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            text = value
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = "" if value is None else str(value)
    if field.other_value:
        text = f"{text}, other: {field.other_value}" if text else f"other: {field.other_value}"
    return text or EMPTY


def custom_field_item(field: CustomFieldValue, ctx: RenderContext) -> str:
    """`- name: value` as a list item; a multi-line (text area) value is someone else's text.

    It starts on a line of its own, indented into the item, with `user_text`'s escaping: its
    lines cannot pass for a section of ours, and a fence in it opens where a reader sees one.
    """
    value = custom_field_text(field, ctx)
    if "\n" not in value.strip():
        return f"- {one_line(field.name)}: {one_line(value)}"
    return f"- {one_line(field.name)}:\n  " + user_text(value).replace("\n", "\n  ")


def render_attachments(attachments: Sequence[Attachment], ctx: RenderContext, *, issue_key: str) -> str:
    if not attachments:
        return f"{issue_key} has no attachments."
    rows = [
        [
            a.id,
            a.name,
            human_size(a.size),
            user_label(a.created_user) if a.created_user else None,
            ctx.when(a.created) if a.created else None,
        ]
        for a in attachments
    ]
    return f"{plural(len(attachments), 'attachment')} on {issue_key}, all shown:\n" + table(
        ["ID", "Name", "Size", "By", "Created"], rows
    )


def render_issue(
    issue: Issue, ctx: RenderContext, *, parent_key: str | None = None, comment_count: int | None = None
) -> str:
    """Every field of one issue, the description verbatim, custom fields and attachments.

    With `comment_count`, how many comments there are and the call that reads them.
    """

    def ref(item: Any) -> str:
        return f"{one_line(item.name)} (id {item.id})" if item is not None else EMPTY

    assignee = issue.assignee
    who = f"{user_label(assignee)} (id {assignee.id})" if assignee else EMPTY
    lines = [
        f"# {issue.issue_key} {one_line(issue.summary)}",
        f"{ctx.issue_url(issue.issue_key)} · ID {issue.id}",
        f"Type: {ref(issue.issue_type)} · Status: {ref(issue.status)} · Priority: {ref(issue.priority)}"
        f" · Resolution: {one_line(issue.resolution.name) if issue.resolution else EMPTY}",
        f"Assignee: {who} · Reporter: {user_label(issue.created_user)}",
    ]
    if issue.parent_issue_id:
        lines.append(f"Parent: {parent_key or f'id {issue.parent_issue_id}'}")
    lines += [
        f"Categories: {_names(issue.category)} · Milestones: {_names(issue.milestone)}"
        f" · Versions: {_names(issue.versions)}",
        f"Start: {ctx.day(issue.start_date)} · Due: {ctx.day(issue.due_date)}"
        f" · Estimated: {_hours(issue.estimated_hours)} · Actual: {_hours(issue.actual_hours)}",
        f"Created: {ctx.when(issue.created)} · Updated: {ctx.when(issue.updated)}"
        f" by {user_label(issue.updated_user)}",
    ]
    if comment_count is not None:
        lines.append(_comments_line(issue.issue_key, comment_count))
    if issue.custom_fields:
        lines.append("## Custom fields")
        values = [(f, custom_field_text(f, ctx)) for f in issue.custom_fields]
        lines += [custom_field_item(f, ctx) for f, value in values if value != EMPTY]
        empty = [one_line(f.name) for f, value in values if value == EMPTY]
        if empty:
            lines.append(f"- Empty: {', '.join(empty)}")
    lines.append("## Description")
    description = (issue.description or "").strip()
    # Fenced: a description's own headings and tables must not read as parts of this answer.
    lines.append(fenced(description) if description else "(empty)")
    if issue.attachments:
        lines.append("## " + render_attachments(issue.attachments, ctx, issue_key=issue.issue_key))
    if issue.shared_files:
        lines.append(f"## Shared files ({len(issue.shared_files)})")
        lines += [f"- {one_line(f.dir)}{one_line(f.name)} ({human_size(f.size)})" for f in issue.shared_files]
    return "\n".join(lines)


def _comments_line(issue_key: str, count: int) -> str:
    if not count:
        return "Comments: none"
    read = call_text("backlog_get_comments", {"issueIdOrKey": issue_key})
    return f"Comments: {count}; read them (newest first) with {read}"
