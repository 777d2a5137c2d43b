"""Pull request writes, held in memory: add a comment (Backlog answers 200 with the comment).

The comment joins the pull request's comment list and count; notified users are recorded as
Backlog records them (reason 11, "PR commented"); files uploaded with `POST /space/attachment`
are attached by `attachmentId[]` and logged in the comment's change log.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from backlog_mcp.sandbox.attachments import uploads
from backlog_mcp.sandbox.errors import invalid
from backlog_mcp.sandbox.forms import Form, write_clock
from backlog_mcp.sandbox.git_data import GitData, PullRequestRecord, build
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.site import Site, WriteRoute

__all__ = ["GitWrites"]

_REASON_PR_COMMENTED = 11


class GitWrites:
    def __init__(self, site: Site, pull_request: Callable[[dict[str, str]], PullRequestRecord]) -> None:
        self.space = site.space
        self.pull_request = pull_request

    def routes(self) -> list[WriteRoute]:
        pr = ("projects", "{project}", "git", "repositories", "{repo}", "pullRequests", "{number}")
        return [("POST", (*pr, "comments"), self.add_comment)]

    async def add_comment(self, request: Request, args: dict[str, str]) -> JSON:
        form = Form.read(await request.form())
        pr = self.pull_request(args)  # 404 for a missing project, repository or pull request
        content = form.required_text("content")
        notified = []
        for user_id in form.integers("notifiedUserId[]"):
            user = self.space.user(user_id)
            if user is None:
                raise invalid("notifiedUserId[]", f"No user {user_id}.")
            notified.append(user)
        now = self.space.area(write_clock).now()
        data: GitData = self.space.area(build)
        every = (c["id"] for repo in data.repositories for p in repo.pull_requests for c in p.comments)
        comment_id = 1 + max(every)
        change_log = [_attachment_change(meta) for meta in self._attach(pr, form, now)]
        comment: JSON = {
            "id": comment_id,
            "content": content,
            "changeLog": change_log,
            "createdUser": self.space.myself,
            "created": now,
            "updated": now,
            "stars": [],
            "notifications": [
                {
                    "id": comment_id * 10 + n,
                    "alreadyRead": False,
                    "reason": _REASON_PR_COMMENTED,
                    "user": user,
                    "resourceAlreadyRead": False,
                }
                for n, user in enumerate(notified)
            ],
        }
        pr.comments.append(comment)
        pr.json["updatedUser"] = self.space.myself
        pr.json["updated"] = now
        return comment

    def _attach(self, pr: PullRequestRecord, form: Form, now: str) -> list[JSON]:
        store = self.space.area(uploads)
        metas = []
        for attachment_id in form.integers("attachmentId[]"):
            name, body = store.take(attachment_id)
            meta: JSON = {
                "id": attachment_id,
                "name": name,
                "size": body.size,
                "createdUser": self.space.myself,
                "created": now,
            }
            pr.files[attachment_id] = (name, body)
            pr.json["attachments"].append(meta)
            metas.append(meta)
        return metas


def _attachment_change(meta: JSON) -> JSON:
    """A file attached with the comment, as Backlog logs it (reference §7, ChangeLog)."""
    return {
        "field": "attachment",
        "newValue": meta["name"],
        "originalValue": None,
        "attachmentInfo": {"id": meta["id"], "name": meta["name"]},
        "attributeInfo": None,
        "notificationInfo": None,
    }
