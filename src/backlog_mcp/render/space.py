"""The space (who you are, the rate limit left) and its activities, one line each."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from backlog_mcp.backlog.models import User
from backlog_mcp.backlog.space import Activity, ActivityContent, RateLimit, Space
from backlog_mcp.render.comments import FIELD_NAMES
from backlog_mcp.render.projects import ROLE_NAMES
from backlog_mcp.render.text import EMPTY, RenderContext, next_call, one_line, plural, table, user_label

__all__ = ["activity_line", "render_activities", "render_space"]

_EXCERPT_CHARS = 80
_LISTED = 5  # issues or users named in one bulk activity; the rest are counted


def render_space(space: Space, me: User, limits: RateLimit, ctx: RenderContext) -> str:
    role = ROLE_NAMES.get(me.role_type or 0, me.role_type or EMPTY)
    lines = [
        f"Space: {one_line(space.name) or EMPTY} (key {one_line(space.space_key) or EMPTY}) "
        f"at {ctx.base_url}",
        f"Time zone: {space.timezone or EMPTY}; text formatting: {space.text_formatting_rule or EMPTY}; "
        f"language: {space.lang or EMPTY}",
        f"You: {user_label(me)} (userId {one_line(me.user_id) or EMPTY}, ID {me.id}), {role}. "
        f'For "my" issues or activities pass assigneeId or userId {me.id}.',
    ]
    rows = []
    for bucket in ("read", "update", "search", "icon"):
        state = getattr(limits, bucket)
        if state is None or state.remaining is None:
            continue
        reset = datetime.fromtimestamp(state.reset, UTC) if state.reset else None
        rows.append([bucket, state.remaining, state.limit, ctx.when(reset)])
    if rows:
        lines.append("Rate limit left this minute (dates in the configured zone):")
        lines.append(table(["Kind", "Left", "Limit", "Resets"], rows))
    else:
        lines.append("Rate limit: Backlog did not say.")
    return "\n".join(lines)


def _quoted(text: object) -> str:
    """Someone's title on one line, in JSON quotes: it cannot pass for our separators or markup."""
    return json.dumps(one_line(text), ensure_ascii=False)


def _excerpt(text: str | None) -> str:
    line = one_line(text)
    return _quoted(line if len(line) <= _EXCERPT_CHARS else line[:_EXCERPT_CHARS] + "…") if line else ""


def _said(c: ActivityContent) -> str:
    """`: "<the comment's start>"`, or nothing for an empty comment."""
    excerpt = _excerpt(c.comment.content if c.comment else "")
    return f": {excerpt}" if excerpt else ""


def _issue_key(project: str, key_id: int | None, issue_id: object) -> str:
    return f"{project}-{key_id}" if key_id else f"issue ID {issue_id}"


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_LISTED])
    return shown + (f" and {len(items) - _LISTED} more" if len(items) > _LISTED else "")


def _fields(c: ActivityContent) -> str:
    """The fields a change touched, by today's names (Backlog's log keeps its first API's)."""
    return ", ".join(sorted({one_line(FIELD_NAMES.get(ch.field, ch.field)) for ch in c.changes if ch.field}))


def _issue(verb: str) -> Callable[[ActivityContent, str], str]:
    def line(c: ActivityContent, project: str) -> str:
        text = f"{verb} {_issue_key(project, c.key_id, c.id)} {_quoted(c.summary)}".rstrip()
        fields = _fields(c)
        if fields:
            text += f" ({fields})"
        if c.comment and c.comment.id and verb != "updated issue":
            text += f" (comment {c.comment.id})"
        if c.comment and c.comment.content.strip():
            text += f": {_excerpt(c.comment.content)}"
        return text

    return line


def _wiki(verb: str) -> Callable[[ActivityContent, str], str]:
    def line(c: ActivityContent, project: str) -> str:
        version = f" (version {c.version})" if c.version else ""
        return f"{verb} wiki page {_quoted(c.name)}, wikiId {c.id}{version}"

    return line


