"""Writes on an issue's conversation: add and edit comments, watch and unwatch the issue.

Every write goes through `BacklogClient.send_form`, which never repeats a write Backlog may have
done; `check` is the clause its error ends with, saying what to look at before sending it again.
"""

from __future__ import annotations

from collections.abc import Sequence

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.issues import Comment
from backlog_mcp.backlog.notifications import Watching
from backlog_mcp.backlog.params import Params

__all__ = ["CommentWriteEndpoints"]

_MAX_PAGE = 100


class CommentWriteEndpoints(EndpointGroup):
    async def get_comment(self, issue: str, comment_id: int) -> Comment:
        path = f"issues/{segment(issue)}/comments/{comment_id}"
        return await self.client.get_model(Comment, path, what=f"comment {comment_id} on {issue}")

    async def add_comment(
        self,
        issue: str,
        content: str,
        *,
        notified_user_ids: Sequence[int] = (),
        attachment_ids: Sequence[int] = (),
        check: str,
    ) -> Comment:
        form: Params = {
            "content": content,
            "notifiedUserId": list(notified_user_ids) or None,
            "attachmentId": list(attachment_ids) or None,
        }
        path = f"issues/{segment(issue)}/comments"
        return await self.client.send_form(
            Comment, "POST", path, form, what=f"a comment on {issue}", check=check
        )

    async def update_comment(self, issue: str, comment_id: int, content: str, *, check: str) -> Comment:
        path = f"issues/{segment(issue)}/comments/{comment_id}"
        return await self.client.send_form(
            Comment, "PATCH", path, {"content": content}, what=f"comment {comment_id} on {issue}", check=check
        )

    async def watching_of(self, user_id: int, issue_id: int) -> Watching | None:
        """The user's watching of the issue, if any (a user watches an issue at most once)."""
        params: Params = {"issueId": [issue_id], "count": _MAX_PAGE}
        path = f"users/{user_id}/watchings"
        what = f"the watchings of user {user_id}"
        found = await self.client.get_model(list[Watching], path, params, what=what)
        return next((w for w in found if w.issue is None or w.issue.id == issue_id), None)

    async def add_watching(self, issue: str, note: str | None, *, check: str) -> Watching:
        form: Params = {"issueIdOrKey": issue, "note": note}
        return await self.client.send_form(
            Watching, "POST", "watchings", form, what=f"a watching of {issue}", check=check
        )

    async def update_watching(self, watching_id: int, note: str, *, check: str) -> Watching:
        path, what = f"watchings/{watching_id}", f"watching {watching_id}"
        return await self.client.send_form(Watching, "PATCH", path, {"note": note}, what=what, check=check)

    async def delete_watching(self, watching_id: int, *, check: str) -> Watching:
        return await self.client.send_form(
            Watching, "DELETE", f"watchings/{watching_id}", what=f"watching {watching_id}", check=check
        )
