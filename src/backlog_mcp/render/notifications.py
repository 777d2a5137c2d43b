"""Notifications and watchings as compact Markdown tables: one row each, with the ID or key that
opens what the row is about."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from backlog_mcp.backlog.notifications import Notification, Watching
from backlog_mcp.render.text import RenderContext, next_call, one_line, plural, table, user_label

__all__ = [
    "REASONS",
    "left_out_line",
    "notification_summary",
    "read_words",
    "render_notifications",
    "render_watchings",
    "watching_sort_words",
]

REASONS = {
    1: "assigned to issue",
    2: "issue commented",
    3: "issue added",
    4: "issue updated",
    5: "file added",
    6: "project user added",
    9: "other",
    10: "assigned to PR",
    11: "PR commented",
    12: "PR added",
    13: "PR updated",
    14: "document commented",
    15: "reply to document comment",
    17: "mentioned in document",
}
_EXCERPT_CHARS = 60  # of a comment, in a row: enough to tell what it is about


def left_out_line(count: int, noun: str, allowed: str, plural_noun: str | None = None) -> str:
    """How many items of other projects a list leaves out under BACKLOG_PROJECTS: never which."""
    return (
        f"{plural(count, noun, plural_noun)} of other projects (or of none) left out of this page "
        f"by BACKLOG_PROJECTS ({allowed})."
    )


def reason_words(reason: int | None) -> str:
    return REASONS.get(reason, f"reason {reason}") if reason is not None else "reason unknown"


def _excerpt(text: str | None) -> tuple[str, bool]:
    """A comment's first characters on one line, in JSON quotes (where it ends cannot be faked),
    and whether it was cut."""
    line = one_line(text)
    if not line:
        return "", False
    cut = len(line) > _EXCERPT_CHARS
    shown = line[:_EXCERPT_CHARS].rstrip() + "…" if cut else line
    return json.dumps(shown, ensure_ascii=False), cut


def _about(n: Notification) -> tuple[str, bool, str | None]:
    """What `n` is about, with its key or ID; whether an excerpt was cut; the tool that opens it."""
    quoted, cut = "", False
    if n.issue is not None:
        ref, tool = n.issue.issue_key, "backlog_get_issue"
        if n.comment is not None:
            ref += f" comment {n.comment.id}"
            quoted, cut = _excerpt(n.comment.content)
        title = n.issue.summary
    elif n.pull_request is not None:
        pr = n.pull_request
        project = n.project.project_key if n.project else "?"
        if n.repository is not None and one_line(n.repository.name):
            repo = one_line(n.repository.name)
        else:  # older payloads send no repository beside the pull request
            repo = f"repository {pr.repository_id}" if pr.repository_id else "repository ?"
        if pr.number is None:  # a number is what opens it; without one, its ID still names it
            ref, tool = f"PR id {pr.id} in {project}/{repo}", None
        else:
            ref, tool = f"PR {project}/{repo}/{pr.number}", "backlog_get_pull_request"
        if n.pull_request_comment is not None:
            ref += f" comment {n.pull_request_comment.id}"
            quoted, cut = _excerpt(n.pull_request_comment.content)
        title = pr.summary
    elif n.document is not None:
        ref, tool = f"document {n.document.id}", "backlog_get_document"
        comment, reply = n.document_comment, n.document_comment_reply
        if reply is not None:
            ref += f" reply {reply.id}" + (f" to comment {comment.id}" if comment else "")
            quoted, cut = _excerpt(reply.plain)
        elif comment is not None:
            ref += f" comment {comment.id}"
            quoted, cut = _excerpt(comment.plain)
        title = n.document.title
    elif n.project is not None:
        ref, tool, title = f"project {n.project.project_key}", None, n.project.name
    else:
        return "—", False, None
    text = f"{ref}: {one_line(title)}" if one_line(title) else ref
    return (f"{text} — {quoted}" if quoted else text), cut, tool


def read_words(n: Notification) -> str:
    """Backlog's two flags: `alreadyRead` (false: new since you last checked the list, what the
    unread count counts) and `resourceAlreadyRead` (the notification itself opened)."""
    if n.already_read:
        return "read" if n.resource_already_read else "seen, not opened"
    return "unread, opened" if n.resource_already_read else "unread"


def notification_summary(n: Notification) -> str:
    """Why it came and what it is about, on one line: `issue commented — DEMO-3 comment 7: …`."""
    return f"{reason_words(n.reason)} — {_about(n)[0]}"


_OPENERS = {
    "backlog_get_issue": "backlog_get_issue (the key)",
    "backlog_get_pull_request": (
        "backlog_get_pull_request {projectIdOrKey, repoIdOrName, number} (PROJECT/repo/number)"
    ),
    "backlog_get_document": "backlog_get_document (the ID)",
}


def render_notifications(
    notifications: Sequence[Notification],
    *,
    unread: int,
    more: bool,
    order: str,
    arguments: Mapping[str, Any],
    ctx: RenderContext,
    left_out: int = 0,
    allowed: str = "",
    last_id: int | None = None,
) -> str:
    """A table of notifications; the unread count; the call for the next page when `more`.

    `left_out`: how many of the page were of projects outside the allow-list (never shown);
    `last_id`: the page's last ID as Backlog sent it, where the next page starts."""
    direction = "newest first" if order == "desc" else "oldest first"
    sender = arguments.get("senderId")
    whose = f" from user {sender}" if sender is not None else ""
    unread_line = f"{unread} unread in all{' projects' if left_out else ''}."
    if not notifications and not left_out:
        bounded = arguments.get("minId") is not None or arguments.get("maxId") is not None
        where = " in this ID range" if bounded else ""
        return f"No notifications{whose}{where}. {unread_line}"
    rows, cut, tools = [], False, []
    for n in notifications:
        about, was_cut, tool = _about(n)
        cut |= was_cut
        if tool and tool not in tools:
            tools.append(tool)
        read = read_words(n)
        rows.append([n.id, ctx.when(n.created), read, reason_words(n.reason), user_label(n.sender), about])
    lines = [f"{plural(len(notifications), 'notification')}{whose} shown ({direction}); {unread_line}"]
    if left_out:
        lines.append(left_out_line(left_out, "notification", allowed))
    if rows:
        lines.append(table(["ID", "When", "Read", "Reason", "From", "About"], rows))
    if cut:
        lines.append(
            f"Comments are cut at {_EXCERPT_CHARS} characters (…); open the item for the whole text."
        )
    if tools:
        lines.append("Open with " + ", ".join(_OPENERS[t] for t in tools) + ".")
    if more:
        last = last_id if last_id is not None else notifications[-1].id
        bound = {"maxId": last} if order == "desc" else {"minId": last}
        lines.append(next_call("backlog_get_notifications", {**arguments, **bound}))
    else:
        lines.append("End of notifications in this direction.")
    return "\n".join(lines)


