"""Git repositories and pull requests as compact Markdown."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from backlog_mcp.backlog.git import PullRequest, PullRequestRef, Repository
from backlog_mcp.backlog.models import Attachment
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
)

__all__ = [
    "STATUS_NAMES",
    "pull_request_url",
    "render_pull_request",
    "render_pull_requests",
    "render_repositories",
]

# Backlog's pull-request statuses (reference §5.6); its `status.name` is used when it sends one.
STATUS_NAMES = {1: "Open", 2: "Closed", 3: "Merged"}
COMMENTS_TOOL = "backlog_get_pull_request_comments"


def pull_request_url(ref: PullRequestRef, ctx: RenderContext) -> str:
    return f"{ctx.base_url}/git/{ref.project}/{ref.repo}/pullRequests/{ref.number}"


def _status(pr: PullRequest) -> str:
    if pr.status is None:
        return EMPTY
    return one_line(pr.status.name) or STATUS_NAMES.get(pr.status.id, str(pr.status.id))


def _branches(pr: PullRequest) -> str:
    return f"{one_line(pr.branch) or EMPTY} → {one_line(pr.base) or EMPTY}"


def render_repositories(repositories: Sequence[Repository], *, project: str, ctx: RenderContext) -> str:
    if not repositories:
        return f"No Git repositories in {project} (none, or Git is not used in this project)."
    rows = [
        [r.id, r.name, r.description, r.http_url, r.ssh_url, ctx.when(r.pushed_at) if r.pushed_at else None]
        for r in repositories
    ]
    head = f"{plural(len(repositories), 'Git repository', 'Git repositories')} in {project}, all shown:"
    return head + "\n" + table(["ID", "Name", "Description", "HTTP", "SSH", "Last push"], rows)


def render_pull_requests(
    prs: Sequence[PullRequest],
    *,
    repo: str,
    total: int,
    offset: int,
    arguments: Mapping[str, Any],
    issue_keys: Mapping[int, str],
    ctx: RenderContext,
) -> str:
    """The pull-request table, the range shown, the total and the exact next-page call."""
    if not prs:
        if total and offset >= total:
            return (
                f"No pull requests at offset {offset} in {repo}: {total} in all. Use an offset below {total}."
            )
        return f"No pull requests in {repo} match these filters (0 in total)."
    rows = [
        [
            f"#{pr.number}",
            pr.summary,
            _status(pr),
            _branches(pr),
            user_label(pr.created_user) if pr.created_user else None,
            user_label(pr.assignee) if pr.assignee else None,
            (issue_keys.get(pr.issue.id) or f"id {pr.issue.id}") if pr.issue else None,
            ctx.when(pr.updated),
        ]
        for pr in prs
    ]
    last = offset + len(prs)
    head = f"Pull requests in {repo}: {offset + 1}–{last} shown of {total} in total (newest first)."
    lines = [
        head,
        table(["#", "Summary", "Status", "Branch → base", "Author", "Assignee", "Issue", "Updated"], rows),
    ]
    if last < total:
        lines.append(next_call("backlog_get_pull_requests", {**arguments, "offset": last}))
    else:
        lines.append("End of list.")
    return "\n".join(lines)


def _attachments(attachments: Sequence[Attachment], ref: PullRequestRef) -> str:
    rows = [[a.id, a.name, human_size(a.size)] for a in attachments]
    owner = json.dumps(f"{ref.project}/{ref.repo}/{ref.number}", ensure_ascii=False)
    return (
        f"## {plural(len(attachments), 'attachment')}, all shown"
        f" (attachment tools take pullRequest {owner} and the ID)\n" + table(["ID", "Name", "Size"], rows)
    )


def render_pull_request(
    pr: PullRequest, ref: PullRequestRef, ctx: RenderContext, *, comment_count: int | None
) -> str:
    """Everything of one pull request: branches, status, issue, people, dates, files, description."""
    status = _status(pr)
    issue = pr.issue
    linked = EMPTY
    if issue is not None:
        key = one_line(issue.issue_key) or f"id {issue.id}"
        linked = f"{key} {one_line(issue.summary)}".strip()
    assignee = f"{user_label(pr.assignee)} (id {pr.assignee.id})" if pr.assignee else EMPTY
    lines = [
        f"# {ref} {one_line(pr.summary)}",
        f"{pull_request_url(ref, ctx)} · ID {pr.id}",
        f"Status: {status} · Branch: {_branches(pr)}",
        f"Issue: {linked}",
        f"Author: {user_label(pr.created_user)} · Assignee: {assignee}",
        f"Created: {ctx.when(pr.created)} · Updated: {ctx.when(pr.updated)}"
        + (f" · Merged: {ctx.when(pr.merge_at)}" if pr.merge_at else "")
        + (f" · Closed: {ctx.when(pr.close_at)}" if pr.close_at else ""),
    ]
    if pr.merge_commit:
        lines.append(f"Merge commit: {one_line(pr.merge_commit)}")
    if comment_count is not None:
        lines.append(_comments_line(ref, comment_count))
    lines.append("## Description")
    description = (pr.description or "").strip()
    # Fenced: a description's own headings and tables must not read as parts of this answer.
    lines.append(fenced(description) if description else "(empty)")
    if pr.attachments:
        lines.append(_attachments(pr.attachments, ref))
    return "\n".join(lines)


def _comments_line(ref: PullRequestRef, count: int) -> str:
    if not count:
        return "Comments: none"
    read = call_text(
        COMMENTS_TOOL, {"projectIdOrKey": ref.project, "repoIdOrName": ref.repo, "number": ref.number}
    )
    return f"Comments: {count}; read them (newest first) with {read}"
