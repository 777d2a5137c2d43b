"""Backlog's read endpoints as typed methods, one group per area."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, Literal, TypeVar

from backlog_mcp.backlog.client import BacklogClient, segment
from backlog_mcp.backlog.download import Download, which_is_missing
from backlog_mcp.backlog.models import (
    Attachment,
    Category,
    Comment,
    Count,
    Issue,
    IssueType,
    Priority,
    Project,
    RateLimit,
    Resolution,
    Space,
    Status,
    User,
    Version,
)
from backlog_mcp.backlog.params import Params
from backlog_mcp.errors import BacklogNotFoundError

__all__ = ["Backlog", "IssueFilter", "IssuePage", "Order"]

Order = Literal["asc", "desc"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class IssueFilter:
    """The filters `GET /issues` and `GET /issues/count` share, in Backlog's parameter names."""

    projectId: tuple[int, ...] = ()
    id: tuple[int, ...] = ()
    issueTypeId: tuple[int, ...] = ()
    statusId: tuple[int, ...] = ()
    priorityId: tuple[int, ...] = ()
    assigneeId: tuple[int, ...] = ()
    categoryId: tuple[int, ...] = ()
    milestoneId: tuple[int, ...] = ()
    versionId: tuple[int, ...] = ()
    parentIssueId: tuple[int, ...] = ()
    parentChild: int | None = None
    keyword: str | None = None
    createdSince: str | None = None
    createdUntil: str | None = None
    updatedSince: str | None = None
    updatedUntil: str | None = None
    dueDateSince: str | None = None
    dueDateUntil: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def to_params(self) -> dict[str, Any]:
        params = {k: v for k, v in asdict(self).items() if k != "extra" and v not in ((), None, "")}
        params.update(self.extra)
        return params


@dataclass(frozen=True, slots=True)
class IssuePage:
    offset: int = 0
    count: int = 20
    sort: str | None = None
    order: Order = "desc"


class Backlog(BacklogClient):
    """`BacklogClient` plus one method per endpoint the server reads."""

    # -- space ---------------------------------------------------------------------------------

    async def get_space(self) -> Space:
        return await self.get_model(Space, "space", what="the space")

    async def get_myself(self) -> User:
        return await self.get_model(User, "users/myself", what="the current user")

    async def get_rate_limit(self) -> RateLimit:
        data = await self.get_json("rateLimit", what="the rate limit")
        return RateLimit.model_validate((data or {}).get("rateLimit", {}))

    async def get_priorities(self) -> list[Priority]:
        return await self.get_model(list[Priority], "priorities", what="priorities")

    async def get_resolutions(self) -> list[Resolution]:
        return await self.get_model(list[Resolution], "resolutions", what="resolutions")

    # -- projects ------------------------------------------------------------------------------

    async def get_projects(self, archived: bool | None = None) -> list[Project]:
        return await self.get_model(list[Project], "projects", {"archived": archived}, what="projects")

    async def get_project(self, project: str | int) -> Project:
        return await self.get_model(Project, f"projects/{segment(project)}", what=f"project {project}")

    async def get_project_users(self, project: str | int) -> list[User]:
        return await self._project_list(list[User], project, "users")

    async def get_statuses(self, project: str | int) -> list[Status]:
        return await self._project_list(list[Status], project, "statuses")

    async def get_issue_types(self, project: str | int) -> list[IssueType]:
        return await self._project_list(list[IssueType], project, "issueTypes")

    async def get_categories(self, project: str | int) -> list[Category]:
        return await self._project_list(list[Category], project, "categories")

    async def get_versions(self, project: str | int) -> list[Version]:
        return await self._project_list(list[Version], project, "versions")

    async def _project_list(self, model: type[T], project: str | int, path: str) -> T:
        return await self.get_model(model, f"projects/{segment(project)}/{path}", what=f"project {project}")

    # -- issues --------------------------------------------------------------------------------

    async def get_issues(self, filters: IssueFilter, page: IssuePage) -> list[Issue]:
        params: dict[str, Any] = filters.to_params()
        params.update(offset=page.offset, count=page.count, order=page.order, sort=page.sort)
        return await self.get_model(list[Issue], "issues", params, what="issues")

    async def count_issues(self, filters: IssueFilter) -> int:
        return (
            await self.get_model(Count, "issues/count", filters.to_params(), what="the issue count")
        ).count

    async def get_issue(self, issue: str | int) -> Issue:
        return await self.get_model(Issue, f"issues/{segment(issue)}", what=f"issue {issue}")

    async def get_comments(
        self,
        issue: str | int,
        *,
        count: int = 20,
        order: Order = "desc",
        min_id: int | None = None,
        max_id: int | None = None,
    ) -> list[Comment]:
        params: Params = {"count": count, "order": order, "minId": min_id, "maxId": max_id}
        return await self.get_model(
            list[Comment], f"issues/{segment(issue)}/comments", params, what=f"issue {issue}"
        )

    async def count_comments(self, issue: str | int) -> int:
        path = f"issues/{segment(issue)}/comments/count"
        return (await self.get_model(Count, path, what=f"the comment count of issue {issue}")).count

    async def get_attachments(self, issue: str | int) -> list[Attachment]:
        return await self.get_model(
            list[Attachment], f"issues/{segment(issue)}/attachments", what=f"issue {issue}"
        )

    @asynccontextmanager
    async def download_attachment(self, issue: str | int, attachment_id: int) -> AsyncIterator[Download]:
        """The attachment's body, streamed; headers (name, type, size) are known on entry."""
        what = f"attachment {attachment_id} of issue {issue}"
        path = f"issues/{segment(issue)}/attachments/{segment(attachment_id)}"
        async with AsyncExitStack() as stack:
            try:
                response = await stack.enter_async_context(self.stream(path, what=what))
            except BacklogNotFoundError as exc:
                raise which_is_missing(exc, issue, attachment_id) from None
            reopen = partial(self.stream, path, what=what)
            yield Download(response=response, what=what, reopen=reopen, retries=self._max_retries)
