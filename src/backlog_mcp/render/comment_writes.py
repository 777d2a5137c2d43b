"""What the comment and watching writes say: the comment Backlog reports, whose a comment is, a
watching that needs no write. Names and notes are someone's text: one line each, never raw."""

from __future__ import annotations

from collections.abc import Sequence

from backlog_mcp.backlog.issues import Comment
from backlog_mcp.backlog.models import User
from backlog_mcp.backlog.notifications import Watching
from backlog_mcp.render.comments import attachment_change
from backlog_mcp.render.text import RenderContext, one_line, user_label
from backlog_mcp.render.writes import Change, WriteResult

__all__ = ["comment_result", "not_yours", "notified_text", "watching_state"]


def _person(user: User) -> str:
    return f"{user_label(user)} (ID {user.id})"


def notified_text(users: Sequence[User]) -> str:
    return ", ".join(_person(u) for u in users)


def comment_result(comment: Comment, heading: str, key: str, ctx: RenderContext) -> WriteResult:
    """A comment as Backlog reports it after the write: its link, text, notified users, attachments."""
    changes = [Change("content", comment.content)]
    notified = [n.user for n in comment.notifications if n.user is not None]
    if notified:
        changes.append(Change("notified", notified_text(notified)))
    attached = [attachment_change(e) for e in comment.change_log or () if e.field == "attachment"]
    if attached:
        changes.append(Change("attachments", "; ".join(attached)))
    link = f"{ctx.issue_url(key)}#comment-{comment.id}"
    return WriteResult(heading, link, tuple(changes), created_id=comment.id)


def not_yours(comment_id: int, key: str, author: User | None, me: User) -> str:
    by = f"by {_person(author)}" if author is not None else "not yours"
    return (
        f"Comment {comment_id} on {key} is {by}; Backlog lets you edit only your own comments "
        f"(you are {_person(me)}). Add a new comment with backlog_add_comment instead."
    )


def watching_state(key: str, watching: Watching) -> str:
    note = one_line(watching.note or "")
    about = f", note: {note}" if note else ", no note"
    return (
        f"You are already watching {key} (watching {watching.id}{about}); nothing was sent. "
        "Give a different note to change it, or watch=false to stop watching."
    )
