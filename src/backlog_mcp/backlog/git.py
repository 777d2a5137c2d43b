"""The git area: repositories, pull requests, their comments and attachments (reference §5.6)."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import Field

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.issues import Comment, Order
from backlog_mcp.backlog.models import Attachment, Count, Model, NamedRef, User
from backlog_mcp.backlog.params import Params
from backlog_mcp.errors import BacklogNotFoundError

__all__ = [
    "GitEndpoints",
    "LinkedIssue",
    "PullRequest",
    "PullRequestFilter",
    "PullRequestRef",
    "RepoRef",
    "Repository",
]

T = TypeVar("T")


class Repository(Model):
    id: int
    project_id: int | None = None
    name: str = ""
    description: str | None = None
    http_url: str | None = None
    ssh_url: str | None = None
    display_order: int | None = None
    pushed_at: datetime | None = None
    created_user: User | None = None
    created: datetime | None = None
    updated: datetime | None = None


class LinkedIssue(Model):
    """A pull request's issue: only `{id}` in a list, the whole issue in a single pull request."""

    id: int
    issue_key: str | None = None
    summary: str = ""


class PullRequest(Model):
    id: int
    project_id: int | None = None
    repository_id: int | None = None
    number: int
    summary: str = ""
    description: str | None = None
    base: str = ""
    branch: str = ""
    status: NamedRef | None = None
    assignee: User | None = None
    issue: LinkedIssue | None = None
    base_commit: str | None = None
    branch_commit: str | None = None
    merge_commit: str | None = None
    close_at: datetime | None = None
    merge_at: datetime | None = None
    created_user: User | None = None
    created: datetime | None = None
    updated_user: User | None = None
    updated: datetime | None = None
    attachments: list[Attachment] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RepoRef:
    """A repository as the paths name it: project key or ID, repository name or ID."""

    project: str
    repo: str

    def __str__(self) -> str:
        return f"{self.project}/{self.repo}"

    @property
    def path(self) -> str:
        return f"projects/{segment(self.project)}/git/repositories/{segment(self.repo)}"


@dataclass(frozen=True, slots=True)
class PullRequestRef:
    """One pull request: `DEMO/web-app#3`."""

    project: str
    repo: str
    number: int

    def __str__(self) -> str:
        return f"{self.project}/{self.repo}#{self.number}"

    @property
    def repository(self) -> RepoRef:
        return RepoRef(self.project, self.repo)

    @property
    def path(self) -> str:
        return f"{self.repository.path}/pullRequests/{self.number}"


@dataclass(frozen=True, slots=True)
class PullRequestFilter:
    """The filters the pull-request list and its count share, in Backlog's parameter names."""

    statusId: tuple[int, ...] = ()
    assigneeId: tuple[int, ...] = ()
    issueId: tuple[int, ...] = ()
    createdUserId: tuple[int, ...] = ()

    def to_params(self) -> dict[str, Any]:
        names = ("statusId", "assigneeId", "issueId", "createdUserId")
        return {name: getattr(self, name) for name in names if getattr(self, name)}


def reworded(
    error: BacklogNotFoundError,
    project: str,
    repo: str | None = None,
    number: int | None = None,
    attachment_id: int | None = None,
) -> BacklogNotFoundError:
    """A 404 naming what is missing: Backlog answers `No project.`, `No repository.`,
    `No pull request.` or `No attachment.` (code 6) for whichever part of the path is."""
    said = " ".join(detail.message.lower() for detail in error.details)
    summary = error.summary
    if "project" in said:
        summary = f"Project {project} not found."
    elif "repository" in said and repo is not None:
        summary = f"Repository {project}/{repo} not found."
    elif "pull request" in said and repo is not None and number is not None:
        summary = f"Pull request {project}/{repo}#{number} not found."
    elif "attachment" in said and attachment_id is not None:
        summary = f"Attachment {attachment_id} of pull request {project}/{repo}#{number} not found."
    return BacklogNotFoundError(summary, status=error.status, details=error.details)


async def _named(call: Awaitable[T], project: str, repo: str | None = None, number: int | None = None) -> T:
    try:
        return await call
    except BacklogNotFoundError as exc:
        raise reworded(exc, project, repo, number) from None


class GitEndpoints(EndpointGroup):
    async def get_repositories(self, project: str) -> list[Repository]:
        path = f"projects/{segment(project)}/git/repositories"
        call = self.client.get_model(list[Repository], path, what=f"project {project}")
        return await _named(call, project)

    async def get_pull_requests(
        self, repo: RepoRef, filters: PullRequestFilter, *, offset: int = 0, count: int = 20
    ) -> list[PullRequest]:
        params: dict[str, Any] = {**filters.to_params(), "offset": offset, "count": count}
        call = self.client.get_model(
            list[PullRequest], f"{repo.path}/pullRequests", params, what=f"repository {repo}"
        )
        return await _named(call, repo.project, repo.repo)

    async def count_pull_requests(self, repo: RepoRef, filters: PullRequestFilter) -> int:
        path = f"{repo.path}/pullRequests/count"
        call = self.client.get_model(Count, path, filters.to_params(), what=f"repository {repo}")
        return (await _named(call, repo.project, repo.repo)).count

    async def get_pull_request(self, pr: PullRequestRef) -> PullRequest:
        call = self.client.get_model(PullRequest, pr.path, what=f"pull request {pr}")
        return await _named(call, pr.project, pr.repo, pr.number)

    async def get_comments(
        self,
        pr: PullRequestRef,
        *,
        count: int = 20,
        order: Order = "desc",
        min_id: int | None = None,
        max_id: int | None = None,
    ) -> list[Comment]:
        params: Params = {"count": count, "order": order, "minId": min_id, "maxId": max_id}
        call = self.client.get_model(list[Comment], f"{pr.path}/comments", params, what=f"pull request {pr}")
        return await _named(call, pr.project, pr.repo, pr.number)

    async def count_comments(self, pr: PullRequestRef) -> int:
        call = self.client.get_model(Count, f"{pr.path}/comments/count", what=f"pull request {pr}")
        return (await _named(call, pr.project, pr.repo, pr.number)).count

    async def get_attachments(self, pr: PullRequestRef) -> list[Attachment]:
        call = self.client.get_model(list[Attachment], f"{pr.path}/attachments", what=f"pull request {pr}")
        return await _named(call, pr.project, pr.repo, pr.number)

    async def add_comment(
        self, pr: PullRequestRef, content: str, notified: list[int], *, check: str
    ) -> Comment:
        """`POST …/pullRequests/:number/comments`: Backlog answers 200 with the comment."""
        form: Params = {"content": content, "notifiedUserId": notified or None}
        call = self.client.send_form(
            Comment, "POST", f"{pr.path}/comments", form, what=f"a comment on pull request {pr}", check=check
        )
        return await _named(call, pr.project, pr.repo, pr.number)
