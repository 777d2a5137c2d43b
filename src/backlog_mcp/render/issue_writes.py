"""The fields of an issue as a write shows them: names with their IDs (`バグ (ID 2)`), dates as the
space's days, one line each, so a dry run's `from → to` and a real call's report read alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from backlog_mcp.backlog.issues import CustomFieldValue, Issue
from backlog_mcp.backlog.models import NamedRef, User
from backlog_mcp.render.issues import custom_field_text
from backlog_mcp.render.text import EMPTY, RenderContext, one_line, user_label

__all__ = [
    "FIELD_ORDER",
    "changed_fields",
    "custom_label",
    "hours_text",
    "issue_fields",
    "named",
    "named_list",
    "user_value",
]

# The order fields are shown in, dry run and report alike (custom fields follow, then attachments).
FIELD_ORDER = (
    "summary", "issueType", "status", "resolution", "priority", "assignee", "parentIssue",
    "category", "milestone", "version", "startDate", "dueDate", "estimatedHours", "actualHours",
    "description",
)  # fmt: skip


def named(ref: NamedRef | object | None) -> str:
    """`name (ID n)` for anything with an ID and a name; — for nothing."""
    if ref is None:
        return EMPTY
    name, ref_id = one_line(getattr(ref, "name", "")), getattr(ref, "id", None)
    return f"{name} (ID {ref_id})" if name else f"ID {ref_id}"


def named_list(refs: Sequence[object]) -> str:
    return ", ".join(named(ref) for ref in refs) or EMPTY


def user_value(user: User | None) -> str:
    return EMPTY if user is None else f"{user_label(user)} (ID {user.id})"


def hours_text(hours: float | None) -> str:
    return EMPTY if hours is None else f"{hours:g}"


def custom_label(name: str, field_id: int) -> str:
    return f"{one_line(name)} (custom field {field_id})"


def issue_fields(issue: Issue, ctx: RenderContext, *, parent_key: str | None = None) -> dict[str, str]:
    """Every field a write can set, as shown; custom fields by `custom_label`."""
    fields = {
        "summary": one_line(issue.summary) or EMPTY,
        "issueType": named(issue.issue_type),
        "status": named(issue.status),
        "resolution": named(issue.resolution),
        "priority": named(issue.priority),
        "assignee": user_value(issue.assignee),
        "parentIssue": parent_key or (f"ID {issue.parent_issue_id}" if issue.parent_issue_id else EMPTY),
        "category": named_list(issue.category),
        "milestone": named_list(issue.milestone),
        "version": named_list(issue.versions),
        "startDate": ctx.day(issue.start_date),
        "dueDate": ctx.day(issue.due_date),
        "estimatedHours": hours_text(issue.estimated_hours),
        "actualHours": hours_text(issue.actual_hours),
        # Whole: someone else's text, which the write's answer fences when it spans lines.
        "description": issue.description or EMPTY,
    }
    for field in issue.custom_fields:
        fields[custom_label(field.name, field.id)] = custom_value(field, ctx)
    fields["attachments"] = ", ".join(f"{one_line(a.name)} (ID {a.id})" for a in issue.attachments) or EMPTY
    return fields


def custom_value(field: CustomFieldValue, ctx: RenderContext) -> str:
    return one_line(custom_field_text(field, ctx)) or EMPTY


def changed_fields(
    before: Mapping[str, str], after: Mapping[str, str]
) -> Iterable[tuple[str, str | None, str]]:
    """`(field, from, to)` for each field whose shown value differs; `from` None when it is new."""
    for name, value in after.items():
        old = before.get(name, EMPTY)
        if old != value:
            yield name, old, value
