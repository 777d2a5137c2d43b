"""`raw.md`: the issue, its description, every comment and the attachments where they belong.

The model reads this file as the source of truth, so the order is fixed (metadata, description,
attachments placed nowhere else, the comment timeline, extracted text) and nothing is summarised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from backlog_mcp.backlog.issues import Comment, Issue
from backlog_mcp.export.model import AttachmentEntry, IssueContext
from backlog_mcp.render.comments import FIELD_NAMES, attachment_change, description_diff, edited_note
from backlog_mcp.render.issues import custom_field_item
from backlog_mcp.render.text import (
    CHANGES,
    EMPTY,
    RenderContext,
    cell,
    fenced,
    human_size,
    one_line,
    table,
    user_label,
    user_name,
    user_text,
)

__all__ = ["render_raw_markdown"]

_CHANGE_CELL_CHARS = 300  # a description's whole old text would drown the table


def _comment_heading(comment: Comment, ctx: RenderContext) -> str:
    author, when = user_label(comment.created_user), ctx.when(comment.created)
    return f"### Comment #{comment.id} — {author} — {when}{edited_note(comment, ctx)}"


def _link_target(file: str) -> str:
    # CommonMark needs <…> around a destination with spaces or parentheses; safe names have no <>.
    return f"<{file}>" if re.search(r"[\s()]", file) else file


def _table_target(file: str) -> str:
    # A table cell collapses whitespace, so spaces (also U+3000, common in Japanese names) and
    # parentheses are percent-encoded instead of wrapped in <…>.
    return "".join(quote(ch) if ch.isspace() or ch in "()" else ch for ch in file)


def _label(text: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", one_line(text))


def _attachment_line(entry: AttachmentEntry) -> str:
    """One attachment as a list item: embedded image, linked file, or the reason it has no file."""
    a = entry.attachment
    facts = f"attachment {a.id}, {human_size(a.size)}, by {user_label(a.created_user)}"
    if entry.file:
        bang = "!" if entry.is_image else ""
        shown = f"{bang}[{_label(a.name)}]({_link_target(entry.file)})"
    else:
        shown = f"{_label(a.name)} (not downloaded: {entry.skipped})"
    placement = entry.placement
    return f"- {shown} — {facts}; {placement.confidence}: {placement.reason}"


def _metadata(issue: Issue, context: IssueContext, ctx: RenderContext) -> list[str]:
    def name(item: object | None) -> str:
        return one_line(getattr(item, "name", None)) or EMPTY

    def names(items: Sequence[object]) -> str:
        return ", ".join(name(i) for i in items) or EMPTY

    def hours(value: float | None) -> str:
        return EMPTY if value is None else f"{value:g}"

    parent = context.parent_key or (f"id {issue.parent_issue_id}" if issue.parent_issue_id else EMPTY)
    lines = [
        f"# {issue.issue_key} {one_line(issue.summary)}",
        "",
        f"- URL: {context.url}",
        f"- Type: {name(issue.issue_type)}",
        f"- Status: {name(issue.status)}",
        f"- Resolution: {name(issue.resolution)}",
        f"- Priority: {name(issue.priority)}",
        f"- Parent: {parent}",
        f"- Assignee: {user_label(issue.assignee)}",
        f"- Reporter: {user_label(issue.created_user)}",
        f"- Categories: {names(issue.category)}",
        f"- Milestones: {names(issue.milestone)}",
        f"- Versions: {names(issue.versions)}",
        f"- Start date: {ctx.day(issue.start_date)}",
        f"- Due date: {ctx.day(issue.due_date)}",
        f"- Created: {ctx.when(issue.created)}",
        f"- Updated: {ctx.when(issue.updated)} by {user_label(issue.updated_user)}",
        f"- Estimated hours: {hours(issue.estimated_hours)}",
        f"- Actual hours: {hours(issue.actual_hours)}",
    ]
    if issue.custom_fields:
        lines += ["", "## Custom fields", ""]
        lines += [custom_field_item(f, ctx) for f in issue.custom_fields]
    return lines


def _placed(entries: Sequence[AttachmentEntry], heading: str) -> list[str]:
    if not entries:
        return []
    return ["", heading, *(_attachment_line(e) for e in entries)]


def _change_cell(value: str | None) -> str:
    text = " ".join((value or "").split())
    if len(text) > _CHANGE_CELL_CHARS:
        text = f"{text[:_CHANGE_CELL_CHARS]}… ({len(text)} chars)"
    return cell(text)


def _change_log(comment: Comment) -> list[str]:
    if not comment.change_log:
        return []
    rows = [CHANGES, "", "| Field | From | To |", "|---|---|---|"]
    diffs: list[str] = []
    for entry in comment.change_log:
        # A custom field is named by a person: never read as one of Backlog's own fields.
        field = (
            f"custom field {user_name(entry.field)}"
            if entry.custom_field
            else FIELD_NAMES.get(entry.field, entry.field)
        )
        if field == "description":
            # Two long texts cut at the same length would look alike: the lines that changed say it.
            lines = description_diff(entry.original_value, entry.new_value)
            diffs += ["", "Description change:", "", fenced("\n".join(lines) or "(whitespace only)", "diff")]
            rows.append("| description | (below) | (below) |")
            continue
        if field == "attachment":
            rows.append(f"| attachment | {EMPTY} | {cell(attachment_change(entry))} |")
            continue
        before = _change_cell(entry.original_value)
        after = _change_cell(entry.new_value)
        rows.append(f"| {cell(field)} | {before} | {after} |")
    return ["", *rows, *diffs]


def _comment(comment: Comment, entries: Sequence[AttachmentEntry], ctx: RenderContext) -> list[str]:
    lines = ["", _comment_heading(comment, ctx), ""]
    lines.append(user_text(comment.content) or "(no text: change log only)")
    lines += _change_log(comment)
    lines += _placed(entries, "Attachments added here:")
    return lines


def _file_cell(entry: AttachmentEntry) -> str:
    if not entry.file:
        return f"not downloaded: {entry.skipped}"
    if entry.is_image:
        return f"![image]({_table_target(entry.file)})"
    return f"[file]({_table_target(entry.file)})"


def _unplaced_table(entries: Sequence[AttachmentEntry], ctx: RenderContext) -> list[str]:
    rows = [
        [
            e.attachment.id,
            e.attachment.name,
            human_size(e.attachment.size),
            user_label(e.attachment.created_user),
            ctx.when(e.attachment.created),
            _file_cell(e),
            f"{e.placement.confidence}: {e.placement.reason}",
        ]
        for e in entries
    ]
    headers = ["ID", "Name", "Size", "By", "Created", "File", "Placement"]
    return ["", "## Attachments not placed elsewhere", "", table(headers, rows)]


def _comments(context: IssueContext, ctx: RenderContext) -> list[str]:
    if context.comments is None:
        return ["", "## Comments", "", "Not included (includeComments=false)."]
    shown = context.shown_comments()
    dropped = len(context.comments) - len(shown)
    note = f", {dropped} change-log-only left out" if dropped else ""
    lines = ["", f"## Comments ({len(context.comments)}, oldest first{note})"]
    by_comment: dict[int, list[AttachmentEntry]] = {}
    for entry in context.attachments:
        if entry.placement.comment_id is not None:
            by_comment.setdefault(entry.placement.comment_id, []).append(entry)
    for comment in shown:
        lines += _comment(comment, by_comment.get(comment.id, []), ctx)
    return lines


def _extracts(entries: Sequence[AttachmentEntry]) -> list[str]:
    readable = [e for e in entries if e.extract is not None]
    if not readable:
        return []
    lines = ["", "## Extracted text of readable attachments"]
    for entry in readable:
        extract = entry.extract
        assert extract is not None
        decoded = "" if extract.encoding == "utf-8" else f" (decoded from {extract.encoding})"
        lines += ["", f"### Attachment {entry.attachment.id}: {_label(entry.attachment.name)}{decoded}", ""]
        lines.append(fenced(extract.text.rstrip("\n")))
        if extract.truncated:
            lines.append(
                f"[truncated: the first {extract.shown_bytes} of {extract.total_bytes} bytes; "
                f"the whole file is {entry.file}]"
            )
    return lines


def render_raw_markdown(context: IssueContext, ctx: RenderContext) -> str:
    issue = context.issue
    lines = _metadata(issue, context, ctx)
    description = (issue.description or "").strip()
    # Fenced, and so verbatim: the description's own headings cannot pass for this file's sections.
    lines += ["", "## Description", "", fenced(description) if description else "(empty)"]
    if not context.options.include_attachments:
        count = len(issue.attachments)
        lines += [
            "",
            "## Attachments",
            "",
            f"Not included (includeAttachments=false); the issue has {count}.",
        ]
    in_description = [e for e in context.attachments if e.placement.target == "description"]
    lines += _placed(in_description, "Attachments placed here:")
    shown = {c.id for c in context.shown_comments()}
    # Unmatched ones, and any whose comment is not in the timeline: every file appears somewhere.
    elsewhere = [
        e
        for e in context.attachments
        if e.placement.target is None
        or (e.placement.target == "comment" and e.placement.comment_id not in shown)
    ]
    if elsewhere:
        lines += _unplaced_table(elsewhere, ctx)
    lines += _comments(context, ctx)
    if context.options.extract_readable_files:
        lines += _extracts(context.attachments)
    return "\n".join(lines) + "\n"
