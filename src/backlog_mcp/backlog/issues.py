"""The issues area: issue payloads, the filters of `GET /issues`, and the issue endpoints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.models import (
    Attachment,
    Count,
    Model,
    NamedRef,
    Priority,
    Resolution,
    SharedFile,
    User,
)
from backlog_mcp.backlog.params import Params, ParamValue
from backlog_mcp.backlog.projects import Category, IssueType, Status, Version

__all__ = [
    "AttributeInfo",
    "ChangeLogEntry",
    "Comment",
    "CommentNotification",
    "CustomField",
    "CustomFieldItem",
    "CustomFieldValue",
    "Issue",
    "IssueEndpoints",
    "IssueFilter",
    "IssuePage",
    "Order",
    "RelatedIssue",
]

Order = Literal["asc", "desc"]
EPOCH = "1970-01-01"


class CustomFieldValue(Model):
    """A custom field on an issue; `value`'s JSON type depends on `field_type_id`."""

    id: int
    field_type_id: int | None = None
    name: str = ""
    value: Any = None
    other_value: str | None = None


class Issue(Model):
    id: int
    project_id: int | None = None
    issue_key: str
    key_id: int | None = None
    issue_type: IssueType | None = None
    summary: str = ""
    description: str | None = None
    resolution: Resolution | None = None
    priority: Priority | None = None
    status: Status | None = None
    assignee: User | None = None
    category: list[Category] = Field(default_factory=list)
    versions: list[Version] = Field(default_factory=list)
    milestone: list[Version] = Field(default_factory=list)
    start_date: datetime | None = None
    due_date: datetime | None = None
    estimated_hours: float | None = None
    actual_hours: float | None = None
    parent_issue_id: int | None = None
    created_user: User | None = None
    created: datetime | None = None
    updated_user: User | None = None
    updated: datetime | None = None
    custom_fields: list[CustomFieldValue] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    shared_files: list[SharedFile] = Field(default_factory=list)


class RelatedIssue(Issue):
    """An issue as `GET /issues/:key/relatedIssues` lists it: `type` is `RELATES` (undirected)."""

    type: str | None = None


class CustomFieldItem(Model):
    id: int
    name: str = ""
    display_order: int | None = None


class CustomField(Model):
    """A project's custom field definition (`GET /projects/:p/customFields`)."""

    id: int
    type_id: int | None = None
    name: str = ""
    description: str | None = None
    required: bool = False
    applicable_issue_types: list[int] = Field(default_factory=list)
    items: list[CustomFieldItem] = Field(default_factory=list)
    min: float | str | None = None
    max: float | str | None = None
    unit: str | None = None


class AttributeInfo(Model):
    """Set on a change of a custom field, whose `field` is then the field's name (free text)."""

    id: int | None = None
    type_id: int | None = None


class ChangeLogEntry(Model):
    field: str = ""
    new_value: str | None = None
    original_value: str | None = None
    attachment_info: NamedRef | None = None
    attribute_info: AttributeInfo | None = None

    @property
    def custom_field(self) -> bool:
        """A custom field's change: its name may be anything, `status` and `attachment` included."""
        return self.attribute_info is not None


class CommentNotification(Model):
    id: int | None = None
    user: User | None = None
    reason: int | None = None


class Comment(Model):
    id: int
    content: str | None = None
    change_log: list[ChangeLogEntry] | None = None
    created_user: User | None = None
    created: datetime | None = None
    updated: datetime | None = None
    notifications: list[CommentNotification] = Field(default_factory=list)


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
    createdUserId: tuple[int, ...] = ()
    resolutionId: tuple[int, ...] = ()
    parentChild: int | None = None
    attachment: bool | None = None
    hasDueDate: bool | None = None
    keyword: str | None = None
    createdSince: str | None = None
    createdUntil: str | None = None
    updatedSince: str | None = None
    updatedUntil: str | None = None
    dueDateSince: str | None = None
    dueDateUntil: str | None = None
    startDateSince: str | None = None
    startDateUntil: str | None = None
    extra: dict[str, ParamValue] = field(default_factory=dict)
    """Parameters named by data, such as `customField_{id}_min`: sent as they are."""

    def to_params(self) -> dict[str, Any]:
        params = {k: v for k, v in asdict(self).items() if k != "extra" and v not in ((), None, "")}
        if self.hasDueDate:
            # Backlog refuses hasDueDate=true (only false is supported); every due date is on
            # or after the epoch, so this lower bound selects exactly the issues that have one.
            del params["hasDueDate"]
            params.setdefault("dueDateSince", EPOCH)
        params.update(self.extra)
        return params


@dataclass(frozen=True, slots=True)
class IssuePage:
    offset: int = 0
    count: int = 20
    sort: str | None = None
    order: Order = "desc"


class IssueEndpoints(EndpointGroup):
    async def get_issues(self, filters: IssueFilter, page: IssuePage) -> list[Issue]:
        params: dict[str, Any] = filters.to_params()
        params.update(offset=page.offset, count=page.count, order=page.order, sort=page.sort)
        return await self.client.get_model(list[Issue], "issues", params, what="issues")

    async def count_issues(self, filters: IssueFilter) -> int:
        return (
            await self.client.get_model(Count, "issues/count", filters.to_params(), what="the issue count")
        ).count

    async def get_issue(self, issue: str | int) -> Issue:
        return await self.client.get_model(Issue, f"issues/{segment(issue)}", what=f"issue {issue}")

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
        return await self.client.get_model(
            list[Comment], f"issues/{segment(issue)}/comments", params, what=f"issue {issue}"
        )

    async def count_comments(self, issue: str | int) -> int:
        path = f"issues/{segment(issue)}/comments/count"
        return (await self.client.get_model(Count, path, what=f"the comment count of issue {issue}")).count

    async def get_attachments(self, issue: str | int) -> list[Attachment]:
        path = f"issues/{segment(issue)}/attachments"
        return await self.client.get_model(list[Attachment], path, what=f"issue {issue}")

    async def get_related_issues(self, issue: str | int) -> list[RelatedIssue]:
        path = f"issues/{segment(issue)}/relatedIssues"
        return await self.client.get_model(list[RelatedIssue], path, what=f"issue {issue}")

    async def get_custom_fields(self, project: str | int) -> list[CustomField]:
        path = f"projects/{segment(project)}/customFields"
        return await self.client.get_model(list[CustomField], path, what=f"project {project}")
