"""An issue's parent, children and related issues; custom field definitions; resolutions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from backlog_mcp.backlog.issues import CustomField, Issue
from backlog_mcp.backlog.models import Resolution
from backlog_mcp.backlog.projects import IssueType
from backlog_mcp.render.text import (
    EMPTY,
    RenderContext,
    call_text,
    next_call,
    one_line,
    plural,
    table,
    user_label,
    user_name,
)

__all__ = ["CUSTOM_FIELD_TYPES", "render_custom_fields", "render_related_issues", "render_resolutions"]

CUSTOM_FIELD_TYPES = {
    1: "Text", 2: "TextArea", 3: "Numeric", 4: "Date", 5: "SingleList", 6: "MultipleList", 7: "CheckBox",
    8: "Radio",
}  # fmt: skip
_LIST_TYPES = (5, 6, 7, 8)


def _rows(issues: Sequence[Issue], ctx: RenderContext) -> list[list[object]]:
    return [
        [
            i.issue_key,
            i.summary,
            i.status.name if i.status else None,
            user_label(i.assignee) if i.assignee else None,
            ctx.day(i.due_date),
        ]
        for i in issues
    ]


_HEADERS = ["Key", "Summary", "Status", "Assignee", "Due"]


def render_related_issues(
    issue: Issue,
    *,
    parent: Issue | None,
    children: Sequence[Issue],
    total: int,
    offset: int,
    related: Sequence[Issue],
    arguments: Mapping[str, Any],
    ctx: RenderContext,
) -> str:
    """The parent on one line, a page of children with their total and next page, every related issue."""
    lines = [f"# Issues linked to {issue.issue_key} {one_line(issue.summary)}"]
    if parent is not None:
        status = f" ({one_line(parent.status.name)})" if parent.status else ""
        lines.append(f"Parent: {parent.issue_key} {one_line(parent.summary)}{status}")
    elif issue.parent_issue_id:
        lines.append(f"Parent: id {issue.parent_issue_id} (not readable with these credentials)")
    else:
        lines.append("Parent: none")
    if children:
        first, last = offset + 1, offset + len(children)
        lines += [f"Children {first}–{last} of {total}:", table(_HEADERS, _rows(children, ctx))]
        if last < total:
            lines.append(next_call("backlog_get_related_issues", {**arguments, "offset": last}))
        else:
            lines.append("End of children.")
    elif total and offset >= total:
        lines.append(f"Children: none at offset {offset} ({total} in all; use an offset below {total})")
    else:
        lines.append("Children: none")
    if related:
        lines += [f"Related ({len(related)}, all shown):", table(_HEADERS, _rows(related, ctx))]
    else:
        lines.append("Related: none")
    return "\n".join(lines)


def _items(field: CustomField) -> str:
    return ", ".join(f"{item.id} {user_name(item.name)}" for item in field.items)


def _example(project: str, fields: Sequence[CustomField]) -> str:
    """One filter call built from the first field of the most useful kind."""
    condition: dict[str, Any] | None = None
    for field in fields:
        if field.type_id in _LIST_TYPES and field.items:
            condition = {"id": field.id, "itemIds": [field.items[0].id]}
            break
    if condition is None:
        for field in fields:
            if field.type_id in (3, 4):
                condition = {"id": field.id, "min": "1" if field.type_id == 3 else "2026-01-01"}
                break
    if condition is None:
        condition = {"id": fields[0].id, "value": "text"}
    call = call_text("backlog_get_issue_list", {"projectIdOrKey": project, "customFields": [condition]})
    return f"Filter: {call} (Text/TextArea: value; Numeric/Date: min/max; lists: itemIds)"


def render_custom_fields(
    fields: Sequence[CustomField], *, project: str, issue_types: Sequence[IssueType]
) -> str:
    if not fields:
        return f"No custom fields in {project}."
    type_names = {t.id: t.name for t in issue_types}
    rows = [
        [
            f.id,
            f.name,
            CUSTOM_FIELD_TYPES.get(f.type_id or 0, EMPTY if f.type_id is None else f"type {f.type_id}"),
            "yes" if f.required else "no",
            ", ".join(user_name(type_names.get(t, f"id {t}")) for t in f.applicable_issue_types) or "all",
            _items(f) or EMPTY,
        ]
        for f in fields
    ]
    head = f"{plural(len(fields), 'custom field')} in {project}, all shown:"
    body = table(["ID", "Name", "Type", "Required", "Issue types", "Items (ID name)"], rows)
    return "\n".join([head, body, _example(project, fields)])


def render_resolutions(resolutions: Sequence[Resolution]) -> str:
    if not resolutions:
        return "No resolutions."
    head = f"{plural(len(resolutions), 'resolution')}, all shown (filter: resolutionId):"
    return head + "\n" + table(["ID", "Name"], [[r.id, r.name] for r in resolutions])