def _file(verb: str) -> Callable[[ActivityContent, str], str]:
    return lambda c, project: f"{verb} shared file {_quoted(c.dir + c.name)}, sharedFileId {c.id}"


def _repo(c: ActivityContent, project: str) -> str:
    return f"{project}/{one_line(c.repository.name) if c.repository else EMPTY}"


def _pushed(c: ActivityContent, project: str) -> str:
    count = c.revision_count if c.revision_count is not None else len(c.revisions)
    ref = one_line(c.ref).removeprefix("refs/heads/")
    text = f"pushed {plural(count, 'commit')} to {_quoted(ref)} of repository {_repo(c, project)}"
    return text + (f": {_excerpt(c.revisions[0].comment)}" if c.revisions else "")


def _pull_request(verb: str) -> Callable[[ActivityContent, str], str]:
    def line(c: ActivityContent, project: str) -> str:
        text = f"{verb} pull request {_repo(c, project)}/{c.number} {_quoted(c.summary)}"
        if c.issue and c.issue.key_id:
            text += f" (issue {project}-{c.issue.key_id})"
        if c.comment and c.comment.id:
            text += f" (comment {c.comment.id})"
        if c.comment and c.comment.content.strip():
            text += f": {_excerpt(c.comment.content)}"
        return text

    return line


def _bulk(verb: str) -> Callable[[ActivityContent, str], str]:
    def line(c: ActivityContent, project: str) -> str:
        keys = [_issue_key(project, link.key_id, link.id) for link in c.link]
        fields = _fields(c)
        text = f"{verb} {plural(len(keys), 'issue')}: {_names(keys)}"
        return text + (f" ({fields})" if fields else "")

    return line


def _members(verb: str) -> Callable[[ActivityContent, str], str]:
    def line(c: ActivityContent, project: str) -> str:
        people = [f"{user_label(u)} (ID {u.id})" for u in c.users]
        return f"{verb} {project}: {_names(people) or EMPTY}"

    return line


def _teams(verb: str) -> Callable[[ActivityContent, str], str]:
    def line(c: ActivityContent, project: str) -> str:
        teams = [f"{_quoted(t.name)} (ID {t.id})" for t in c.teams]
        return f"{verb} {project}: {_names(teams) or EMPTY}"

    return line


def _milestone(verb: str) -> Callable[[ActivityContent, str], str]:
    return lambda c, project: f"{verb} milestone {_quoted(c.name)}, milestoneId {c.id}"


def _document(verb: str) -> Callable[[ActivityContent, str], str]:
    def line(c: ActivityContent, project: str) -> str:
        text = f"{verb} {_quoted(c.title)}, documentId {c.id}"
        if c.attachments:
            text += " (" + ", ".join(f"{_quoted(a.name)} attachment {a.id}" for a in c.attachments) + ")"
        if c.comment and c.comment.id:
            text += f" (comment {one_line(c.comment.id)})"
        if c.comment and c.comment.content.strip():
            text += f": {_excerpt(c.comment.content)}"
        return text

    return line


def _documents(c: ActivityContent, project: str) -> str:
    docs = [f"{_quoted(d.title)} documentId {d.id}" for d in c.documents]
    return f"created {plural(len(docs), 'document')}: {_names(docs)}"