_SORT_WORDS = {"created": "when watched", "updated": "watching updated", "issueUpdated": "issue updated"}


def watching_sort_words(sort: str, order: str) -> str:
    return f"by {_SORT_WORDS.get(sort, sort)}, {'newest' if order == 'desc' else 'oldest'} first"


def render_watchings(
    watchings: Sequence[Watching],
    *,
    whose: str,
    total: int,
    offset: int,
    sort: str,
    order: str,
    unread_only: bool,
    arguments: Mapping[str, Any],
    ctx: RenderContext,
    left_out: int = 0,
    allowed: str = "",
) -> str:
    """The watched issues: watching ID, key, summary, status, read or unread, last update, note.

    `left_out`: how many of the page Backlog sent were of projects outside the allow-list; the
    positions and the next offset count them, as Backlog's offset does."""
    kind = f"{'unread issues' if unread_only else 'issues'} watched by {whose}"
    if not watchings and not left_out:
        if total and offset >= total:
            return f"No {kind} at offset {offset}: {total} in all. Use an offset below {total}."
        return f"No {kind} (0 in total)."
    rows = []
    for w in watchings:
        issue = w.issue
        read = {True: "read", False: "unread", None: None}[w.read]
        rows.append(
            [
                w.id,
                issue.issue_key if issue else None,
                issue.summary if issue else None,
                issue.status.name if issue and issue.status else None,
                read,
                ctx.when(w.last_content_updated),
                w.note,
            ]
        )
    first, last = offset + 1, offset + len(watchings) + left_out
    every = " (all projects)" if left_out else ""
    lines = [
        f"{kind[0].upper()}{kind[1:]}: {first}–{last} of {total}{every}, {watching_sort_words(sort, order)}."
    ]
    if left_out:
        lines.append(left_out_line(left_out, "watching", allowed))
    if rows:
        lines.append(table(["Watching", "Key", "Summary", "Status", "Read", "Content updated", "Note"], rows))
    if last < total:
        lines.append(next_call("backlog_get_watchings", {**arguments, "offset": last}))
    else:
        lines.append("End of list.")
    return "\n".join(lines)
