"""Write tools on an issue's conversation: add a comment, edit your own, watch or unwatch the issue.

Each reads what it needs first (the issue, the comment, your watching) so that a dry run shows
exactly what would be sent, `from → to` where something is overwritten, and a call that would
change nothing sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator

from backlog_mcp.aio import gather
from backlog_mcp.backlog.comment_writes import CommentWriteEndpoints
from backlog_mcp.backlog.issues import Comment, Issue, IssueEndpoints
from backlog_mcp.backlog.models import User
from backlog_mcp.errors import BacklogNotFoundError, BacklogPermissionError
from backlog_mcp.render.comment_writes import (
    comment_result,
    not_yours,
    notified_text,
    watching_state,
)
from backlog_mcp.render.text import call_text
from backlog_mcp.tools.args import IdList, IssueRef, backlog_id, issue_ref
from backlog_mcp.tools.registry import ToolDef
from backlog_mcp.tools.state import Accounts, AppState, app_state
from backlog_mcp.tools.uploads import AttachFilesArg, files_change, local_files, upload_files
from backlog_mcp.tools.writes import (
    WRITE_ADDS,
    WRITE_OVERWRITES,
    WRITE_TOGGLES,
    Change,
    DryRunArg,
    WritePlan,
    WriteResult,
    perform,
)

__all__ = ["COMMENT_WRITE_TOOLS"]

# No descriptions: the names say it, and tools/list is read on every turn (the tool's docstring
# says what `watch` false does); a wrong value gets a sentence naming the tool that lists IDs.
ContentArg = str
NotifiedArg = IdList
CommentIdArg = Annotated[int, AfterValidator(backlog_id("backlog_get_comments"))]
WatchArg = bool
NoteArg = str | None


def _project_key(issue: Issue) -> str:
    return issue.issue_key.rsplit("-", 1)[0]


def _comments_check(key: str) -> str:
    call = call_text("backlog_get_comments", {"issueIdOrKey": key, "order": "desc"})
    return f"look at {call} before sending it again"


def _content(content: str) -> str:
    if not content.strip():
        raise ToolError("content is empty: give the comment's text.")
    return content


async def _notified_users(state: AppState, issue: Issue, ids: Sequence[int]) -> list[User]:
    """The users to notify, each a member of the issue's project, in the order given.

    Raises:
        ToolError: an ID that is not a member's, naming the tool that lists them.
    """
    if not ids:
        return []
    project = _project_key(issue)
    members = {u.id: u for u in await state.resolver.users(project)}
    unknown = [i for i in dict.fromkeys(ids) if i not in members]
    if unknown:
        listing = call_text("backlog_get_users", {"projectIdOrKey": project})
        raise ToolError(
            f"notifiedUserId {', '.join(map(str, unknown))}: no such member of project {project}; "
            f"{listing} lists the user IDs."
        )
    return [members[i] for i in dict.fromkeys(ids)]


async def backlog_add_comment(
    ctx: Context[Accounts, Any],
    issueIdOrKey: IssueRef,
    content: ContentArg,
    notifiedUserId: NotifiedArg = None,
    attachFiles: AttachFilesArg = None,
    dryRun: DryRunArg = False,
) -> str:
    """Comment on an issue."""
    state = app_state(ctx)
    text = _content(content)
    files = local_files(state, attachFiles)  # every path checked before anything is read or sent
    issue = await IssueEndpoints(state.api).get_issue(issue_ref(issueIdOrKey))
    key = issue.issue_key
    notified = await _notified_users(state, issue, notifiedUserId or [])
    changes = [Change("content", text)]
    if notified:
        changes.append(Change("notified", notified_text(notified)))
    if (attached := files_change(files)) is not None:
        changes.append(attached)
    ids = [u.id for u in notified]
    plan = WritePlan(
        tool="backlog_add_comment",
        action=f"Add a comment to {key}",
        target=key,
        changes=tuple(changes),
        sent={"content": text, "notifiedUserId": ids or None, "attachFiles": [f.name for f in files] or None},
    )

    async def send() -> WriteResult:
        attachment_ids = await upload_files(state, attachFiles)
        comment = await CommentWriteEndpoints(state.api).add_comment(
            key, text, notified_user_ids=ids, attachment_ids=attachment_ids, check=_comments_check(key)
        )
        return comment_result(comment, f"Added comment {comment.id} to {key}", key, state.render)

    return await perform(state, plan, dry_run=dryRun, send=send)


async def _comment_and_author(state: AppState, key: str, comment_id: int) -> tuple[Issue, Comment, User]:
    """The issue, the comment and who you are; a missing issue is reported as such, not as its comment."""
    writes = CommentWriteEndpoints(state.api)

    async def comment() -> Comment | None:
        try:
            return await writes.get_comment(key, comment_id)
        except BacklogNotFoundError:
            return None

    issue, found, me = await gather(
        IssueEndpoints(state.api).get_issue(key), comment(), state.resolver.myself()
    )
    if found is None:
        listing = call_text("backlog_get_comments", {"issueIdOrKey": issue.issue_key})
        raise ToolError(f"Comment {comment_id} not found on {issue.issue_key}; {listing} lists its comments.")
    return issue, found, me


async def backlog_update_comment(
    ctx: Context[Accounts, Any],
    issueIdOrKey: IssueRef,
    commentId: CommentIdArg,
    content: ContentArg,
    dryRun: DryRunArg = False,
) -> str:
    """Edit your own comment."""
    state = app_state(ctx)
    text = _content(content)
    issue, comment, me = await _comment_and_author(state, issue_ref(issueIdOrKey), commentId)
    key = issue.issue_key
    author = comment.created_user
    if author is not None and author.id != me.id:
        raise ToolError(not_yours(commentId, key, author, me))
    if (comment.content or "") == text:
        return f"Comment {commentId} on {key} already has this text; nothing was sent."
    plan = WritePlan(
        tool="backlog_update_comment",
        action=f"Edit comment {commentId} on {key}",
        target=f"comment {commentId} on {key}",
        changes=(Change.update("content", comment.content, text),),
        sent={"content": text},
    )

    async def send() -> WriteResult:
        try:
            updated = await CommentWriteEndpoints(state.api).update_comment(
                key, commentId, text, check=_comments_check(key)
            )
        except BacklogPermissionError:
            raise ToolError(not_yours(commentId, key, author, me)) from None
        result = comment_result(updated, f"Edited comment {commentId} on {key}", key, state.render)
        changes = (Change.update("content", comment.content, updated.content),)
        return WriteResult(result.heading, result.link, changes)

    return await perform(state, plan, dry_run=dryRun, send=send)


async def backlog_watch_issue(
    ctx: Context[Accounts, Any],
    issueIdOrKey: IssueRef,
    watch: WatchArg = True,
    note: NoteArg = None,
    dryRun: DryRunArg = False,
) -> str:
    """Watch an issue (with a note); watch=false stops."""
    state = app_state(ctx)
    if not watch and note is not None:
        raise ToolError("note goes with watch=true: stopping watching removes the watching and its note.")
    issue, me = await gather(
        IssueEndpoints(state.api).get_issue(issue_ref(issueIdOrKey)), state.resolver.myself()
    )
    key = issue.issue_key
    writes = CommentWriteEndpoints(state.api)
    current = await writes.watching_of(me.id, issue.id)
    link = state.render.issue_url(key)
    again = call_text("backlog_watch_issue", {"issueIdOrKey": key, "watch": watch, "dryRun": True})
    check = f"call {again} to see whether you watch it now"
    if not watch:
        if current is None:
            return f"You are not watching {key}; nothing was sent."
        plan = WritePlan(
            tool="backlog_watch_issue",
            action=f"Stop watching {key} (watching {current.id})",
            target=key,
            changes=(Change.update("watching", "yes", "no"),),
            sent={"watchingId": current.id},
        )

        async def unwatch() -> WriteResult:
            removed = await writes.delete_watching(current.id, check=check)
            changes = (Change.update("watching", "yes", "no"),)
            return WriteResult(f"Stopped watching {key} (watching {removed.id} removed)", link, changes)

        return await perform(state, plan, dry_run=dryRun, send=unwatch)
    if current is not None and (note is None or note == (current.note or "")):
        return watching_state(key, current)
    if current is not None and note is not None:
        watching_id = current.id
        plan = WritePlan(
            tool="backlog_watch_issue",
            action=f"Change the note of your watching {watching_id} of {key}",
            target=key,
            changes=(Change.update("note", current.note, note),),
            sent={"watchingId": watching_id, "note": note},
        )

        async def renote() -> WriteResult:
            updated = await writes.update_watching(watching_id, note, check=check)
            changes = (Change.update("note", current.note, updated.note),)
            return WriteResult(f"Changed the note of your watching {watching_id} of {key}", link, changes)

        return await perform(state, plan, dry_run=dryRun, send=renote)
    plan = WritePlan(
        tool="backlog_watch_issue",
        action=f"Watch {key}",
        target=key,
        changes=(Change.update("watching", "no", "yes"), *((Change("note", note),) if note else ())),
        sent={"issueIdOrKey": key, "note": note},
    )

    async def add() -> WriteResult:
        added = await writes.add_watching(key, note, check=check)
        changes = (
            Change.update("watching", "no", "yes"),
            *((Change("note", added.note),) if added.note else ()),
        )
        return WriteResult(f"Now watching {key} (watching {added.id})", link, changes, created_id=added.id)

    return await perform(state, plan, dry_run=dryRun, send=add)


COMMENT_WRITE_TOOLS = (
    ToolDef(backlog_add_comment, "Add issue comment", annotations=WRITE_ADDS, writes=True),
    ToolDef(backlog_update_comment, "Edit your comment", annotations=WRITE_OVERWRITES, writes=True),
    ToolDef(backlog_watch_issue, "Watch issue", annotations=WRITE_TOGGLES, writes=True),
)