_LINES: dict[int, Callable[[ActivityContent, str], str]] = {
    1: _issue("created issue"),
    2: _issue("updated issue"),
    3: _issue("commented on issue"),
    4: lambda c, project: f"deleted issue {_issue_key(project, c.key_id, c.id)}",
    5: _wiki("created"),
    6: _wiki("updated"),
    7: _wiki("deleted"),
    8: _file("added"),
    9: _file("updated"),
    10: _file("deleted"),
    11: lambda c, project: f"committed r{c.rev} to Subversion" + _said(c),
    12: _pushed,
    13: lambda c, project: (
        f"created Git repository {_repo(c, project)} (ID {c.repository.id if c.repository else EMPTY})"
    ),
    14: _bulk("updated"),
    15: _members("added to"),
    16: _members("removed from"),
    17: _issue("notified people of a comment on issue"),
    18: _pull_request("opened"),
    19: _pull_request("updated"),
    20: _pull_request("commented on"),
    21: _pull_request("merged"),
    22: _milestone("created"),
    23: _milestone("updated"),
    24: _milestone("deleted"),
    25: _teams("added teams to"),
    26: _teams("removed teams from"),
    34: lambda c, project: f"deleted status {_quoted(c.name)} (ID {c.id}) of {project}",
    35: _bulk("changed the dates of"),
    36: _document("created document"),
    37: _document("deleted document"),
    38: _document("renamed document to"),
    40: _document("commented on document"),
    41: _document("edited a comment on document"),
    42: _document("deleted a comment on document"),
    43: _document("replied on document"),
    44: _document("edited a reply on document"),
    45: _document("deleted a reply on document"),
    46: _document("attached files to document"),
    47: _bulk("created"),
    48: _documents,
}

# Where each kind of reference opens; only the kinds on the page are listed under it.
_OPENS: tuple[tuple[frozenset[int], str], ...] = (
    (frozenset({1, 2, 3, 14, 17, 35, 47}), "issue keys with backlog_get_issue"),
    (frozenset({5, 6}), "wikiId with backlog_get_wiki_page"),
    (frozenset({8, 9}), "sharedFileId (with projectIdOrKey) with backlog_get_attachment_content"),
    (
        frozenset({18, 19, 20, 21}),
        "a pull request PROJECT/repo/number with backlog_get_pull_request "
        "{projectIdOrKey, repoIdOrName, number}",
    ),
    (frozenset({36, 38, 40, 41, 42, 43, 44, 45, 46, 48}), "documentId with backlog_get_document"),
    (frozenset({22, 23}), "milestoneId as a filter of backlog_get_issue_list"),
)


def activity_line(activity: Activity, ctx: RenderContext) -> str:
    project = one_line(activity.project.project_key) if activity.project else EMPTY
    render = _LINES.get(activity.type)
    what = render(activity.content, project) if render else f"did an activity of type {activity.type}"
    return f"- {ctx.when(activity.created)} · {user_label(activity.created_user)} · {project} · {what}"


def _legend(activities: Sequence[Activity]) -> str:
    types = {a.type for a in activities}
    opens = [text for ids, text in _OPENS if types & ids]
    return "Open: " + "; ".join(opens) + "." if opens else ""


def render_activities(
    activities: Sequence[Activity],
    *,
    scope: str,
    arguments: Mapping[str, Any],
    count: int,
    order: str,
    ctx: RenderContext,
    left_out: Sequence[Activity] = (),
    allowed: str = "",
) -> str:
    """One line per activity; the page's range and, when it was full, the exact call for the next.

    `left_out`: the page's activities of projects outside the allow-list: counted, never shown;
    they still count toward a full page and where the next one starts."""
    if not activities and not left_out:
        bounded = arguments.get("minId") is not None or arguments.get("maxId") is not None
        return f"No activities {scope}" + (" in this range." if bounded else ".")
    direction = "newest first" if order == "desc" else "oldest first"
    head = (
        f"{plural(len(activities), 'activity', 'activities')} {scope} ({direction}); "
        "Backlog gives no total for activities."
    )
    lines = [head]
    if left_out:
        lines.append(
            f"{plural(len(left_out), 'activity', 'activities')} of other projects (or of none) left "
            f"out of this page by BACKLOG_PROJECTS ({allowed})."
        )
    lines.extend(activity_line(a, ctx) for a in activities)
    legend = _legend(activities)
    if legend:
        lines.append(legend)
    page = [*activities, *left_out]
    if len(page) >= count:
        bound = "maxId" if order == "desc" else "minId"
        edge = min(a.id for a in page) if order == "desc" else max(a.id for a in page)
        lines.append(next_call("backlog_get_activities", {**arguments, bound: edge}))
    else:
        lines.append("End of activities in this direction.")
    return "\n".join(lines)
